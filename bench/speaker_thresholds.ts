/**
 * Measures the speaker registry's default thresholds (core/speakers/scoring.ts DEFAULT_THRESHOLDS and
 * the per-model table beside it) for a backbone, through the registry's own path: openBackbone,
 * embedFiles, an embedded (PGlite) SpeakerStore in a temp dir, SpeakerScorer.identify.
 *
 * Protocol (LibriSpeech, the shared data folder; every choice is a sort or a seeded draw):
 * - test-other: speakers sorted by id; the first 6 are enrolled from their first 5 utterances (sorted by
 *   id), and their other 5 utterances each (30) are tests; the last 4 speakers are never enrolled and
 *   all their 10 utterances each (40) are tests. Exactly the CLI's end-to-end test
 *   (tests/speakers_cli_test.ts).
 * - AS-norm cohort: the first 80 train-clean-100 speakers by id (one utterance each), enrolled with role
 *   "cohort"; `asnorm` with topN 50, the enroll side being the speaker's model vector. `--cohort-seed N`
 *   draws the 80 by a seeded shuffle instead (core/random.ts Rng), to see how much the AS-norm figures
 *   depend on the cohort; the seed (or null) is recorded with the results.
 * - Per scale (raw cosine; AS-norm): the highest best-candidate score a never-enrolled test reaches,
 *   and the lowest best-candidate score of the enrolled tests identified correctly (top-1 = own
 *   speaker); also the lowest own-speaker score over all 30 and the top-1 count.
 * - Threshold rule ({@link chooseThreshold}): the midpoint of the two, rounded to the fewest decimals
 *   (1, 2, 3, 4) that keep it strictly between them; when they overlap (no separating threshold) the
 *   midpoint rounded to 2 decimals, and `separable: false`.
 *
 * Results are merged into bench/speaker_thresholds.results.json, one entry per model (keyed by the
 * model file's sha256); tests/speakers_thresholds_test.ts checks the constants in
 * core/speakers/scoring.ts against it.
 *
 *   deno run -A bench/speaker_thresholds.ts [--backbone SPEC]... [--cohort-seed N] [--shared ../shared/data]
 *     [--out bench/speaker_thresholds.results.json]
 *
 * Default backbones: `onnx-speaker:model=zoo:embedkit-speaker` (the recommended shipped model) and
 * `onnx-speaker:model=zoo:embedkit-tdnn-librispeech` (whose earlier hand-measured figures, never-enrolled
 * at most 0.716 vs enrolled at least 0.745, AS-norm 2.23 vs 2.84, this reproduces as a check).
 * @module
 */
import "../plugins/mod.ts";
import { parseArgs } from "node:util";
import { registry } from "../core/registry.ts";
import { join } from "../core/paths.ts";
import { Rng } from "../core/random.ts";
import { status } from "../core/progress.ts";
import { loadDataDir, type Utterance } from "../core/data/datasets.ts";
import { writeFileAtomic } from "../core/atomic.ts";
import { ZOO_ALIASES } from "../core/zoo/catalog.ts";
import { embedFiles, openBackbone, openSpeakerStore, SpeakerScorer } from "../core/speakers/mod.ts";
import { parseSpec } from "../cli/commands/pipeline_args.ts";

/** The protocol's fixed sizes. */
export const PROTOCOL = {
  enrolled: 6,
  enrollUtts: 5,
  neverEnrolled: 4,
  cohortSpeakers: 80,
  asnormTopN: 50,
} as const;

