/**
 * Score files as Kaldi / WeSpeaker write them: `<enroll> <test> <score>` per line, optionally with a
 * fourth `target|nontarget` (or 1/0) column; joined with a trial list to get labels.
 *
 * Scores stay float64 from the text to the metrics (a float32 copy would merge scores that differ after
 * the 7th digit into ties and move the EER). Contradictions are refused: a second score for a pair, a
 * score-file label that disagrees with the trial list. Trials without a score are an error unless
 * `allowMissing` (then dropped and counted); scores for pairs the trial list lacks are counted.
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
  /** 1-based line in the score file. */
  readonly line?: number;
}

/** How a score file and a trial list matched up (reported in score-metrics' output). */
export interface JoinCounts {
  /** Trials scored (the metric input's length). */
  readonly trials: number;
  /** Trials of the list without a score (dropped; only with `allowMissing`, else an error). */
  readonly missing: number;
  /** Scores for pairs the trial list does not have (ignored). */
  readonly extra: number;
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
    out.push({ enroll: f[0], test: f[1], score, target, line: i + 1 });
  });
  if (!out.length) throw new InputError(file, "no scores found (empty file?)");
  return out;
}

/**
 * Scores and labels in trial-list order (keyed by enroll + test); labels come from the trial list, else
 * from the score file's fourth column, and must agree where both give one.
 */
export function joinScores(
  scored: readonly ScoredTrial[],
  trials: readonly { enroll: string; test: string; target?: boolean }[] | undefined,
  files: { scores: string; trials?: string },
  opts: { allowMissing?: boolean } = {},
): { scores: Float64Array; labels: Int8Array; counts: JoinCounts } {
  if (!trials) {
    const labels = new Int8Array(scored.length);
    scored.forEach((s, i) => {
      if (s.target === undefined) {
        throw new InputError(
          files.scores,
          `line for '${s.enroll} ${s.test}' has no label column; give a trials file`,
          s.line,
        );
      }
      labels[i] = s.target ? 1 : 0;
    });
    return {
      scores: Float64Array.from(scored, (s) => s.score),
      labels,
      counts: { trials: scored.length, missing: 0, extra: 0 },
    };
  }
  const byKey = new Map<string, ScoredTrial>();
  for (const s of scored) byKey.set(`${s.enroll}\u0000${s.test}`, s);
  const scores: number[] = [], labels: number[] = [];
  const missing: number[] = [];
  const used = new Set<string>();
  const trialsFile = files.trials ?? "trials";
  trials.forEach((t, i) => {
    const key = `${t.enroll}\u0000${t.test}`;
    const s = byKey.get(key);
    if (t.target === undefined) {
      throw new InputError(
        trialsFile,
        `trial ${i + 1} '${t.enroll} ${t.test}' has no target/nontarget label`,
      );
    }
    if (s === undefined) {
      missing.push(i);
      return;
    }
    if (s.target !== undefined && s.target !== t.target) {
      throw new InputError(
        files.scores,
        `'${t.enroll} ${t.test}' is labelled ${s.target ? "target" : "nontarget"} here but ${
          t.target ? "target" : "nontarget"
        } in ${trialsFile} (trial ${i + 1}); fix the label or drop the label column`,
        s.line,
      );
    }
    used.add(key);
    scores.push(s.score);
    labels.push(t.target ? 1 : 0);
  });
  if (missing.length && !opts.allowMissing) {
    const t = trials[missing[0]];
    throw new InputError(
      files.scores,
      `has no score for trial ${
        missing[0] + 1
      } '${t.enroll} ${t.test}' of ${trialsFile} (${missing.length} of ${trials.length} trials have none); score every trial, or pass --allow-missing to drop and count them`,
    );
  }
  let extra = 0;
  for (const k of byKey.keys()) if (!used.has(k)) extra++;
  return {
    scores: Float64Array.from(scores),
    labels: Int8Array.from(labels),
    counts: { trials: scores.length, missing: missing.length, extra },
  };
}
