/**
 * The verification recipe: data -> trials -> embeddings (one or several backbones) -> back-end adapters
 * (mean-sub, LDA, PLDA...) -> scores -> score normalisation -> fusion -> calibration -> EER, minDCF(0.01,
 * 0.05), Cllr, optionally on same-domain and cross-domain trials apart. Every plugin comes from the
 * registry given (slots: backbone, adapter, trial-scorer, normalizer, calibrator, metric); every stage
 * is cached in `workDir` and resumes (core/pipelines/stages).
 *
 * Stages: data, trials, embed-<backbone>, backend-<backbone>, score-<backbone>, [normalize-<backbone>],
 * [fusion], [calibrate-<system>], metrics.
 * @module
 */
import type { Utterance } from "../data/datasets.ts";
import type { Matrix } from "../matrix.ts";
import { opt, resolveConfig, type SchemaOf } from "../options.ts";
import type { StageRecord } from "./stages/runner.ts";
import {
  AudioCache,
  calibrateScores,
  embedUtterances,
  fitBackend,
  fuseScores,
  loadData,
  makeTrials,
  normalizeScores,
  openRun,
  type PluginSpec,
  records,
  resolve,
  resolveAll,
  type Run,
  type RunOptions,
  scoreTrials,
  scoreWithBackend,
  type TrialSet,
} from "./stages/mod.ts";
import { speakerIndex } from "../data/datasets.ts";
import { metricsStage } from "./verify_metrics.ts";

/** The scalar options of {@link verify}. */
export interface VerifyConfig {
  /** Non-target trials per target trial when generating. */
  nonTargetRatio: number;
  /** Sample rate all audio is read at (Hz). */
  sampleRate: number;
  /** Crop each utterance to this many seconds (null = whole). */
  maxSeconds: number | null;
  /** Score with the last back-end adapter's own score(). */
  backendScores: boolean;
}

/** The scalar options of {@link verify}, declared once (defaults, bounds, help). */
export const VERIFY_OPTIONS: SchemaOf<VerifyConfig> = {
  nonTargetRatio: opt.number(5, "non-target trials per target trial when generating (Infinity = all pairs)", {
    min: 0,
    check: (v) => (Number.isNaN(v) ? "must be a number" : undefined),
  }),
  sampleRate: opt.integer(16000, "sample rate all audio is read at (Hz)", { min: 1000, max: 384000 }),
  maxSeconds: opt.number(null, "crop each utterance to this many seconds (null = whole)", {
    gt: 0,
    nullable: true,
  }),
  backendScores: opt.boolean(false, "score with the last back-end adapter's own score() (PLDA llrs)"),
};

/** Options of {@link verify}. */
export interface VerifyOptions extends RunOptions, Partial<Omit<VerifyConfig, "maxSeconds">> {
  /** Data dir: a folder per speaker or a Kaldi dir (wav.scp + utt2spk [+ trials]). */
  readonly data?: string;
  /** In-memory utterances instead of `data` (synthetic data, tests). */
  readonly utterances?: readonly Utterance[];
  /** A data-set name for reports (default: the folder). */
  readonly name?: string;
  /** Trials file; generated (all target pairs + seeded non-targets) when absent. */
  readonly trials?: string;
  /** Backbones to compare (default fbank-stats); fused when `fusion` is set. */
  readonly backbones?: readonly (string | PluginSpec)[];
  /** Back-end adapters applied in order to every backbone's embeddings (fitted on the eval embeddings). */
  readonly backend?: readonly (string | PluginSpec)[];
  /** Trial scorer (default cosine). */
  readonly scorer?: string | PluginSpec;
  /** Score normaliser (e.g. asnorm); its cohort is the eval embeddings themselves. */
  readonly normalize?: string | PluginSpec;
  /** Calibration of each system (and the fusion) to log-likelihood ratios, fitted on the trials themselves. */
  readonly calibrate?: string | PluginSpec;
  /** Fusion of all backbones' scores (e.g. linear-fusion), fitted on the trials themselves. */
  readonly fusion?: string | PluginSpec;
  /** Maps a speaker (folder) name to a speaker id, e.g. one voice recorded in two language folders. */
  readonly speakerOf?: (speaker: string, utt: Utterance) => string;
  /** Domain id per utterance: back-ends are fitted with domains; metrics also per same/cross-domain trials. */
  readonly domainOf?: (utt: Utterance) => number;
  /** Domains whose embeddings the back-end transforms (default: all); mean-sub moves only the test domain. */
  readonly transformDomains?: readonly number[];
  /** Crop each utterance to this many seconds (speed). */
  readonly maxSeconds?: number;
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
  const cfg = resolveConfig("verify", VERIFY_OPTIONS, {
    nonTargetRatio: opts.nonTargetRatio,
    sampleRate: opts.sampleRate,
    maxSeconds: opts.maxSeconds === Infinity ? null : opts.maxSeconds,
    backendScores: opts.backendScores,
  });
  const run = openRun("verify", opts);
  // every plugin resolved first: a typo or a bad option fails before any work is done
  const backbones = await resolveAll(run, "backbone", opts.backbones ?? ["fbank-stats"]);
  const backend = await resolveAll(run, "adapter", opts.backend ?? []);
  const scorer = await resolve(run, "trial-scorer", opts.scorer ?? "cosine");
  const norm = opts.normalize ? await resolve(run, "normalizer", opts.normalize) : undefined;
  const fusion = opts.fusion ? await resolve(run, "calibrator", opts.fusion) : undefined;
  const cal = opts.calibrate ? await resolve(run, "calibrator", opts.calibrate) : undefined;

