/**
 * The demo's speaker-registry stage: enroll a few speakers into an embedded (PGlite) speaker store under
 * the demo's work dir, then identify held-out utterances of them and utterances of speakers never
 * enrolled, through the library API (core/speakers: openBackbone, SpeakerStore.enroll, SpeakerScorer)
 * with the default speaker model ({@link DEFAULT_SPEAKER_BACKBONE}) and the default cosine threshold.
 *
 * Data: LibriSpeech test-other from the shared folder when present: the first 6 speakers (sorted by id)
 * are enrolled from their first 3 utterances (sorted by id) and tested on their next 3; the last 4
 * speakers are never enrolled (their first 2 utterances are tested and should come out "unknown").
 * Without it: the demo's synthetic voices, 5 enrolled and 3 never enrolled, the same way.
 *
 * Reported (results.json `speakers`, and a table in report.html):
 * - top-1 accuracy: among tests of enrolled speakers, the fraction whose best candidate is the speaker
 *   (closed set, no threshold);
 * - IER: identification error rate (pyannote.metrics' definition, the registry's `identification` metric)
 *   over every test, never-enrolled ones included (reference "unknown"), at the threshold;
 * - score margin: per test of an enrolled speaker, its own speaker's cosine minus the best other enrolled
 *   speaker's (> 0: ranked first); the mean and the smallest;
 * - the separation at the threshold: the lowest own-speaker cosine vs the highest cosine a
 *   never-enrolled speaker's test reaches.
 *
 * Embeddings are a cached stage (core/pipelines/stages/runner.ts) keyed by the model's sha256 and the
 * files; the enroll-then-identify run is a cached stage on them, with a fresh store each time it runs.
 * A process's first PGlite open takes seconds (WASM compile, initdb): with nothing cached it overlaps
 * the embedding.
 * @module
 */
import { loadDataDir, type Utterance } from "../../core/data/datasets.ts";
import { syntheticCorpus } from "../../core/data/synthetic.ts";
import { sha256Hex } from "../../core/hash.ts";
import { join } from "../../core/paths.ts";
import { Pipeline } from "../../core/pipelines/stages/mod.ts";
import type { Registry } from "../../core/registry.ts";
import { registry as globalRegistry } from "../../core/registry.ts";
import {
  DEFAULT_SPEAKER_BACKBONE,
  embedFiles,
  type OpenBackbone,
  openBackbone,
  openSpeakerStore,
  type Scored,
  SpeakerScorer,
  type SpeakerStore,
} from "../../core/speakers/mod.ts";
import { parseSpec } from "../commands/pipeline_args.ts";

/** How the speakers are split (shared data; synthetic: 5 enrolled, 3 never enrolled). */
const SPLIT = { enrolled: 6, unknown: 4, enrollUtts: 3, testUtts: 3, unknownUtts: 2 };

/** What the stage reports (results.json `speakers`). */
export interface SpeakersSummary {
  readonly dataset: string;
  readonly store: string;
  readonly backbone: string;
  readonly modelSha256: string;
  readonly enrolled: { speakers: number; utterances: number };
  readonly tests: { enrolled: number; neverEnrolled: number };
  /** Cosine threshold: a test is accepted as its best speaker when the score is above it. */
  readonly threshold: number;
  readonly top1Accuracy: number;
  /** Identification error rate (pyannote.metrics) at the threshold, never-enrolled tests included. */
  readonly ier: number;
  readonly metrics: Record<string, number>;
  /** Own-speaker cosine minus the best other enrolled speaker's, over tests of enrolled speakers. */
  readonly margin: { mean: number; min: number };
  readonly scores: { ownMean: number; ownMin: number; neverEnrolledMax: number };
  readonly seconds: number;
}

/** Utterances picked for enrollment and tests, by speaker id and utterance id. */
function pick(utts: readonly Utterance[], split: typeof SPLIT) {
  const speakers = [...new Set(utts.map((u) => u.speaker))].sort();
  const of = (s: string) => utts.filter((u) => u.speaker === s).sort((a, b) => (a.id < b.id ? -1 : 1));
  const known = speakers.slice(0, split.enrolled);
  const unknown = speakers.slice(split.enrolled, split.enrolled + split.unknown);
  return {
    enroll: known.map((s) => ({ speaker: s, utts: of(s).slice(0, split.enrollUtts) })),
    tests: [
      ...known.flatMap((s) => of(s).slice(split.enrollUtts, split.enrollUtts + split.testUtts)),
      ...unknown.flatMap((s) => of(s).slice(0, split.unknownUtts)),
    ],
    known: new Set(known),
  };
}

