/**
 * Verification trials: reading a trials file (Kaldi `<enroll> <test> target|nontarget`, VoxCeleb
 * `1|0 <enroll> <test>`, or two columns with unknown labels), seeded generation (all target pairs + a
 * seeded sample of non-target pairs) and writing.
 * @module
 */
import { ConfigError, InputError } from "../errors.ts";
import { parseTrials } from "../io/kaldi_data.ts";
import { Rng } from "../random.ts";
import { readInput, type Utterance } from "./datasets.ts";

/** A trial between two utterance ids. */
export interface Trial {
  readonly enroll: string;
  readonly test: string;
  /** 1 target, 0 non-target, -1 unknown. */
  readonly label: 1 | 0 | -1;
}

/**
 * Reads a trials file (parsed by core/io/kaldi_data.ts): `<enroll> <test> target|nontarget` (Kaldi),
 * `1|0 <enroll> <test>` (VoxCeleb), or two columns (unknown labels). Ids must exist in `known` when given.
 */
export async function readTrials(file: string, known?: ReadonlySet<string>): Promise<Trial[]> {
  const text = await readInput(file, "'<enroll> <test> target|nontarget' lines");
  const parsed = parseTrials(text, file);
  if (!parsed.length) throw new InputError(file, "no trials; the file is empty");
  // file line of each trial (the parser skips blank lines), for errors
  const lineOf = text.split(/\r?\n/).flatMap((l, i) => l.trim() ? [i + 1] : []);
  return parsed.map((t, i) => {
    for (const id of [t.enroll, t.test]) {
      if (known && !known.has(id)) {
        throw new InputError(file, `unknown utterance '${id}' (not in the data set)`, lineOf[i]);
      }
    }
    return { enroll: t.enroll, test: t.test, label: t.target === undefined ? -1 : t.target ? 1 : 0 };
  });
}

/** Options of {@link generateTrials}. */
export interface TrialOptions {
  readonly seed: number;
  /** Non-target trials per target trial (sampled without replacement); Infinity = all pairs. */
  readonly nonTargetRatio?: number;
}

/**
 * All target pairs (i < j, same speaker) plus a seeded sample of non-target pairs (different
 * speakers), in a deterministic order (targets first, then sampled non-targets in pair order).
 */
export function generateTrials(utts: readonly Utterance[], opts: TrialOptions): Trial[] {
  const target: Trial[] = [];
  const nonPairs: [number, number][] = [];
  for (let i = 0; i < utts.length; i++) {
    for (let j = i + 1; j < utts.length; j++) {
      if (utts[i].speaker === utts[j].speaker) {
        target.push({ enroll: utts[i].id, test: utts[j].id, label: 1 });
      } else nonPairs.push([i, j]);
    }
  }
  if (!target.length) {
    throw new InputError("trials", "no speaker has two utterances, so there are no target trials");
  }
  const ratio = opts.nonTargetRatio ?? 5;
  if (!(ratio >= 0)) {
    throw new ConfigError("trials", `nonTargetRatio must be >= 0 (Infinity = all pairs), got ${ratio}`);
  }
  const want = Math.min(
    nonPairs.length,
    Number.isFinite(ratio) ? Math.round(ratio * target.length) : nonPairs.length,
  );
  const order = new Rng(opts.seed).shuffle(Array.from({ length: nonPairs.length }, (_, k) => k)) as number[];
  const pick = order.slice(0, want).sort((a, b) => a - b);
  return [
    ...target,
    ...pick.map((k) => ({
      enroll: utts[nonPairs[k][0]].id,
      test: utts[nonPairs[k][1]].id,
      label: 0 as const,
    })),
  ];
}

/** Trials as text: `<enroll> <test> target|nontarget`, or `<enroll> <test>` when the label is unknown (as {@link readTrials} reads it). */
export function formatTrials(trials: readonly Trial[]): string {
  return trials.map((t) =>
    t.label === -1
      ? `${t.enroll} ${t.test}`
      : `${t.enroll} ${t.test} ${t.label === 1 ? "target" : "nontarget"}`
  ).join("\n") + "\n";
}
