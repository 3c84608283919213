/**
 * The verification pipeline: data -> trials -> embeddings (one or several backbones) -> optional
 * back-end adapters (mean-sub, LDA, PLDA...) -> scores -> optional score normalisation, fusion and
 * calibration -> EER, minDCF(0.01, 0.05), Cllr. Every plugin comes from the registry.
 *
 * Stages: data, trials, embed-<backbone>, backend-<backbone>, score-<backbone>, [normalize-<backbone>],
 * [fusion], [calibrate-<system>], metrics. Each is cached in `workDir` and resumes.
 * @module
 */
import type { Adapter } from "../contracts/adapter.ts";
import type { Calibrator, ScoreNormalizer, TrialIndex, TrialScorer } from "../contracts/scorer.ts";
import { ConfigError, InputError } from "../errors.ts";
import type { Matrix } from "../matrix.ts";
import { Pipeline, type StageRecord } from "../pipeline/runner.ts";
import type { Registry } from "../registry.ts";
import { utteranceAudio } from "./audio.ts";
import {
  embedAll,
  labelOf,
  type PluginSpec,
  reg,
  resolved,
  speakerIndex,
  spec,
  utteranceKey,
  verificationMetrics,
} from "./common.ts";
import { generateTrials, loadDataDir, readTrials, type Trial, type Utterance } from "./data.ts";

/** Options of {@link verify}. */
export interface VerifyOptions {
  /** Data dir: a folder per speaker or a Kaldi dir (wav.scp + utt2spk [+ trials]). */
  readonly data?: string;
  /** In-memory utterances instead of `data` (synthetic data, tests). */
  readonly utterances?: readonly Utterance[];
  /** A data-set name for reports (default: the folder). */
  readonly name?: string;
  /** Trials file; generated (all target pairs + seeded non-targets) when absent. */
  readonly trials?: string;
  /** Non-target trials per target trial when generating (default 5). */
  readonly nonTargetRatio?: number;
  /** Backbones to compare (default fbank-stats); fused when `fusion` is set. */
  readonly backbones?: readonly (string | PluginSpec)[];
  /** Back-end adapters applied in order to every backbone's embeddings (fitted unsupervised on the eval embeddings). */
  readonly backend?: readonly (string | PluginSpec)[];
  /** Trial scorer (default cosine); a back-end adapter with score() (PLDA) scores instead when `backendScores`. */
  readonly scorer?: string | PluginSpec;
  /** Use the last back-end adapter's own score() (e.g. PLDA log-likelihood ratios). */
  readonly backendScores?: boolean;
  /** Score normaliser (e.g. asnorm); its cohort is the eval embeddings themselves. */
  readonly normalize?: string | PluginSpec;
  /** Calibration of each system (and the fusion) to log-likelihood ratios, fitted on the trials themselves. */
  readonly calibrate?: string | PluginSpec;
  /** Fusion of all backbones' scores (e.g. linear-fusion), fitted on the trials themselves. */
  readonly fusion?: string | PluginSpec;
  /** Maps a speaker (folder) name to a speaker id, e.g. one voice recorded in two language folders. */
  readonly speakerOf?: (speaker: string, utt: Utterance) => string;
  /**
   * Domain id per utterance (e.g. 0 = English, 1 = other languages). Back-end adapters are fitted with
   * these domains, and metrics are also reported on same-domain and cross-domain trials separately.
   */
  readonly domainOf?: (utt: Utterance) => number;
  /** Domains whose embeddings the back-end transforms (default: all); mean-sub moves only the test domain. */
  readonly transformDomains?: readonly number[];
  /** Sample rate all audio must have (Hz). */
  readonly sampleRate?: number;
  /** Crop each utterance to this many seconds (speed). */
  readonly maxSeconds?: number;
  readonly seed?: number;
  readonly workDir?: string;
  readonly resume?: boolean;
  readonly registry?: Registry;
  readonly quiet?: boolean;
}

/** One scored system. */
export interface VerifySystem {
  readonly label: string;
  readonly metrics: Record<string, number>;
  readonly scores: Float32Array;
  /** Embeddings after the back-end (for plots); absent for fused systems. */
  readonly embeddings?: Matrix;
  readonly info?: Record<string, unknown>;
  readonly note?: string;
  /** With domainOf: metrics on same-domain and cross-domain trials. */
  readonly partitions?: Record<string, Record<string, number>>;
}