/** Embeds utterances (files or in-memory samples): one row each, and the sha256 of each one's audio. */
async function embedAll(ob: OpenBackbone, utts: readonly Utterance[]) {
  const files = utts.filter((u) => u.path);
  const fromFiles = new Map(
    (await embedFiles(ob, files.map((u) => u.path!), { label: "demo speakers" })).map((e) => [e.path, e]),
  );
  const inMemory = utts.filter((u) => !u.path);
  const embs = inMemory.length
    ? await ob.backbone.embed(
      inMemory.map((u) => ({ id: u.id, samples: u.samples!, sampleRate: u.sampleRate ?? ob.sampleRate })),
    )
    : [];
  const mem = new Map(inMemory.map((u, i) => [u.id, embs[i]]));
  const rows: Float32Array[] = [], sha: string[] = [];
  for (const u of utts) {
    const f = u.path ? fromFiles.get(u.path)! : undefined;
    rows.push(f ? f.embedding : mem.get(u.id)!);
    const s = u.samples!;
    sha.push(f ? f.audioSha256 : await sha256Hex(new Uint8Array(s.buffer, s.byteOffset, s.byteLength)));
  }
  return { ids: utts.map((u) => u.id), sha, rows };
}

/** Enrolls each speaker (one transaction each), then ranks every enrolled speaker for each test. */
async function enrollThenIdentify(
  store: SpeakerStore,
  registry: Registry,
  ob: OpenBackbone,
  picked: ReturnType<typeof pick>,
  emb: { ids: string[]; sha: string[]; rows: Float32Array[] },
) {
  const row = new Map(emb.ids.map((id, i) => [id, i]));
  for (const e of picked.enroll) {
    await store.enroll(
      e.speaker,
      ob.model,
      e.utts.map((u) => ({
        audioSha256: emb.sha[row.get(u.id)!],
        source: u.path ?? `synthetic:${u.id}`,
        embedding: emb.rows[row.get(u.id)!],
      })),
    );
  }
  const scorer = await SpeakerScorer.create(store, registry, ob.model);
  const ranked = [];
  for (const u of picked.tests) {
    ranked.push(await scorer.identify(emb.rows[row.get(u.id)!], picked.known.size));
  }
  return { threshold: scorer.defaultThreshold, ranked };
}

/** Top-1 accuracy and IER (registry metric `identification`), score margins and the open-set scores. */
async function figures(
  registry: Registry,
  picked: ReturnType<typeof pick>,
  run: { threshold: number; ranked: Scored[][] },
) {
  const enrolled = picked.tests.map((u) => picked.known.has(u.speaker));
  const best = run.ranked.map((r) => r[0]);
  const metrics = (await registry.create("metric", "identification", { topN: [1] })).compute({
    reference: picked.tests.map((u, i) => (enrolled[i] ? u.speaker : null)),
    hypothesis: best.map((b) => (b && b.score > run.threshold ? b.name : null)),
    ranked: run.ranked.map((r) => r.map((c) => c.name)),
  });
  const own = picked.tests.flatMap((u, i) => {
    if (!enrolled[i]) return [];
    const r = run.ranked[i], mine = r.find((c) => c.name === u.speaker)?.cosine ?? -1;
    return [{ mine, margin: mine - Math.max(...r.filter((c) => c.name !== u.speaker).map((c) => c.cosine)) }];
  });
  const never = best.filter((_, i) => !enrolled[i]).map((b) => b?.cosine ?? -1);
  const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / Math.max(1, xs.length);
  return {
    metrics,
    tests: { enrolled: own.length, neverEnrolled: never.length },
    margin: { mean: mean(own.map((m) => m.margin)), min: Math.min(...own.map((m) => m.margin)) },
    scores: {
      ownMean: mean(own.map((m) => m.mine)),
      ownMin: Math.min(...own.map((m) => m.mine)),
      neverEnrolledMax: never.length ? Math.max(...never) : NaN,
    },
  };
}

