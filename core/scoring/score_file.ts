/**
 * Score files as Kaldi / WeSpeaker write them: `<enroll> <test> <score>` per line, optionally with a
 * fourth `target|nontarget` (or 1/0) column; joined with a trial list to get labels.
 * @module
 */
import { InputError } from "../errors.ts";
import { trialLabel } from "../io/kaldi_data.ts";

/** One scored trial. */
export interface ScoredTrial {
  readonly enroll: string;
  readonly test: string;
  readonly score: number;
  readonly target?: boolean;
}

/** Parses a score file; errors name the file and line and say what was expected. */
export function parseScoreFile(text: string, file = "scores"): ScoredTrial[] {
  const out: ScoredTrial[] = [];
  const lineOf = new Map<string, number>(); // enroll + test -> first line, to refuse a second score
  text.replace(/^\uFEFF/, "").split(/\r?\n/).forEach((raw, i) => {
    const t = raw.trim();
    if (!t || t.startsWith("#")) return;
    const f = t.split(/\s+/);
    if (f.length < 3 || f.length > 4) {
      throw new InputError(file, `expected '<enroll> <test> <score> [target|nontarget]', got '${t}'`, i + 1);
    }
    const score = Number(f[2]);
    if (!Number.isFinite(score)) throw new InputError(file, `score '${f[2]}' is not a finite number`, i + 1);
    const target = f.length === 4 ? trialLabel(f[3]) : undefined;
    if (f.length === 4 && target === undefined) {
      throw new InputError(
        file,
        `label '${f[3]}' is neither target nor nontarget (1/0 also accepted)`,
        i + 1,
      );
    }
    const key = `${f[0]}\u0000${f[1]}`, first = lineOf.get(key);
    if (first !== undefined) {
      throw new InputError(
        file,
        `second score for trial '${f[0]} ${f[1]}' (first on line ${first}); keep one line per trial`,
        i + 1,
      );
    }
    lineOf.set(key, i + 1);
    out.push({ enroll: f[0], test: f[1], score, target });
  });
  if (!out.length) throw new InputError(file, "no scores found (empty file?)");
  return out;
}

/**
 * Scores and labels in trial-list order: every trial must have a score (keyed by enroll + test);
 * labels come from the trial list, else from the score file's fourth column.
 */
export function joinScores(
  scored: readonly ScoredTrial[],
  trials: readonly { enroll: string; test: string; target?: boolean }[] | undefined,
  files: { scores: string; trials?: string },
): { scores: Float32Array; labels: Int8Array } {
  if (!trials) {
    const labels = new Int8Array(scored.length);
    scored.forEach((s, i) => {
      if (s.target === undefined) {
        throw new InputError(
          files.scores,
          `line for '${s.enroll} ${s.test}' has no label column; give a trials file`,
        );
      }
      labels[i] = s.target ? 1 : 0;
    });
    return { scores: Float32Array.from(scored, (s) => s.score), labels };
  }
  const byKey = new Map<string, number>();
  for (const s of scored) byKey.set(`${s.enroll}\u0000${s.test}`, s.score);
  const scores = new Float32Array(trials.length), labels = new Int8Array(trials.length);
  trials.forEach((t, i) => {
    const s = byKey.get(`${t.enroll}\u0000${t.test}`);
    if (s === undefined) {
      throw new InputError(
        files.scores,
        `has no score for trial ${i + 1} '${t.enroll} ${t.test}' of ${files.trials ?? "the trial list"}`,
      );
    }
    if (t.target === undefined) {
      throw new InputError(files.trials ?? "trials", `trial ${i + 1} has no target/nontarget label`, i + 1);
    }
    scores[i] = s;
    labels[i] = t.target ? 1 : 0;
  });
  return { scores, labels };
}
