/**
 * Shared machinery of the domain-adaptation pipelines (pseudo-label, ckm-adapt): embed a labelled
 * source domain and a target domain with one backbone, measure the target before adaptation
 * (verification EER on generated target trials, cluster accuracy / NMI of k-means with the true
 * number of speakers), fit the adapter through the registry, and measure again after.
 * @module
 */
import type { Adapter } from "../contracts/adapter.ts";
import type { Clusterer } from "../contracts/clusterer.ts";
import type { Metric, TrialScorer } from "../contracts/scorer.ts";
import { ConfigError } from "../errors.ts";
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
import { generateTrials, loadDataDir, type Utterance } from "./data.ts";
import { Rng } from "../random.ts";

/** A domain: a data dir or utterances, optionally limited per speaker. */
export interface DomainSpec {
  readonly data?: string;
  readonly utterances?: readonly Utterance[];
  /** Keep at most this many utterances per speaker (seeded choice). */
  readonly maxPerSpeaker?: number;
  /** Map a folder/speaker name to a speaker id (e.g. two language folders of one voice). */
  readonly speakerOf?: (speaker: string) => string;
}

/** Options shared by the adaptation pipelines. */
export interface AdaptOptions {
  readonly source: DomainSpec;
  readonly target: DomainSpec;
  /** The adapter (pseudo-label, ckm-adapt, or a user's). */
  readonly adapter: string | PluginSpec;
  /** Backbone for both domains (default fbank-stats). */
  readonly backbone?: string | PluginSpec;
  /** How the adapter is fitted: with (source, target) or on the target alone; k-shot labels for the target. */
  readonly fitWith?: "source+target" | "target";
  /** Target utterances per speaker whose labels the adapter may see (0 = none: unsupervised). */
  readonly kShot?: number;
  readonly sampleRate?: number;
  readonly maxSeconds?: number;
  readonly seed?: number;
  readonly workDir?: string;
  readonly resume?: boolean;
  readonly registry?: Registry;
  readonly quiet?: boolean;
  /** Pipeline name in progress lines and records. */
  readonly name?: string;
}

/** Target-domain figures. */
export interface DomainFigures {
  readonly "EER %": number;
  readonly "minDCF 0.01": number;
  readonly "cluster accuracy": number;
  readonly nmi: number;
  readonly ari: number;
}

/** What the adaptation pipelines return. */
export interface AdaptResult {
  readonly adapter: string;
  readonly backbone: string;
  readonly counts: {
    source: { utterances: number; speakers: number };
    target: { utterances: number; speakers: number };
    kShotLabelled: number;
  };
  readonly before: DomainFigures;
  readonly after: DomainFigures;
  /** Pseudo-label quality when the adapter exposes labels(): agreement with the true target speakers. */
  readonly adapterLabels?: {
    clusters: number;
    labelled: number;
    accuracy: number;
    nmi: number;
    purity: number;
  };
  readonly adapterState?: Record<string, unknown>;
  readonly seed: number;
  readonly stages: StageRecord[];
}

async function domainUtts(d: DomainSpec, seed: number): Promise<Utterance[]> {
  let utts = d.utterances ? [...d.utterances] : d.data ? (await loadDataDir(d.data)).utts : [];
  if (!utts.length) throw new ConfigError("adapt", "a domain needs data (a dir) or utterances");
  if (d.speakerOf) utts = utts.map((u) => ({ ...u, speaker: d.speakerOf!(u.speaker) }));
  if (d.maxPerSpeaker) {
    const rng = new Rng(seed);
    const by = new Map<string, Utterance[]>();
    for (const u of utts) {
      const list = by.get(u.speaker);
      if (list) list.push(u);
      else by.set(u.speaker, [u]);
    }
    utts = [...by.values()].flatMap((list) =>
      (rng.shuffle([...list]) as Utterance[]).slice(0, d.maxPerSpeaker).sort((a, b) => a.id < b.id ? -1 : 1)
    );
  }
  return utts;
}

async function figures(r: Registry, x: Matrix, speakers: string[], seed: number): Promise<DomainFigures> {
  const utts = speakers.map((s, i) => ({ id: String(i), speaker: s }));
  const trials = generateTrials(utts, { seed, nonTargetRatio: 5 });
  const idx = {
    enroll: Int32Array.from(trials, (t) => Number(t.enroll)),
    test: Int32Array.from(trials, (t) => Number(t.test)),
    labels: Int8Array.from(trials, (t) => t.label),
  };
  const cos = await r.create("scorer", "cosine", {}) as TrialScorer;
  const v = await verificationMetrics(r, cos.score(x, x, idx), idx.labels);
  const k = new Set(speakers).size;
  const km = await r.create("clusterer", "kmeans", { metric: "cosine" }) as Clusterer;
  const res = await km.cluster(x, { numClusters: k, seed });
  const cm = await r.create("scorer", "cluster-metrics", {}) as Metric;
  const c = cm.compute({ labelsTrue: speakers, labelsPred: res.labels });
  return {
    "EER %": v["EER %"],
    "minDCF 0.01": v["minDCF 0.01"],
    "cluster accuracy": c.accuracy,
    nmi: c.nmi,
    ari: c.ari,
  };
}