/** Stage: enroll, then identify, in an embedded store; summary and a small report table. */
export async function speakersCase(
  o: {
    librispeech?: string;
    synthetic: { speakers: number; utterancesPerSpeaker: number };
    outDir: string;
    work?: string;
    seed: number;
    registry?: Registry;
    quiet?: boolean;
    resume?: boolean;
  },
  notes: string[],
): Promise<{ summary: SpeakersSummary; table: { title: string; rows: (string | number)[][] } }> {
  const t0 = performance.now();
  const registry = o.registry ?? globalRegistry;
  const utts = o.librispeech
    ? (await loadDataDir(o.librispeech)).utts
    : syntheticCorpus(o.synthetic.speakers, o.synthetic.utterancesPerSpeaker, o.seed);
  const split = o.librispeech ? SPLIT : { ...SPLIT, enrolled: 5, unknown: 3 };
  const picked = pick(utts, split);
  const ob = await openBackbone(registry, parseSpec(DEFAULT_SPEAKER_BACKBONE, "backbone"));
  const storeDir = join(o.work ?? join(o.outDir, "work"), "speakers", "store");
  const fresh = () =>
    Deno.remove(storeDir, { recursive: true }).catch(() => {}).then(() => openSpeakerStore(storeDir));
  // when nothing is cached, the new store opens (PGlite compiles its WASM, runs initdb) while embedding
  let opening = !o.work || o.resume === false ? fresh() : undefined;
  opening?.catch(() => {}); // its error surfaces in stage 2
  const p = new Pipeline({
    name: "demo-speakers",
    workDir: o.work && join(o.work, "speakers"),
    seed: o.seed,
    resume: o.resume,
    quiet: o.quiet,
  });
  let run: { threshold: number; ranked: Scored[][] };
  try {
    // 1. embeddings of every enrollment and test utterance                  rows: [n] x dim
    const all = [...picked.enroll.flatMap((e) => e.utts), ...picked.tests];
    const emb = await p.stage("embed", {
      config: { model: ob.model, utterances: all.map((u) => u.id), synthetic: !o.librispeech },
      files: all.flatMap((u) => (u.path ? [u.path] : [])),
    }, () => embedAll(ob, all));
    // 2. a fresh embedded store: enroll, then rank every enrolled speaker for each test
    run = await p.stage("enroll-identify", { inputs: [emb], config: { split } }, async () => {
      const store = await (opening ?? fresh());
      opening = undefined;
      try {
        return await enrollThenIdentify(store, registry, ob, picked, emb);
      } finally {
        await store.close();
      }
    });
  } finally {
    if (opening) await opening.then((s) => s.close(), () => {});
  }
  // 3. top-1 accuracy, IER at the threshold, score margins                over tests
  const fig = await figures(registry, picked, run);
  const summary: SpeakersSummary = {
    dataset: o.librispeech
      ? `LibriSpeech test-other: ${picked.enroll.length} speakers enrolled from ${split.enrollUtts} ` +
        `utterances, ${split.testUtts} held-out each; ${split.unknown} never enrolled, ${split.unknownUtts} each`
      : `synthetic voices: ${picked.enroll.length} enrolled, ${split.unknown} never enrolled (not speech)`,
    store: "embedded (PGlite + pgvector HNSW)",
    backbone: DEFAULT_SPEAKER_BACKBONE,
    modelSha256: ob.model.sha256,
    enrolled: {
      speakers: picked.enroll.length,
      utterances: picked.enroll.reduce((s, e) => s + e.utts.length, 0),
    },
    tests: fig.tests,
    threshold: run.threshold,
    top1Accuracy: fig.metrics.top1Accuracy,
    ier: fig.metrics.ier,
    metrics: fig.metrics,
    margin: fig.margin,
    scores: fig.scores,
    seconds: (performance.now() - t0) / 1000,
  };
  notes.push(
    `Speaker registry: ${summary.dataset}; enrolled into an embedded store (${storeDir}) with ` +
      `${DEFAULT_SPEAKER_BACKBONE}, then identified (cosine, threshold ${run.threshold}).`,
  );
  return { summary, table: speakersTable(summary) };
}

/** The report's table of the stage. */
function speakersTable(s: SpeakersSummary): { title: string; rows: (string | number)[][] } {
  const f = (v: number) => v.toFixed(3);
  return {
    title: "Speaker registry: enroll, then identify (embedded store)",
    rows: [
      ["figure", "value"],
      ["speakers enrolled / utterances", `${s.enrolled.speakers} / ${s.enrolled.utterances}`],
      ["tests: enrolled / never enrolled", `${s.tests.enrolled} / ${s.tests.neverEnrolled}`],
      ["top-1 accuracy (enrolled tests)", f(s.top1Accuracy)],
      [`identification error rate (threshold ${s.threshold})`, f(s.ier)],
      ["score margin: mean / smallest", `${f(s.margin.mean)} / ${f(s.margin.min)}`],
      ["own-speaker cosine: mean / lowest", `${f(s.scores.ownMean)} / ${f(s.scores.ownMin)}`],
      ["never-enrolled: highest cosine", f(s.scores.neverEnrolledMax)],
    ],
  };
}
