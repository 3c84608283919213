/**
 * Trial-list helpers for verification: map named trials (Kaldi `trials`: `enroll test target|nontarget`,
 * read by core/io/kaldi_data.ts) to row indices, and multi-utterance enrollment by embedding mean or
 * by score mean.
 * @module
 */
import type { Matrix } from "../matrix.ts";
import type { TrialIndex, TrialScorer } from "../contracts/scorer.ts";
import { InputError } from "../errors.ts";

/** One named trial; `target` undefined = unknown label. */
export interface NamedTrial {
  readonly enroll: string;
  readonly test: string;
  readonly target?: boolean;
}

/**
 * Index form of named trials against the row ids of the enrollment and test matrices. `source`
 * names the trial file in errors (an unknown id is reported with its line number, 1-based).
 */
export function trialIndex(
  trials: readonly NamedTrial[],
  enrollIds: readonly string[],
  testIds: readonly string[],
  source = "trials",
): TrialIndex {
  const ei = new Map(enrollIds.map((id, i) => [id, i])), ti = new Map(testIds.map((id, i) => [id, i]));
  const enroll = new Int32Array(trials.length),
    test = new Int32Array(trials.length),
    labels = new Int8Array(trials.length);
  trials.forEach((t, k) => {
    const a = ei.get(t.enroll), b = ti.get(t.test);
    if (a === undefined) {
      throw new InputError(
        source,
        `enrollment id '${t.enroll}' has no embedding; add it or drop the trial`,
        k + 1,
      );
    }
    if (b === undefined) {
      throw new InputError(source, `test id '${t.test}' has no embedding; add it or drop the trial`, k + 1);
    }
    enroll[k] = a;
    test[k] = b;
    labels[k] = t.target === undefined ? -1 : t.target ? 1 : 0;
  });
  return { enroll, test, labels };
}

/** Multi-utterance enrollment: model id -> the row ids (utterances) that enroll it (Kaldi spk2utt). */
export type Enrollment = ReadonlyMap<string, readonly string[]>;

function rowsOf(
  enrollment: Enrollment,
  ids: readonly string[],
  source: string,
): { models: string[]; rows: number[][] } {
  const idx = new Map(ids.map((id, i) => [id, i]));
  const models: string[] = [], rows: number[][] = [];
  for (const [model, utts] of enrollment) {
    if (!utts.length) throw new InputError(source, `model '${model}' has no enrollment utterances`);
    rows.push(utts.map((u) => {
      const r = idx.get(u);
      if (r === undefined) {
        throw new InputError(source, `enrollment utterance '${u}' of model '${model}' has no embedding`);
      }
      return r;
    }));
    models.push(model);
  }
  return { models, rows };
}

/**
 * Embedding-mean enrollment: one row per model, the mean of its utterances' embeddings
 * (each L2-normalised first when `normalizeFirst`, the usual choice for cosine scoring).
 */
export function enrollByMean(
  x: Matrix,
  ids: readonly string[],
  enrollment: Enrollment,
  opts: { normalizeFirst?: boolean; source?: string } = {},
): { models: string[]; x: Matrix } {
  if (ids.length !== x.rows) throw new RangeError(`enrollByMean: ${ids.length} ids for ${x.rows} embeddings`);
  const { models, rows } = rowsOf(enrollment, ids, opts.source ?? "enrollment");
  const d = x.cols, out = new Float32Array(models.length * d);
  const acc = new Float64Array(d);
  rows.forEach((rs, m) => {
    acc.fill(0);
    for (const r of rs) {
      let scale = 1;
      if (opts.normalizeFirst) {
        let s = 0;
        for (let j = 0; j < d; j++) s += x.data[r * d + j] ** 2;
        scale = s > 0 ? 1 / Math.sqrt(s) : 1;
      }
      for (let j = 0; j < d; j++) acc[j] += x.data[r * d + j] * scale;
    }
    for (let j = 0; j < d; j++) out[m * d + j] = acc[j] / rs.length;
  });
  return { models, x: { rows: models.length, cols: d, data: out } };
}

/**
 * Score-mean enrollment: a trial's score is the mean of the scorer's scores of each enrollment
 * utterance of the model against the test. `trials.enroll` indexes `models` (the order of
 * `enrollment`'s keys, as returned by {@link enrollmentModels}).
 */
export function scoreByMean(
  scorer: TrialScorer,
  enrollUtts: Matrix,
  uttIds: readonly string[],
  enrollment: Enrollment,
  test: Matrix,
  trials: TrialIndex,
  source = "enrollment",
): Float32Array {
  const { rows } = rowsOf(enrollment, uttIds, source);
  let total = 0;
  trials.enroll.forEach((m, k) => {
    if (!(m >= 0 && m < rows.length)) {
      throw new RangeError(
        `scoreByMean: trial ${k} indexes model ${m}, but the enrollment has ${rows.length}`,
      );
    }
    total += rows[m].length;
  });
  const e = new Int32Array(total), t = new Int32Array(total);
  let p = 0;
  trials.enroll.forEach((m, k) => {
    for (const r of rows[m]) {
      e[p] = r;
      t[p++] = trials.test[k];
    }
  });
  const flat = scorer.score(enrollUtts, test, { enroll: e, test: t });
  const out = new Float32Array(trials.enroll.length);
  p = 0;
  trials.enroll.forEach((m, k) => {
    let s = 0;
    for (let i = 0; i < rows[m].length; i++) s += flat[p++];
    out[k] = s / rows[m].length;
  });
  return out;
}

/** The model ids of an enrollment map, in the order both enrollment functions use. */
export function enrollmentModels(enrollment: Enrollment): string[] {
  return [...enrollment.keys()];
}
