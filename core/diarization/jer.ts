/**
 * Jaccard error rate exactly as dscore computes it (scorelib/metrics.py `jer`): frame-level labels at
 * `step` seconds (frame i covers time step*i; a speaker is active when onset <= step*i < offset) inside
 * the UEM, WITHOUT collars and WITH overlapped speech, an optimal (Hungarian) mapping minimising the
 * per-speaker Jaccard error 1 - |ref n sys| / |ref u sys|, unmapped reference speakers counting 100 %.
 * A file's JER is the mean over its reference speakers; the overall JER is the mean over all reference
 * speakers of all files (not the mean of file JERs).
 * @module
 */
import { linearSumAssignment } from "../math/hungarian.ts";
import {
  groupByFile,
  mergeOverlappingTurns,
  offsetOf,
  speakersOf,
  trimTurns,
  uemFromTurns,
  unionIntervals,
} from "./rttm.ts";
import type { Interval, Turn, Uem } from "./rttm.ts";

/** JER options. */
export interface JerOptions {
  /** Scoring regions; default: extent of reference and system turns per file (dscore gen_uem). */
  uem?: Uem;
  /** Frame step in seconds (dscore default 0.01). */
  step?: number;
  /** Reference speakers with less than this many seconds are ignored (dscore min_ref_dur, default 0). */
  minRefDuration?: number;
}

/** Per-file JER (percent) and the per-speaker values. */
export interface JerFileResult {
  /** File id. */
  readonly file: string;
  /** JER of the file in percent. */
  readonly jer: number;
  /** Reference speaker -> its Jaccard error in percent. */
  readonly speakers: Record<string, number>;
}

/** Per-file and overall JER (percent). */
export interface JerResult {
  /** One entry per scored file, sorted by file id. */
  readonly files: JerFileResult[];
  /** Overall JER in percent (mean over all reference speakers). */
  readonly overall: number;
}

/** numpy.searchsorted(times, v, 'left') for times[i] = step * i, i < n. */
function firstFrameAtOrAfter(v: number, step: number, n: number): number {
  let i = Math.max(0, Math.floor(v / step) - 1);
  while (i < n && step * i < v) i++;
  while (i > 0 && step * (i - 1) >= v) i--;
  return Math.min(i, n);
}

function frameLabels(
  turns: readonly Turn[],
  ids: Map<string, number>,
  step: number,
  n: number,
): Uint8Array[] {
  const x = Array.from({ length: ids.size }, () => new Uint8Array(n));
  for (const t of turns) {
    const bi = firstFrameAtOrAfter(t.onset, step, n), ei = firstFrameAtOrAfter(offsetOf(t), step, n);
    x[ids.get(t.speaker)!].fill(1, bi, ei);
  }
  return x;
}

/** Computes JER per file and overall, in percent. */
export function jaccardErrorRate(
  reference: readonly Turn[],
  hypothesis: readonly Turn[],
  options: JerOptions = {},
): JerResult {
  const step = options.step ?? 0.01;
  if (!(step > 0)) throw new RangeError(`step must be > 0 seconds, got ${step}`);
  const minRef = options.minRefDuration ?? 0;
  const uem = options.uem ?? uemFromTurns(reference, hypothesis);
  const refBy = groupByFile(reference), sysBy = groupByFile(hypothesis);
  const files: JerFileResult[] = [];
  const all: number[] = [];
  let nRefGlobal = 0, nSysGlobal = 0;
  for (const file of [...uem.keys()].sort()) {
    const regions: Interval[] = unionIntervals(uem.get(file)!);
    const ref = mergeOverlappingTurns(trimTurns(refBy.get(file) ?? [], regions));
    const sys = mergeOverlappingTurns(trimTurns(sysBy.get(file) ?? [], regions));
    const refNames = speakersOf(ref).sort(), sysNames = speakersOf(sys).sort();
    // Regions are sorted and disjoint, so the last one ends last; none (a file whose only turns have
    // zero length) means nothing to score rather than a -Infinity frame count.
    const dur = regions.length ? regions[regions.length - 1][1] : 0;
    const n = Math.trunc(dur / step);
    const keep = new Uint8Array(n);
    for (const [a, b] of regions) {
      keep.fill(1, firstFrameAtOrAfter(a, step, n), firstFrameAtOrAfter(b, step, n));
    }
    const R = frameLabels(ref, new Map(refNames.map((s, i) => [s, i])), step, n);
    const S = frameLabels(sys, new Map(sysNames.map((s, i) => [s, i])), step, n);
    const count = (x: Uint8Array, y?: Uint8Array) => {
      let c = 0;
      for (let i = 0; i < n; i++) if (keep[i] && x[i] && (!y || y[i])) c++;
      return c;
    };
    const refDur = R.map((x) => count(x)), sysDur = S.map((x) => count(x));
    const kept = refNames.map((_, i) => i).filter((i) => refDur[i] * step >= minRef);
    const nr = kept.length, ns = sysNames.length;
    nRefGlobal += nr;
    nSysGlobal += ns;
    const speakers: Record<string, number> = {};
    if (nr === 0) {
      files.push({ file, jer: ns > 0 ? 100 : 0, speakers });
      continue;
    }
    if (ns === 0) {
      for (const i of kept) speakers[refNames[i]] = 100, all.push(100);
      files.push({ file, jer: 100, speakers });
      continue;
    }
    const cost = new Float64Array(nr * ns);
    for (let a = 0; a < nr; a++) {
      const i = kept[a];
      for (let j = 0; j < ns; j++) {
        const inter = count(R[i], S[j]);
        const union = refDur[i] + sysDur[j] - inter;
        cost[a * ns + j] = union > 0 ? 1 - inter / union : 1;
      }
    }
    const asg = linearSumAssignment(cost, nr, ns);
    const jers = new Float64Array(nr).fill(1);
    for (let k = 0; k < asg.rowInd.length; k++) {
      jers[asg.rowInd[k]] = cost[asg.rowInd[k] * ns + asg.colInd[k]];
    }
    let sum = 0;
    for (let a = 0; a < nr; a++) {
      const v = 100 * jers[a];
      speakers[refNames[kept[a]]] = v;
      all.push(v);
      sum += v;
    }
    files.push({ file, jer: sum / nr, speakers });
  }
  let overall: number;
  if (nRefGlobal === 0) overall = nSysGlobal > 0 ? 100 : 0;
  else if (nSysGlobal === 0) overall = 100;
  else overall = all.reduce((a, b) => a + b, 0) / all.length;
  return { files, overall };
}
