/**
 * Shared machinery of the domain-adaptation pipelines (pseudo-label, ckm-adapt): embed a labelled
 * source domain and a target domain with one backbone, measure the target before adaptation
 * (verification EER on generated target trials, cluster accuracy / NMI of k-means with the true
 * number of speakers), fit the adapter through the registry, and measure again after.
 * @module
 */
import { loadDataDir, speakerIndex, type Utterance } from "../data/datasets.ts";
import { generateTrials } from "../data/trials.ts";
import { ConfigError } from "../errors.ts";
import type { Matrix } from "../matrix.ts";
import { Rng } from "../random.ts";
import {
  AudioCache,
  clusterFigures,
  create,
  embedUtterances,
  openRun,
  pluginKey,
  records,
  resolve,
  verificationFigures,
} from "./stages/mod.ts";
import type { PluginSpec, Run, RunOptions, StageRecord } from "./stages/mod.ts";

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
export interface AdaptOptions extends RunOptions {
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
    for (const u of utts) by.set(u.speaker, [...(by.get(u.speaker) ?? []), u]);
    utts = [...by.values()].flatMap((list) =>
      (rng.shuffle([...list]) as Utterance[]).slice(0, d.maxPerSpeaker).sort((a, b) => a.id < b.id ? -1 : 1)
    );
  }
  return utts;
}

/** Target-domain figures: EER and minDCF on generated trials, k-means (true K) accuracy / NMI / ARI. */
async function figures(run: Run, x: Matrix, speakers: string[], seed: number): Promise<DomainFigures> {
  const trials = generateTrials(speakers.map((s, i) => ({ id: String(i), speaker: s })), {
    seed,
    nonTargetRatio: 5,
  });
  const idx = {
    enroll: Int32Array.from(trials, (t) => Number(t.enroll)),
    test: Int32Array.from(trials, (t) => Number(t.test)),
    labels: Int8Array.from(trials, (t) => t.label),
  };
  const cos = await run.registry.create("trial-scorer", "cosine", {});
  const v = await verificationFigures(run, cos.score(x, x, idx), idx.labels);
  const km = await run.registry.create("clusterer", "kmeans", { metric: "cosine" });
  const res = await km.cluster(x, { numClusters: new Set(speakers).size, seed });
  const c = await clusterFigures(run, speakers, res.labels);
  return {
    "EER %": v["EER %"],
    "minDCF 0.01": v["minDCF 0.01"],
    "cluster accuracy": c.accuracy,
    nmi: c.nmi,
    ari: c.ari,
  };
}

/** Target labels the adapter may see: the first `kShot` utterances of each target speaker (-1 = hidden). */
function kShotLabels(tSpk: readonly string[], kShot: number): Int32Array {
  const out = new Int32Array(tSpk.length).fill(-1);
  const index = speakerIndex(tSpk), seen = new Map<string, number>();
  tSpk.forEach((s, i) => {
    const n = seen.get(s) ?? 0;
    if (n < kShot) (out[i] = index[i], seen.set(s, n + 1));
  });
  return out;
}

/** Runs embed -> before -> fit adapter -> after. */
export async function adaptPipeline(opts: AdaptOptions): Promise<AdaptResult> {
  const run = openRun(opts.name ?? "adapt", opts);
  const bb = await resolve(run, "backbone", opts.backbone ?? "fbank-stats");
  const ad = await resolve(run, "adapter", opts.adapter);
  const src = await domainUtts(opts.source, run.seed), tgt = await domainUtts(opts.target, run.seed + 1);
  const tSpk = tgt.map((u) => u.speaker), sSpk = src.map((u) => u.speaker);
  // 1. embeddings of both domains [Ns + Nt, D] (files fingerprinted, in-memory audio checksummed)
  const emb = await embedUtterances(
    run,
    new AudioCache([...src, ...tgt], opts.sampleRate ?? 16000, opts.maxSeconds),
    bb,
    "embed",
  );
  const d = emb.x.cols;
  const source: Matrix = { rows: src.length, cols: d, data: emb.x.data.slice(0, src.length * d) };
  const target: Matrix = { rows: tgt.length, cols: d, data: emb.x.data.slice(src.length * d) };
  // 2. target figures before adaptation
  const before = await run.stages.stage(
    "before",
    { inputs: [emb] },
    (ctx) => figures(run, target, tSpk, ctx.seed),
  );
  // 3. the adapter fitted on (source, target) or the target alone, k-shot target labels if any
  const kShot = opts.kShot ?? 0, fitWith = opts.fitWith ?? "source+target";
  const tLabels = kShotLabels(tSpk, kShot);
  const adapted = await run.stages.stage("adapt", {
    config: { adapter: pluginKey(ad), fitWith, kShot },
    inputs: [emb],
  }, async () => {
    const a = await create(run, ad);
    const tgtData = { x: target, ...(kShot > 0 ? { labels: tLabels } : {}) };
    if (fitWith === "target") await a.fit(tgtData);
    else await a.fit({ x: source, labels: speakerIndex(sSpk) }, tgtData);
    return { x: a.transform(target), labels: a.labels?.() ?? null, state: summarize(a.state?.() ?? {}) };
  });
  // 4. target figures after, and the pseudo-labels' agreement with the true speakers
  const after = await run.stages.stage(
    "after",
    { inputs: [adapted] },
    (ctx) => figures(run, adapted.x, tSpk, ctx.seed),
  );
  const adapterLabels = adapted.labels ? await labelQuality(run, adapted.labels, tSpk) : undefined;
  return {
    adapter: ad.label,
    backbone: bb.label,
    counts: {
      source: { utterances: src.length, speakers: new Set(sSpk).size },
      target: { utterances: tgt.length, speakers: new Set(tSpk).size },
      kShotLabelled: tLabels.filter((l) => l >= 0).length,
    },
    before,
    after,
    adapterLabels,
    adapterState: adapted.state,
    seed: run.seed,
    stages: records(run),
  };
}

/** How well an adapter's labels (-1 = dropped) agree with the true target speakers. */
async function labelQuality(
  run: Run,
  labels: Int32Array,
  truth: readonly string[],
): Promise<AdaptResult["adapterLabels"]> {
  const keep = [...labels.keys()].filter((i) => labels[i] >= 0);
  if (!keep.length) return undefined;
  const c = await clusterFigures(run, keep.map((i) => truth[i]), keep.map((i) => labels[i]));
  return {
    clusters: new Set(keep.map((i) => labels[i])).size,
    labelled: keep.length,
    accuracy: c.accuracy,
    nmi: c.nmi,
    purity: c.purity,
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
