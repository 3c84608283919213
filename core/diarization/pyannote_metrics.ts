/**
 * Speech-activity and cluster metrics as pyannote.metrics defines them (detection.py, diarization.py,
 * utils.py UEMSupportMixin), over RTTM turns:
 *
 * - scoring region (`uemify`): the UEM, or without one the hull [min start, max end] of reference and
 *   hypothesis; minus collars (pyannote convention: `collar` is the TOTAL width, half on each side of
 *   every reference boundary) and, with `skipOverlap`, minus regions where two reference turns overlap;
 *   both annotations are cropped to it;
 * - detection: speech = union of all turns (any speaker). miss = |ref \ hyp|, false alarm = |hyp \ ref|
 *   within the region, total = |ref|; detection error rate = (miss + fa) / total (0 or 1 when total = 0);
 *   precision = tp / (tp + fp) (1 without detections), recall = tp / (tp + fn) (1 when nothing to find,
 *   0 if something was found then), F = (1 + b^2) P R / (b^2 P + R); accuracy = (tp + tn) / region;
 * - purity: for every hypothesis label, the duration of its largest overlap with one reference label,
 *   summed, over the summed hypothesis label durations (pyannote ignores the UEM and collars here);
 *   coverage: the same with reference and hypothesis swapped.
 *
 * Several files: components are summed over files, then the rates computed (pyannote's accumulation).
 * Checked against pyannote.metrics' own tests (tests/test_detection.py, tests/test_diarization.py).
 * @module
 */
import {
  groupByFile,
  intersectIntervals,
  type Interval,
  subtractIntervals,
  totalDuration,
  type Turn,
  type Uem,
  unionIntervals,
} from "./rttm.ts";

/** Options shared by the detection metrics. */
export interface DetectionOptions {
  /** Scoring regions per file (default: hull of reference and hypothesis). */
  readonly uem?: Uem;
  /** Total collar width in seconds around reference boundaries (pyannote convention). */
  readonly collar?: number;
  /** Do not score where reference turns overlap. */
  readonly skipOverlap?: boolean;
}

/** Durations (s) behind the detection metrics, summed over files. */
export interface DetectionComponents {
  /** |ref| (speech in the reference, scored region). */
  readonly total: number;
  readonly truePositive: number;
  readonly trueNegative: number;
  readonly falsePositive: number;
  readonly falseNegative: number;
}

/** Detection error rate, precision, recall, F-measure and accuracy with their components. */
export interface DetectionResult extends DetectionComponents {
  readonly detectionErrorRate: number;
  readonly miss: number;
  readonly falseAlarm: number;
  readonly precision: number;
  readonly recall: number;
  readonly fMeasure: number;
  readonly accuracy: number;
}

const span = (t: Turn): Interval => [t.onset, t.onset + t.duration];

/** pyannote's uemify: the scoring region of one file (before cropping). */
export function scoringRegion(
  ref: readonly Turn[],
  hyp: readonly Turn[],
  o: { uem?: Interval[]; collar?: number; skipOverlap?: boolean } = {},
): Interval[] {
  let uem = o.uem ? unionIntervals(o.uem) : undefined;
  if (!uem) {
    const all = [...ref, ...hyp].map(span);
    uem = all.length ? [[Math.min(...all.map((s) => s[0])), Math.max(...all.map((s) => s[1]))]] : [];
  }
  const collar = o.collar ?? 0;
  const removed: Interval[] = [];
  if (collar > 0) {
    for (const t of ref) for (const x of span(t)) removed.push([x - collar / 2, x + collar / 2]);
  }
  if (o.skipOverlap) {
    for (let i = 0; i < ref.length; i++) {
      for (let j = 0; j < ref.length; j++) {
        if (i === j) continue;
        const [a, b] = span(ref[i]), [c, d] = span(ref[j]);
        if (Math.max(a, c) < Math.min(b, d)) removed.push([Math.max(a, c), Math.min(b, d)]);
      }
    }
  }
  return removed.length ? subtractIntervals(uem, unionIntervals(removed)) : uem;
}