/** Runs embed -> before -> fit adapter -> after. */
export async function adaptPipeline(opts: AdaptOptions): Promise<AdaptResult> {
  const r = reg(opts.registry);
  const seed = opts.seed ?? 1234;
  const sampleRate = opts.sampleRate ?? 16000;
  const bb = spec(opts.backbone ?? "fbank-stats"), ad = spec(opts.adapter);
  const bbCfg = resolved(r, "backbone", bb), adCfg = resolved(r, "adapter", ad);
  const p = new Pipeline({
    name: opts.name ?? "adapt",
    workDir: opts.workDir,
    resume: opts.resume,
    seed,
    quiet: opts.quiet,
  });
  const src = await domainUtts(opts.source, seed), tgt = await domainUtts(opts.target, seed + 1);
  // the key holds each utterance's file (fingerprinted) or its samples' checksum: changed audio re-embeds
  const emb = await p.stage("embed", {
    config: {
      backbone: bbCfg,
      sampleRate,
      maxSeconds: opts.maxSeconds ?? null,
      source: src.map(utteranceKey),
      target: tgt.map(utteranceKey),
    },
    files: [...src, ...tgt].flatMap((u) => u.path && !u.samples ? [u.path] : []),
  }, async () => {
    const model = await r.create("backbone", bb.name, bb.options ?? {});
    try {
      const all = [...src, ...tgt];
      const x = await embedAll(
        model,
        all.length,
        async (i) => ({ id: all[i].id, ...(await utteranceAudio(all[i], sampleRate, opts.maxSeconds)) }),
        `embed ${labelOf(bb)}`,
      );
      const d = x.cols;
      return {
        source: { rows: src.length, cols: d, data: x.data.slice(0, src.length * d) } as Matrix,
        target: { rows: tgt.length, cols: d, data: x.data.slice(src.length * d) } as Matrix,
      };
    } finally {
      await model.dispose?.();
    }
  });
  const tSpk = tgt.map((u) => u.speaker), sSpkNames = [...new Set(src.map((u) => u.speaker))];
  const before = await p.stage("before", { inputs: [emb] }, (ctx) => figures(r, emb.target, tSpk, ctx.seed));
  const kShot = opts.kShot ?? 0;
  const tNames = [...new Set(tSpk)];
  const tLabels = new Int32Array(tgt.length).fill(-1);
  if (kShot > 0) {
    const tIndex = speakerIndex(tSpk, tNames);
    const seen = new Map<string, number>();
    tgt.forEach((u, i) => {
      const n = seen.get(u.speaker) ?? 0;
      if (n < kShot) (tLabels[i] = tIndex[i], seen.set(u.speaker, n + 1));
    });
  }
  const fitWith = opts.fitWith ?? "source+target";
  const adapted = await p.stage(
    "adapt",
    { config: { adapter: adCfg, fitWith, kShot }, inputs: [emb] },
    async () => {
      const a = await r.create("adapter", ad.name, ad.options ?? {}) as Adapter;
      const srcData = { x: emb.source, labels: speakerIndex(src.map((u) => u.speaker), sSpkNames) };
      const tgtData = { x: emb.target, ...(kShot > 0 ? { labels: tLabels } : {}) };
      if (fitWith === "target") await a.fit(tgtData);
      else await a.fit(srcData, tgtData);
      return {
        x: a.transform(emb.target),
        labels: a.labels?.() ?? null,
        state: summarize(a.state?.() ?? {}),
      };
    },
  );
  const after = await p.stage("after", { inputs: [adapted] }, (ctx) => figures(r, adapted.x, tSpk, ctx.seed));
  let adapterLabels: AdaptResult["adapterLabels"];
  if (adapted.labels) {
    const keep = [...adapted.labels.keys()].filter((i) => adapted.labels![i] >= 0);
    if (keep.length) {
      const cm = await r.create("scorer", "cluster-metrics", {}) as Metric;
      const c = cm.compute({
        labelsTrue: keep.map((i) => tSpk[i]),
        labelsPred: keep.map((i) => adapted.labels![i]),
      });
      adapterLabels = {
        clusters: new Set(keep.map((i) => adapted.labels![i])).size,
        labelled: keep.length,
        accuracy: c.accuracy,
        nmi: c.nmi,
        purity: c.purity,
      };
    }
  }
  return {
    adapter: labelOf(ad),
    backbone: labelOf(bb),
    counts: {
      source: { utterances: src.length, speakers: sSpkNames.length },
      target: { utterances: tgt.length, speakers: tNames.length },
      kShotLabelled: [...tLabels].filter((l) => l >= 0).length,
    },
    before,
    after,
    adapterLabels,
    adapterState: adapted.state,
    seed,
    stages: p.records(),
  };
}

/** Keeps the scalar facts of an adapter's state (chosen K, losses...), not its weight arrays. */
function summarize(state: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(state)) {
    if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") out[k] = v;
    else if (Array.isArray(v) && v.length <= 64 && v.every((e) => typeof e === "number")) out[k] = v;
  }
  return out;
}