  // 1. data and trials: utterances with speaker labels [N], trials [T] as row pairs
  const ds = await loadData(run, opts);
  const trials = await makeTrials(run, ds, { trialsFile: opts.trials, nonTargetRatio: cfg.nonTargetRatio });
  const domains = opts.domainOf ? Int32Array.from(ds.utts, (u) => opts.domainOf!(u)) : undefined;
  const bdata = {
    labels: speakerIndex(ds.utts.map((u) => u.speaker)),
    domains,
    transformDomains: opts.transformDomains,
  };
  const audio = new AudioCache(ds.utts, cfg.sampleRate, cfg.maxSeconds ?? Infinity);
  const systems: VerifySystem[] = [];
  for (const bb of backbones) {
    // 2. embeddings [N, D] -> 3. back-end [N, D'] -> 4. scores [T] -> 5. normalised scores [T]
    const emb = await embedUtterances(run, audio, bb);
    const x = await fitBackend(run, emb.x, backend, bdata, `backend-${bb.label}`);
    let scores = cfg.backendScores
      ? await scoreWithBackend(run, emb.x, trials, backend, bdata, `score-${bb.label}`)
      : await scoreTrials(run, x, trials, scorer, `score-${bb.label}`);
    if (norm) scores = await normalizeScores(run, scores, x, trials, norm, `normalize-${bb.label}`);
    systems.push({
      label: [bb.label, ...backend.map((a) => a.name), ...(norm ? [norm.name] : [])].join(" + "),
      metrics: {},
      scores,
      embeddings: x,
      info: emb.info,
      note: [
        backend.length
          ? `back-end ${backend.map((a) => a.name).join(" + ")} fitted on the eval embeddings`
          : "",
        norm ? `${norm.name} with the eval set as cohort` : "",
      ].filter(Boolean).join("; "),
    });
  }
  // 6. fusion of the systems, 7. calibration of each: fitted on these trials (oracle, said in the note)
  if (fusion && systems.length > 1) {
    const fused = await fuseScores(run, systems.map((s) => s.scores), trials.labels, fusion);
    systems.push({
      label: `fusion (${fusion.name})`,
      metrics: {},
      scores: fused,
      note: "fusion weights fitted on these trials (oracle)",
    });
  }
  if (cal) {
    for (const [i, s] of systems.entries()) {
      const scores = await calibrateScores(run, s.scores, trials.labels, cal, `calibrate-${i}`);
      const note = [s.note, `calibrated by ${cal.name} fitted on these trials (oracle)`].filter(Boolean).join(
        "; ",
      );
      systems[i] = { ...s, scores, note };
    }
  }
  // 8. metrics per system (and per same/cross-domain partition)
  const figures = await metricsStage(run, systems, trials, domains);
  return result(opts, run, ds.utts, trials, systems.map((s, i) => ({ ...s, ...figures[i] })));
}

function result(
  opts: VerifyOptions,
  run: Run,
  utts: readonly Utterance[],
  trials: TrialSet,
  systems: VerifySystem[],
): VerifyResult {
  let nt = 0, nn = 0;
  for (const l of trials.labels) l === 1 ? nt++ : l === 0 ? nn++ : 0;
  return {
    name: opts.name ?? opts.data ?? "in-memory",
    seed: run.seed,
    utterances: utts.map((u) => ({ id: u.id, speaker: u.speaker })),
    trials: { enroll: trials.enroll, test: trials.test, labels: trials.labels, generated: trials.generated },
    counts: {
      utterances: utts.length,
      speakers: new Set(utts.map((u) => u.speaker)).size,
      target: nt,
      nonTarget: nn,
    },
    systems,
    stages: records(run),
  };
}
