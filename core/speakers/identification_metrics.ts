/**
 * Speaker identification metrics with pyannote.metrics' definitions (pyannote/metrics/identification.py
 * and matcher.py), on segments that are already aligned (one entry per test utterance or per region
 * of a common timeline), plus top-N accuracy.
 *
 * Per segment of duration d, reference labels R and hypothesis labels H are matched one to one so that
 * the number of equal pairs is largest (pyannote's LabelMatcher: Hungarian on N x N, N = max(|R|, |H|));
 * `null` stands for a pyannote `Unknown` instance, and two Unknowns always match. Then
 * correct = matched equal pairs, confusion = matched unequal pairs, miss = |R| - |H| when positive,
 * false alarm = |H| - |R| when positive, total = |R|, each weighted by d and summed, and
 * - IER = (wc·confusion + wf·false alarm + wm·miss) / total (0 when total and numerator are 0, 1 when
 *   only total is 0); Unknown labels are kept (pyannote's default `unknown=True`);
 * - precision = Σ d·correct / Σ d·|H|, recall = Σ d·correct / Σ d·|R|, each 1 when its denominator is
 *   0; Unknown labels are removed first (pyannote's default `unknown=False` for these two).
 * Top-N accuracy: among segments whose reference is one known name, the fraction whose name is among
 * the first N ranked candidates (ranked regardless of any threshold); not duration-weighted, absent when
 * no segment has a known reference.
 *
 * For `speakers identify`: reference = the true speaker (`null` when not enrolled), hypothesis = the
 * accepted speaker (`null` when every score is below the threshold: "unknown").
 * @module
 */
import { maxWeightAssignment } from "../math/hungarian.ts";

/** Labels of one segment: a name, `null` (an Unknown instance) or several of these. */
export type SegmentLabels = string | null | readonly (string | null)[];

/** Totals over segments (durations applied). */
export interface IdentificationCounts {
  total: number;
  correct: number;
  confusion: number;
  miss: number;
  falseAlarm: number;
}

const asList = (l: SegmentLabels): (string | null)[] => (Array.isArray(l) ? [...l] : [l as string | null]);

/** pyannote's matcher on one segment: counts of correct / confusion / miss / false alarm / total. */
export function matchLabels(
  r: readonly (string | null)[],
  h: readonly (string | null)[],
): IdentificationCounts {
  const nr = r.length, nh = h.length, n = Math.max(nr, nh);
  const c: IdentificationCounts = { total: nr, correct: 0, confusion: 0, miss: 0, falseAlarm: 0 };
  if (n === 0) return c;
  const w = new Float64Array(n * n);
  for (let i = 0; i < nr; i++) for (let j = 0; j < nh; j++) w[i * n + j] = r[i] === h[j] ? 1 : 0;
  const a = maxWeightAssignment(w, n, n);
  for (let k = 0; k < a.rowInd.length; k++) {
    const i = a.rowInd[k], j = a.colInd[k];
    if (i >= nr) c.falseAlarm++;
    else if (j >= nh) c.miss++;
    else if (r[i] === h[j]) c.correct++;
    else c.confusion++;
  }
  return c;
}

/** Options of {@link identificationMetrics}. */
export interface IdentificationOptions {
  /** Weights of confusion, miss and false alarm in IER (pyannote default 1 each). */
  readonly weights?: { confusion?: number; miss?: number; falseAlarm?: number };
  /** Cut-offs of top-N accuracy (default [1, 5]). */
  readonly topN?: readonly number[];
}

/** Inputs: aligned reference / hypothesis labels, optional durations (default 1) and ranked candidates. */
export interface IdentificationInput {
  readonly reference: readonly SegmentLabels[];
  readonly hypothesis: readonly SegmentLabels[];
  readonly durations?: ArrayLike<number>;
  /** Candidate names best first per segment, for top-N accuracy. */
  readonly ranked?: readonly (readonly string[])[];
}

/** IER, precision, recall, their components and top-N accuracy. */
export function identificationMetrics(
  input: IdentificationInput,
  opts: IdentificationOptions = {},
): Record<string, number> {
  const { reference: ref, hypothesis: hyp, durations: dur, ranked } = input;
  if (ref.length !== hyp.length) {
    throw new RangeError(
      `reference has ${ref.length} segments but hypothesis has ${hyp.length}; give one entry per segment in both`,
    );
  }
  if (dur && dur.length !== ref.length) {
    throw new RangeError(`durations has ${dur.length} entries for ${ref.length} segments`);
  }
  if (ranked && ranked.length !== ref.length) {
    throw new RangeError(`ranked has ${ranked.length} entries for ${ref.length} segments`);
  }
  const ier: IdentificationCounts = { total: 0, correct: 0, confusion: 0, miss: 0, falseAlarm: 0 };
  let retrieved = 0, relevantRetrieved = 0, relevant = 0;
  for (let s = 0; s < ref.length; s++) {
    const d = dur ? dur[s] : 1;
    if (!(d >= 0) || !Number.isFinite(d)) {
      throw new RangeError(`duration ${s} is ${d}; durations must be >= 0`);
    }
    const r = asList(ref[s]), h = asList(hyp[s]);
    const c = matchLabels(r, h);
    for (const k of Object.keys(ier) as (keyof IdentificationCounts)[]) ier[k] += d * c[k];
    const rk = r.filter((x) => x !== null), hk = h.filter((x) => x !== null);
    const p = matchLabels(rk, hk);
    retrieved += d * hk.length;
    relevant += d * p.total;
    relevantRetrieved += d * p.correct;
  }
  const w = { confusion: 1, miss: 1, falseAlarm: 1, ...opts.weights };
  const num = w.confusion * ier.confusion + w.falseAlarm * ier.falseAlarm + w.miss * ier.miss;
  const out: Record<string, number> = {
    ier: ier.total === 0 ? (num === 0 ? 0 : 1) : num / ier.total,
    precision: retrieved === 0 ? 1 : relevantRetrieved / retrieved,
    recall: relevant === 0 ? 1 : relevantRetrieved / relevant,
    total: ier.total,
    correct: ier.correct,
    confusion: ier.confusion,
    miss: ier.miss,
    falseAlarm: ier.falseAlarm,
  };
  if (ranked) {
    const known = ref.map((l, s) => (typeof l === "string" ? s : -1)).filter((s) => s >= 0);
    for (const n of known.length ? opts.topN ?? [1, 5] : []) {
      const hit = known.filter((s) => ranked[s].slice(0, n).includes(ref[s] as string)).length;
      out[`top${n}Accuracy`] = hit / known.length;
    }
    if (known.length) out.topNSegments = known.length;
  }
  return out;
}