function detectionFile(
  ref: readonly Turn[],
  hyp: readonly Turn[],
  o: DetectionOptions,
  file: string,
): DetectionComponents {
  const region = scoringRegion(ref, hyp, {
    uem: o.uem?.get(file),
    collar: o.collar,
    skipOverlap: o.skipOverlap,
  });
  const r = intersectIntervals(unionIntervals(ref.map(span)), region);
  const h = intersectIntervals(unionIntervals(hyp.map(span)), region);
  const rGap = subtractIntervals(region, r), hGap = subtractIntervals(region, h);
  return {
    total: totalDuration(r),
    truePositive: totalDuration(intersectIntervals(r, h)),
    trueNegative: totalDuration(intersectIntervals(rGap, hGap)),
    falsePositive: totalDuration(intersectIntervals(rGap, h)),
    falseNegative: totalDuration(intersectIntervals(r, hGap)),
  };
}

/** pyannote.metrics' DetectionErrorRate, DetectionPrecision, DetectionRecall, F-measure and accuracy. */
export function detectionMetrics(
  reference: readonly Turn[],
  hypothesis: readonly Turn[],
  o: DetectionOptions & { beta?: number } = {},
): DetectionResult {
  const refs = groupByFile(reference), hyps = groupByFile(hypothesis);
  const files = new Set([...refs.keys(), ...hyps.keys(), ...(o.uem?.keys() ?? [])]);
  let total = 0, tp = 0, tn = 0, fp = 0, fn = 0;
  for (const f of files) {
    const c = detectionFile(refs.get(f) ?? [], hyps.get(f) ?? [], o, f);
    total += c.total,
      tp += c.truePositive,
      tn += c.trueNegative,
      fp += c.falsePositive,
      fn += c.falseNegative;
  }
  const err = fp + fn;
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  const b2 = (o.beta ?? 1) ** 2;
  const acc = tp + tn + fp + fn;
  return {
    total,
    truePositive: tp,
    trueNegative: tn,
    falsePositive: fp,
    falseNegative: fn,
    detectionErrorRate: total === 0 ? (err === 0 ? 0 : 1) : err / total,
    miss: fn,
    falseAlarm: fp,
    precision,
    recall,
    fMeasure: precision + recall === 0 ? 0 : ((1 + b2) * precision * recall) / (b2 * precision + recall),
    accuracy: acc === 0 ? 1 : (tp + tn) / acc,
  };
}

/** Purity and coverage with their components (seconds). */
export interface PurityCoverage {
  readonly purity: number;
  readonly coverage: number;
  readonly purityTotal: number;
  readonly purityCorrect: number;
  readonly coverageTotal: number;
  readonly coverageCorrect: number;
}

function purityFile(ref: readonly Turn[], hyp: readonly Turn[]): { total: number; correct: number } {
  const byLabel = (turns: readonly Turn[]) => {
    const m = new Map<string, Interval[]>();
    for (const t of turns) m.set(t.speaker, [...(m.get(t.speaker) ?? []), span(t)]);
    return [...m.values()].map(unionIntervals);
  };
  const refLabels = byLabel(ref);
  let total = 0, correct = 0;
  for (const support of byLabel(hyp)) {
    total += totalDuration(support);
    let best = 0;
    for (const r of refLabels) best = Math.max(best, totalDuration(intersectIntervals(r, support)));
    correct += best;
  }
  return { total, correct };
}

/** pyannote.metrics' DiarizationPurity and DiarizationCoverage (no UEM, no collar, as pyannote). */
export function purityCoverage(reference: readonly Turn[], hypothesis: readonly Turn[]): PurityCoverage {
  const refs = groupByFile(reference), hyps = groupByFile(hypothesis);
  let pt = 0, pc = 0, ct = 0, cc = 0;
  for (const f of new Set([...refs.keys(), ...hyps.keys()])) {
    const p = purityFile(refs.get(f) ?? [], hyps.get(f) ?? []);
    const c = purityFile(hyps.get(f) ?? [], refs.get(f) ?? []);
    pt += p.total, pc += p.correct, ct += c.total, cc += c.correct;
  }
  return {
    purity: pt > 0 ? pc / pt : 1,
    coverage: ct > 0 ? cc / ct : 1,
    purityTotal: pt,
    purityCorrect: pc,
    coverageTotal: ct,
    coverageCorrect: cc,
  };
}
