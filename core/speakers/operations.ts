/**
 * What the `speakers` commands do, as library functions: enroll files under a name, identify or
 * verify files, and evaluate identification on a labelled data dir (metrics through the registry's
 * `identification` metric plugin). Plugins come from the registry passed in; audio is read by
 * core/speakers/embed.ts (core/audio/read.ts).
 * @module
 */
import type { Registry } from "../registry.ts";
import { loadDataDir } from "../data/datasets.ts";
import { embedFiles, type OpenBackbone } from "./embed.ts";
import type { EnrollResult, SpeakerRole, SpeakerStore, StoredHook } from "./store.ts";
import type { Scored, SpeakerScorer } from "./scoring.ts";

/** Embeds `files` and enrolls them under `name` in one transaction. */
export async function enrollFiles(
  store: SpeakerStore,
  ob: OpenBackbone,
  name: string,
  files: readonly string[],
  opts: { role?: SpeakerRole; onStored?: StoredHook } = {},
): Promise<EnrollResult & { files: number }> {
  const embedded = await embedFiles(ob, files, { label: `embed ${name}` });
  const r = await store.enroll(
    name,
    ob.model,
    embedded.map((e) => ({
      audioSha256: e.audioSha256,
      source: e.path,
      seconds: e.seconds,
      embedding: e.embedding,
    })),
    opts,
  );
  return { ...r, files: files.length };
}

/** One identified file. */
export interface Identified {
  readonly file: string;
  readonly audioSha256: string;
  /** The best speaker when its score is above the threshold, else null ("unknown"). */
  readonly speaker: string | null;
  /** The best candidate's score (on the scorer's scale), null when the store has no speaker. */
  readonly score: number | null;
  /** Candidates best first (up to `top`). */
  readonly candidates: readonly Scored[];
}

/** Identifies each file: its `top` best speakers, and the best one if its score is > threshold. */
export async function identifyFiles(
  scorer: SpeakerScorer,
  ob: OpenBackbone,
  files: readonly string[],
  opts: { top: number; threshold: number },
): Promise<Identified[]> {
  const embedded = await embedFiles(ob, files, { label: "identify" });
  const out: Identified[] = [];
  for (const e of embedded) {
    const candidates = await scorer.identify(e.embedding, opts.top);
    const best = candidates[0];
    out.push({
      file: e.path,
      audioSha256: e.audioSha256,
      speaker: best && best.score > opts.threshold ? best.name : null,
      score: best ? best.score : null,
      candidates,
    });
  }
  return out;
}

/** Verifies one file against a named speaker: accepted when score > threshold. */
export async function verifyFile(
  scorer: SpeakerScorer,
  ob: OpenBackbone,
  name: string,
  file: string,
  threshold: number,
): Promise<Scored & { file: string; accepted: boolean }> {
  const [e] = await embedFiles(ob, [file], { label: "verify" });
  const s = await scorer.verify(name, e.embedding);
  return { ...s, file, accepted: s.score > threshold };
}

/** Identification of a labelled data dir and its metrics. */
export interface IdentificationReport {
  readonly utterances: number;
  /** Utterances left out because their audio is one of the store's enrollment utterances. */
  readonly skippedEnrolled: number;
  readonly metrics: Record<string, number>;
  readonly results: readonly (Identified & { reference: string; enrolled: boolean })[];
}

/**
 * Identifies every utterance of a labelled data dir (a folder per speaker, a flat folder of
 * `<speaker>-<utt>` files, or wav.scp + utt2spk) that is not itself an enrollment utterance, and
 * scores the decisions with the registry's `identification` metric: reference = the true speaker when
 * enrolled, else null (unknown); hypothesis = the accepted speaker or null.
 */
export async function evaluateIdentification(
  store: SpeakerStore,
  registry: Registry,
  scorer: SpeakerScorer,
  ob: OpenBackbone,
  dataDir: string,
  opts: { top: number; threshold: number; topN?: number[] },
): Promise<IdentificationReport> {
  const { utts } = await loadDataDir(dataDir);
  const files = utts.map((u) => u.path!).filter(Boolean);
  const speakerOf = new Map(utts.map((u) => [u.path!, u.speaker]));
  const topN = opts.topN ?? [1, 5];
  const ids = await identifyFiles(scorer, ob, files, {
    top: Math.max(opts.top, ...topN),
    threshold: opts.threshold,
  });
  const enrolledAudio = new Set(
    (await store.conn.query<{ a: string }>(
      "SELECT DISTINCT audio_sha256 AS a FROM utterances WHERE audio_sha256 = ANY($1::text[])",
      [ids.map((i) => i.audioSha256)],
    )).map((r) => r.a),
  );
  const enrolledNames = new Set(
    (await store.conn.query<{ name: string }>(
      "SELECT name FROM speakers WHERE role = 'enrolled' AND name = ANY($1::text[])",
      [[...new Set(speakerOf.values())]],
    )).map((r) => r.name),
  );
  const kept = ids.filter((i) => !enrolledAudio.has(i.audioSha256)).map((i) => {
    const reference = speakerOf.get(i.file)!;
    return { ...i, reference, enrolled: enrolledNames.has(reference) };
  });
  const metric = await registry.create("metric", "identification", { topN });
  const metrics = kept.length
    ? metric.compute({
      reference: kept.map((k) => (k.enrolled ? k.reference : null)),
      hypothesis: kept.map((k) => k.speaker),
      ranked: kept.map((k) => k.candidates.map((c) => c.name)),
    })
    : {};
  return {
    utterances: kept.length,
    skippedEnrolled: ids.length - kept.length,
    metrics,
    results: kept.map((k) => ({ ...k, candidates: k.candidates.slice(0, opts.top) })),
  };
}