/** What {@link verify} returns. */
export interface VerifyResult {
  readonly name: string;
  readonly seed: number;
  readonly utterances: { id: string; speaker: string }[];
  readonly trials: { enroll: Int32Array; test: Int32Array; labels: Int8Array; generated: boolean };
  readonly counts: { utterances: number; speakers: number; target: number; nonTarget: number };
  readonly systems: VerifySystem[];
  readonly stages: StageRecord[];
}

/** Runs verification end to end and returns every system's scores and metrics. */
export async function verify(opts: VerifyOptions): Promise<VerifyResult> {
  const r = reg(opts.registry);
  const seed = opts.seed ?? 1234;
  const sampleRate = opts.sampleRate ?? 16000;
  const maxSeconds = opts.maxSeconds ?? Infinity;
  if (!opts.data && !opts.utterances) throw new ConfigError("verify", "give a data dir (data) or utterances");
  const backbones = (opts.backbones ?? ["fbank-stats"]).map(spec);
  const backend = (opts.backend ?? []).map(spec);
  const p = new Pipeline({
    name: "verify",
    workDir: opts.workDir,
    resume: opts.resume,
    seed,
    quiet: opts.quiet,
  });

  // resolve every plugin config first: a typo fails before any work is done
  const bbCfg = backbones.map((b) => resolved(r, "backbone", b));
  const beCfg = backend.map((b) => resolved(r, "adapter", b));
  const scorerSpec = spec(opts.scorer ?? "cosine");
  const scCfg = resolved(r, "scorer", scorerSpec);
  const normSpec = opts.normalize ? spec(opts.normalize) : undefined;
  const calSpec = opts.calibrate ? spec(opts.calibrate) : undefined;
  const fusSpec = opts.fusion ? spec(opts.fusion) : undefined;
  if (normSpec) resolved(r, "scorer", normSpec);
  if (calSpec) resolved(r, "scorer", calSpec);
  if (fusSpec) resolved(r, "scorer", fusSpec);

  const memUtts = opts.utterances;
  const data = await p.stage(
    "data",
    {
      config: {
        data: opts.data ?? null,
        inMemory: memUtts ? memUtts.map(utteranceKey) : null,
      },
      files: opts.data ? [opts.data] : [],
    },
    async () => {
      if (memUtts) {
        return {
          utts: memUtts.map((u) => ({ id: u.id, speaker: u.speaker })),
          trialsFile: null as string | null,
        };
      }
      const d = await loadDataDir(opts.data!);
      return {
        utts: d.utts.map((u) => ({ id: u.id, speaker: u.speaker, path: u.path })),
        trialsFile: d.trialsFile ?? null,
      };
    },
  );
  const utts: Utterance[] = (memUtts ? [...memUtts] : data.utts).map((u) =>
    opts.speakerOf ? { ...u, speaker: opts.speakerOf(u.speaker, u) } : u
  );
  const domains = opts.domainOf ? Int32Array.from(utts, (u) => opts.domainOf!(u)) : undefined;
  const moved = (i: number) =>
    !domains || !opts.transformDomains || opts.transformDomains.includes(domains[i]);
  const applyAdapter = (ad: Adapter, x: Matrix): Matrix => {
    const y = ad.transform(x);
    if (!domains || !opts.transformDomains || y.cols !== x.cols) return y;
    const out = x.data.slice();
    for (let i = 0; i < x.rows; i++) {
      if (moved(i)) out.set(y.data.subarray(i * y.cols, (i + 1) * y.cols), i * x.cols);
    }
    return { rows: x.rows, cols: x.cols, data: out };
  };
  const byId = new Map(utts.map((u, i) => [u.id, i]));
  // speaker index per utterance: the labels every back-end adapter is fitted with
  const speakerLabels = speakerIndex(utts.map((u) => u.speaker));
  const fitAdapter = async (a: PluginSpec, x: Matrix): Promise<Adapter> => {
    const ad = await r.create("adapter", a.name, a.options ?? {}) as Adapter;
    await ad.fit({ x, labels: speakerLabels, ...(domains ? { domains } : {}) });
    return ad;
  };

  const trialsFile = opts.trials ?? data.trialsFile ?? undefined;
  const trials = await p.stage(
    "trials",
    {
      config: {
        trialsFile: trialsFile ?? null,
        nonTargetRatio: opts.nonTargetRatio ?? 5,
        speakers: utts.map((u) => u.speaker),
      },
      inputs: [data],
      files: trialsFile ? [trialsFile] : [],
    },
    async (ctx) => {
      const list: Trial[] = trialsFile
        ? await readTrials(trialsFile, new Set(byId.keys()))
        : generateTrials(utts, { seed: ctx.seed, nonTargetRatio: opts.nonTargetRatio ?? 5 });
      return {
        enroll: Int32Array.from(list, (t) => byId.get(t.enroll)!),
        test: Int32Array.from(list, (t) => byId.get(t.test)!),
        labels: Int8Array.from(list, (t) => t.label),
        generated: !trialsFile,
        seed: ctx.seed,
      };
    },
  );
  const index: TrialIndex = trials;
  if (!trials.labels.includes(1) || !trials.labels.includes(0)) {
    // fail before any embedding work: EER, minDCF and Cllr need both classes
    throw trialsFile
      ? new InputError(
        trialsFile,
        "needs labelled trials, at least one target and one non-target ('<enroll> <test> target|nontarget')",
      )
      : new ConfigError(
        "verify",
        "the generated trials have no non-target pair: give utterances of two or more speakers and nonTargetRatio > 0",
      );
  }

  // audio is read once and shared by every backbone (not cached: it is the input, not a result)
  const audioCache = new Map<number, { samples: Float32Array; sampleRate: number }>();
  const audioOf = async (i: number) => {
    let a = audioCache.get(i);
    if (!a) audioCache.set(i, a = await utteranceAudio(utts[i], sampleRate, maxSeconds));
    return a;
  };

  const systems: VerifySystem[] = [];
  const rawScores: Float32Array[] = [];
  for (let b = 0; b < backbones.length; b++) {
    const bb = backbones[b], label = labelOf(bb);
    const emb = await p.stage(
      `embed-${label}`,
      {
        config: {
          backbone: bbCfg[b],
          sampleRate,
          maxSeconds: Number.isFinite(maxSeconds) ? maxSeconds : null,
        },
        inputs: [data],
        files: memUtts ? [] : utts.map((u) => u.path!),
      },
      async (ctx) => {
        const model = await r.create("backbone", bb.name, bb.options ?? {});
        if (model.modality !== "audio") {
          throw new ConfigError("verify", `backbone '${bb.name}' takes ${model.modality}, not audio`);
        }
        try {
          const x = await embedAll(
            model,
            utts.length,
            async (i) => ({ id: utts[i].id, ...(await audioOf(i)) }),
            `embed ${label}`,
          );
          ctx.log(`${x.rows} embeddings of dim ${x.cols}`);
          return { x, info: model.info() };
        } finally {
          await model.dispose?.();
        }
      },
    );
    const adapted = await p.stage(
      `backend-${label}`,
      {
        config: {
          backend: beCfg,
          domains: domains ? Array.from(domains) : null,
          transformDomains: opts.transformDomains ?? null,
        },
        inputs: [emb],
      },
      async () => {
        let x = emb.x;
        for (const a of backend) x = applyAdapter(await fitAdapter(a, x), x);
        return { x, adapters: backend.map((a) => a.name) };
      },
    );
    const scores = await p.stage(`score-${label}`, {
      config: {
        scorer: scCfg,
        backendScores: !!opts.backendScores,
        backend: beCfg,
        domains: domains ? Array.from(domains) : null,
        transformDomains: opts.transformDomains ?? null,
      },
      inputs: [adapted, trials],
    }, async () => {
      if (opts.backendScores) {
        const last = backend.at(-1);
        if (!last) {
          throw new ConfigError("verify", "backendScores needs a back-end adapter with score() (e.g. plda)");
        }
        // refit the scoring back-end to get a live instance (its state is not cached as an object)
        let x = emb.x, ad: Adapter | undefined;
        for (const a of backend) {
          ad = await fitAdapter(a, x);
          if (a !== last) x = applyAdapter(ad, x);
        }
        if (!ad?.score) {
          throw new ConfigError("verify", `adapter '${last.name}' has no score(); drop backendScores`);
        }
        const full = ad.score(x, x);
        return Float32Array.from(index.enroll, (e, t) => full[e * x.rows + index.test[t]]);
      }
      const sc = await r.create("scorer", scorerSpec.name, scorerSpec.options ?? {}) as TrialScorer;
      if (sc.role !== "score") {
        throw new ConfigError("verify", `scorer '${scorerSpec.name}' has role '${sc.role}', not 'score'`);
      }
      return sc.score(adapted.x, adapted.x, index);
    });
    let final = scores;
    if (normSpec) {
      final = await p.stage(`normalize-${label}`, {
        config: resolved(r, "scorer", normSpec),
        inputs: [scores, adapted, trials],
      }, async () => {
        const n = await r.create("scorer", normSpec.name, normSpec.options ?? {}) as ScoreNormalizer;
        return n.normalize(scores, { enroll: adapted.x, test: adapted.x, trials: index, cohort: adapted.x });
      });
    }
    rawScores.push(final);
    const notes = [
      backend.length
        ? `back-end ${backend.map((a) => a.name).join(" + ")} fitted on the eval embeddings`
        : "",
      normSpec ? `${normSpec.name} with the eval set as cohort` : "",
    ].filter(Boolean);
    systems.push({
      label: [label, ...backend.map((a) => a.name), ...(normSpec ? [normSpec.name] : [])].join(" + "),
      metrics: {},
      scores: final,
      embeddings: adapted.x,
      info: emb.info as Record<string, unknown>,
      note: notes.join("; "),
    });
  }

  if (fusSpec && systems.length > 1) {
    const fused = await p.stage("fusion", {
      config: resolved(r, "scorer", fusSpec),
      inputs: [...rawScores, trials],
    }, async () => {
      const f = await r.create("scorer", fusSpec.name, fusSpec.options ?? {}) as Calibrator;
      f.fit(rawScores, trials.labels);
      return f.apply(rawScores);
    });
    systems.push({
      label: `fusion (${fusSpec.name})`,
      metrics: {},
      scores: fused,
      note: "fusion weights fitted on these trials (oracle)",
    });
  }
  if (calSpec) {
    for (let s = 0; s < systems.length; s++) {
      const sys = systems[s];
      const cal = await p.stage(`calibrate-${s}`, {
        config: resolved(r, "scorer", calSpec),
        inputs: [sys.scores, trials],
      }, async () => {
        const c = await r.create("scorer", calSpec.name, calSpec.options ?? {}) as Calibrator;
        c.fit([sys.scores], trials.labels);
        return c.apply([sys.scores]);
      });
      systems[s] = {
        ...sys,
        scores: cal,
        note: [sys.note, `calibrated by ${calSpec.name} fitted on these trials (oracle)`].filter(Boolean)
          .join("; "),
      };
    }
  }
  const metrics = await p.stage("metrics", {
    config: { metrics: ["eer", "min-dcf", "cllr"], domains: domains ? Array.from(domains) : null },
    inputs: [...systems.map((s) => s.scores), trials],
  }, async () => {
    const out: { all: Record<string, number>; partitions: Record<string, Record<string, number>> | null }[] =
      [];
    for (const s of systems) {
      const all = await verificationMetrics(r, s.scores, trials.labels);
      let partitions: Record<string, Record<string, number>> | null = null;
      if (domains) {
        partitions = {};
        for (const [name, same] of [["same-domain", true], ["cross-domain", false]] as const) {
          const keep = [...trials.labels.keys()].filter((t) =>
            (domains[trials.enroll[t]] === domains[trials.test[t]]) === same
          );
          const lab = Int8Array.from(keep, (t) => trials.labels[t]);
          if (!lab.includes(1) || !lab.includes(0)) continue; // a partition needs both classes
          partitions[name] = {
            ...await verificationMetrics(r, Float32Array.from(keep, (t) => s.scores[t]), lab),
            target: lab.filter((l) => l === 1).length,
            nonTarget: lab.filter((l) => l === 0).length,
          };
        }
      }
      out.push({ all, partitions });
    }
    return out;
  });
  systems.forEach((s, i) => {
    Object.assign(s.metrics, metrics[i].all);
    if (metrics[i].partitions) systems[i] = { ...s, partitions: metrics[i].partitions! };
  });

  let nt = 0, nn = 0;
  for (const l of trials.labels) l === 1 ? nt++ : l === 0 ? nn++ : 0;
  return {
    name: opts.name ?? opts.data ?? "in-memory",
    seed,
    utterances: utts.map((u) => ({ id: u.id, speaker: u.speaker })),
    trials: { enroll: trials.enroll, test: trials.test, labels: trials.labels, generated: trials.generated },
    counts: {
      utterances: utts.length,
      speakers: new Set(utts.map((u) => u.speaker)).size,
      target: nt,
      nonTarget: nn,
    },
    systems,
    stages: p.records(),
  };
}