/** One scale's figures for one model. */
export interface ScaleFigures {
  readonly neverEnrolledMax: number;
  readonly enrolledCorrectMin: number;
  readonly enrolledOwnMin: number;
  readonly top1Correct: number;
  readonly threshold: number;
  readonly separable: boolean;
  /** At the chosen threshold (accept when score > threshold). */
  readonly neverEnrolledAccepted: number;
  readonly enrolledRejected: number;
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

/**
 * The threshold rule: midpoint of (never-enrolled max, enrolled-correct min), rounded to the fewest
 * decimals (1..4) that keep it strictly between them; overlapping: the midpoint to 2 decimals.
 */
export function chooseThreshold(
  neverMax: number,
  enrolledMin: number,
): { threshold: number; separable: boolean } {
  const mid = (neverMax + enrolledMin) / 2;
  if (neverMax < enrolledMin) {
    for (const d of [1, 2, 3, 4]) {
      const t = round(mid, d);
      if (neverMax < t && t < enrolledMin) return { threshold: t, separable: true };
    }
  }
  return { threshold: round(mid, 2), separable: neverMax < enrolledMin };
}

/**
 * The speakers and utterances of the protocol, by sorted ids; the cohort is the first 80 train-clean-100
 * speakers by id, or with `seed` the first 80 of a seeded shuffle (a check of how much the AS-norm
 * figures depend on the cohort).
 */
export function pickProtocol(
  testOther: readonly Utterance[],
  train: readonly Utterance[],
  seed?: number,
) {
  const byId = (a: Utterance, b: Utterance) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const speakers = [...new Set(testOther.map((u) => u.speaker))].sort();
  const need = PROTOCOL.enrolled + PROTOCOL.neverEnrolled;
  if (speakers.length < need) {
    throw new Error(`test-other has ${speakers.length} speakers; the protocol needs ${need}`);
  }
  const of = (s: string) => testOther.filter((u) => u.speaker === s).sort(byId);
  const known = speakers.slice(0, PROTOCOL.enrolled), unknown = speakers.slice(-PROTOCOL.neverEnrolled);
  const trainSpeakers = [...new Set(train.map((u) => u.speaker))].sort();
  if (seed !== undefined) new Rng(seed).shuffle(trainSpeakers);
  const cohort = trainSpeakers.slice(0, PROTOCOL.cohortSpeakers).sort().map((s) =>
    train.filter((u) => u.speaker === s).sort(byId)[0]
  );
  return {
    enroll: known.map((s) => ({ speaker: s, utts: of(s).slice(0, PROTOCOL.enrollUtts) })),
    tests: [...known.flatMap((s) => of(s).slice(PROTOCOL.enrollUtts)), ...unknown.flatMap(of)],
    known,
    unknown,
    cohort,
  };
}

/** One test on one scale: its reference (null: never enrolled), best candidate and score, own score. */
export interface TestRow {
  readonly ref: string | null;
  readonly best: string;
  readonly score: number;
  readonly own: number;
}

/** Figures of one scale from its test rows. */
export function scaleFigures(rows: readonly TestRow[]): ScaleFigures {
  const never = rows.filter((r) => r.ref === null), inSet = rows.filter((r) => r.ref !== null);
  const correct = inSet.filter((r) => r.best === r.ref);
  const neverEnrolledMax = Math.max(...never.map((r) => r.score));
  const enrolledCorrectMin = Math.min(...correct.map((r) => r.score));
  const { threshold, separable } = chooseThreshold(neverEnrolledMax, enrolledCorrectMin);
  return {
    neverEnrolledMax: round(neverEnrolledMax, 4),
    enrolledCorrectMin: round(enrolledCorrectMin, 4),
    enrolledOwnMin: round(Math.min(...inSet.map((r) => r.own)), 4),
    top1Correct: correct.length,
    threshold,
    separable,
    neverEnrolledAccepted: never.filter((r) => r.score > threshold).length,
    enrolledRejected: correct.filter((r) => r.score <= threshold).length,
  };
}

/** Runs the protocol for one backbone spec. */
async function measure(specText: string, picked: ReturnType<typeof pickProtocol>) {
  const ob = await openBackbone(registry, parseSpec(specText, "backbone"));
  const all = [...picked.enroll.flatMap((e) => e.utts), ...picked.tests, ...picked.cohort];
  status(`speaker_thresholds: ${specText}: embedding ${all.length} utterances`);
  const emb = new Map(
    (await embedFiles(ob, all.map((u) => u.path!), { label: specText })).map((e) => [e.path, e]),
  );
  const item = (u: Utterance) => {
    const e = emb.get(u.path!)!;
    return { audioSha256: e.audioSha256, source: u.path!, seconds: e.seconds, embedding: e.embedding };
  };
  const dir = await Deno.makeTempDir({ prefix: "embedkit-thresholds-" });
  const store = await openSpeakerStore(join(dir, "store"));
  try {
    for (const e of picked.enroll) await store.enroll(e.speaker, ob.model, e.utts.map(item));
    for (const u of picked.cohort) {
      await store.enroll(`cohort-${u.speaker}`, ob.model, [item(u)], { role: "cohort" });
    }
    const plain = await SpeakerScorer.create(store, registry, ob.model, { exact: true });
    const norm = await SpeakerScorer.create(store, registry, ob.model, {
      exact: true,
      normalizer: { name: "asnorm", options: { topN: PROTOCOL.asnormTopN } },
    });
    const rows: Record<"cosine" | "normalized", TestRow[]> = { cosine: [], normalized: [] };
    for (const u of picked.tests) {
      const ref = picked.known.includes(u.speaker) ? u.speaker : null, x = emb.get(u.path!)!.embedding;
      for (const [scale, sc] of [["cosine", plain], ["normalized", norm]] as const) {
        const ranked = await sc.identify(x, PROTOCOL.enrolled);
        const own = ranked.find((c) => c.name === ref)?.score ?? -Infinity;
        rows[scale].push({ ref, best: ranked[0].name, score: ranked[0].score, own });
      }
    }
    const alias = /model=zoo:([^,]+)/.exec(specText)?.[1];
    return {
      backbone: specText,
      zoo: alias ? (ZOO_ALIASES[alias] ?? alias) : null,
      modelSha256: ob.model.sha256,
      dim: ob.model.dim,
      cosine: scaleFigures(rows.cosine),
      normalized: scaleFigures(rows.normalized),
    };
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

async function main() {
  const root = new URL("..", import.meta.url).pathname;
  const { values } = parseArgs({
    options: {
      backbone: { type: "string", multiple: true },
      "cohort-seed": { type: "string" },
      shared: { type: "string", default: join(root, "..", "shared", "data") },
      out: { type: "string", default: join(root, "bench", "speaker_thresholds.results.json") },
    },
  });
  const seed = values["cohort-seed"] === undefined ? undefined : Number(values["cohort-seed"]);
  const specs = values.backbone ?? [
    "onnx-speaker:model=zoo:embedkit-speaker",
    "onnx-speaker:model=zoo:embedkit-tdnn-librispeech",
  ];
  const testOther = (await loadDataDir(join(values.shared!, "librispeech", "test-other"))).utts;
  const train = (await loadDataDir(join(values.shared!, "librispeech", "train-clean-100"))).utts;
  const picked = pickProtocol(testOther, train, seed);
  const protocol = {
    data: "LibriSpeech test-other (tests), train-clean-100 (AS-norm cohort), ../shared/data",
    enrolled: picked.known,
    enrollUtterances: PROTOCOL.enrollUtts,
    neverEnrolled: picked.unknown,
    tests: {
      enrolled: picked.tests.filter((u) => picked.known.includes(u.speaker)).length,
      neverEnrolled: picked.tests.filter((u) => !picked.known.includes(u.speaker)).length,
    },
    cohort: {
      speakers: picked.cohort.map((u) => u.speaker),
      seed: seed ?? null,
      asnormTopN: PROTOCOL.asnormTopN,
    },
    scores: "best candidate among the enrolled speakers (exact search); cosine against the speaker's " +
      "model vector, AS-norm against the cohort",
    rule: "threshold = midpoint of neverEnrolledMax and enrolledCorrectMin, rounded to the fewest decimals " +
      "(1..4) strictly between them; overlapping: midpoint to 2 decimals, separable false. Accept when " +
      "score > threshold.",
  };
  // models measured earlier are kept only when they were measured by the same protocol
  const prev = await Deno.readTextFile(values.out!).then((t) => JSON.parse(t), () => ({}));
  const same = JSON.stringify(prev.protocol) === JSON.stringify(protocol);
  const models: { modelSha256: string; backbone: string }[] = same ? prev.models ?? [] : [];
  for (const spec of specs) {
    const m = await measure(spec, picked);
    status(`speaker_thresholds: ${spec}: ${JSON.stringify({ cosine: m.cosine, normalized: m.normalized })}`);
    const i = models.findIndex((x) => x.modelSha256 === m.modelSha256);
    if (i >= 0) models[i] = m;
    else models.push(m);
  }
  const flags = models.map((m) => `--backbone ${m.backbone}`).join(" ");
  const out = {
    bench: "speaker_thresholds",
    command: `deno run -A bench/speaker_thresholds.ts ${flags}${
      seed === undefined ? "" : ` --cohort-seed ${seed}`
    }`,
    protocol,
    models,
  };
  await writeFileAtomic(values.out!, JSON.stringify(out, null, 2) + "\n");
  console.log(JSON.stringify(models, null, 2));
}

if (import.meta.main) await main();
