/**
 * Diarization error rate split into missed speech, false alarm and speaker confusion, with the optimal
 * (Hungarian) one-to-one speaker mapping.
 *
 * Two collar conventions, named explicitly because they differ by a factor of two:
 * - `md-eval` (NIST md-eval-22.pl, dscore, VBx, SpeechBrain): `collar` seconds are removed on EACH side
 *   of every reference turn boundary (+-collar). The speaker mapping is computed on the whole UEM
 *   (before collars and overlap removal), as md-eval does.
 * - `pyannote` (pyannote.metrics): `collar` is the TOTAL width of the removed zone (+-collar/2), and the
 *   mapping is computed on the scored regions (after collars and overlap removal).
 *
 * Input handling follows dscore's score.py: turns are cropped to the UEM, overlapping turns of one
 * speaker are merged, then scored. Without a UEM the extent is [min onset, max offset] of reference and
 * system turns (dscore's gen_uem); `uemFrom: "ref"` uses the reference alone (md-eval run directly).
 * `skipOverlap` removes regions where two or more reference speakers talk (md-eval `-1`).
 * An empty reference (no turns, or no reference speech left to score) is an error, not DER 100 %.
 * @module
 */
import { maxWeightAssignment } from "../math/hungarian.ts";
import { InputError } from "../errors.ts";
import {
  groupByFile,
  mergeOverlappingTurns,
  offsetOf,
  regionsWithSpeakers,
  speakersOf,
  subtractIntervals,
  trimTurns,
  uemFromTurns,
  unionIntervals,
} from "./rttm.ts";
import type { Interval, Turn, Uem } from "./rttm.ts";

/** Which collar semantics `collar` follows. */
export type CollarConvention = "md-eval" | "pyannote";

/** DER options. */
export interface DerOptions {
  /** Collar in seconds; see `collarConvention`. Default 0. */
  collar?: number;
  /** `md-eval` (+-collar, default) or `pyannote` (total width). */
  collarConvention?: CollarConvention;
  /** Do not score regions with overlapping reference speech. Default false. */
  skipOverlap?: boolean;
  /** Scoring regions per file; files absent from it are not scored. */
  uem?: Uem;
  /** Without a UEM: extent from reference and system turns (`ref+sys`, dscore) or the reference only (`ref`). */
  uemFrom?: "ref+sys" | "ref";
}

/** Error components (seconds of speaker time) for one file or a total. */
export interface DerComponents {
  /** Reference speaker time scored (the denominator). */
  readonly total: number;
  /** Missed speaker time in seconds (reference speakers beyond the system count). */
  readonly missed: number;
  /** False-alarm speaker time in seconds (system speakers beyond the reference count). */
  readonly falseAlarm: number;
  /** Speaker time in seconds attributed to the wrong (unmapped) speaker. */
  readonly confusion: number;
  /** Diarization error rate in percent: 100 (missed + falseAlarm + confusion) / total. */
  readonly der: number;
  /** Missed, false alarm and confusion in percent of `total`. */
  readonly missedRate: number;
  /** False alarm in percent of `total`. */
  readonly falseAlarmRate: number;
  /** Confusion in percent of `total`. */
  readonly confusionRate: number;
  /** Scored time (seconds of wall time inside the scoring regions). */
  readonly scoredTime: number;
}

/** Per-file result with the mapping used. */
export interface DerFileResult extends DerComponents {
  /** File id. */
  readonly file: string;
  /** Reference speaker -> system speaker (unmapped speakers absent). */
  readonly mapping: Record<string, string>;
}

/** Per-file and overall DER. */
export interface DerResult {
  /** One entry per scored file, sorted by file id. */
  readonly files: DerFileResult[];
  /** Totals over all files (times summed, then the rates). */
  readonly overall: DerComponents;
}

function components(
  total: number,
  missed: number,
  fa: number,
  conf: number,
  scoredTime: number,
): DerComponents {
  const pct = (x: number) => total > 0 ? (100 * x) / total : (x > 0 ? 100 : 0);
  return {
    total,
    missed,
    falseAlarm: fa,
    confusion: conf,
    der: pct(missed + fa + conf),
    missedRate: pct(missed),
    falseAlarmRate: pct(fa),
    confusionRate: pct(conf),
    scoredTime,
  };
}

/**
 * Calls `fn(duration, activeRef, activeSys)` for every elementary piece of `regions` on which the set of
 * active reference and system speakers is constant. Speakers are indices into `refIds`/`sysIds`.
 */
export function sweepSegments(
  regions: readonly Interval[],
  ref: readonly Turn[],
  refIds: Map<string, number>,
  sys: readonly Turn[],
  sysIds: Map<string, number>,
  fn: (duration: number, activeRef: number[], activeSys: number[]) => void,
): void {
  // Event kinds: 0 = region, 1 = reference speaker, 2 = system speaker.
  const times: number[] = [], kinds: number[] = [], ids: number[] = [], deltas: number[] = [];
  const push = (t: number, k: number, id: number, d: number) => {
    times.push(t);
    kinds.push(k);
    ids.push(id);
    deltas.push(d);
  };
  for (const [a, b] of regions) push(a, 0, 0, 1), push(b, 0, 0, -1);
  for (const t of ref) {
    if (t.duration > 0) {
      push(t.onset, 1, refIds.get(t.speaker)!, 1), push(offsetOf(t), 1, refIds.get(t.speaker)!, -1);
    }
  }
  for (const t of sys) {
    if (t.duration > 0) {
      push(t.onset, 2, sysIds.get(t.speaker)!, 1), push(offsetOf(t), 2, sysIds.get(t.speaker)!, -1);
    }
  }
  const order = Array.from(times.keys()).sort((x, y) => times[x] - times[y]);
  const refCount = new Int32Array(refIds.size), sysCount = new Int32Array(sysIds.size);
  let inRegion = 0;
  for (let e = 0; e < order.length;) {
    const t = times[order[e]];
    // Events closer than EPS are one event, as md-eval sorts with its 1e-8 epsilon (no 1e-15 slivers).
    while (e < order.length && times[order[e]] - t <= EPS) {
      const i = order[e++];
      if (kinds[i] === 0) inRegion += deltas[i];
      else if (kinds[i] === 1) refCount[ids[i]] += deltas[i];
      else sysCount[ids[i]] += deltas[i];
    }
    if (e >= order.length || inRegion <= 0) continue;
    const next = times[order[e]];
    if (!(next > t)) continue;
    const ar: number[] = [], as: number[] = [];
    for (let k = 0; k < refCount.length; k++) if (refCount[k] > 0) ar.push(k);
    for (let k = 0; k < sysCount.length; k++) if (sysCount[k] > 0) as.push(k);
    fn(next - t, ar, as);
  }
}

/** Reference/system overlap durations (seconds) within `regions`, as a refs x syss row-major matrix. */
export function overlapMatrix(
  regions: readonly Interval[],
  ref: readonly Turn[],
  refIds: Map<string, number>,
  sys: readonly Turn[],
  sysIds: Map<string, number>,
): Float64Array {
  const m = new Float64Array(refIds.size * sysIds.size);
  sweepSegments(regions, ref, refIds, sys, sysIds, (d, ar, as) => {
    for (const r of ar) for (const s of as) m[r * sysIds.size + s] += d;
  });
  return m;
}

/** Event times closer than this (seconds) are treated as equal (md-eval's $epsilon). */
const EPS = 1e-8;

const indexOf = (names: string[]) => new Map(names.map((n, i) => [n, i]));

/** Computes DER per file and overall. */
export function diarizationErrorRate(
  reference: readonly Turn[],
  hypothesis: readonly Turn[],
  options: DerOptions = {},
): DerResult {
  const collar = options.collar ?? 0;
  const convention = options.collarConvention ?? "md-eval";
  if (!(collar >= 0 && Number.isFinite(collar))) {
    throw new RangeError(`collar must be >= 0 seconds, got ${collar}`);
  }
  if (convention !== "md-eval" && convention !== "pyannote") {
    throw new RangeError(`collarConvention must be 'md-eval' or 'pyannote', got '${convention}'`);
  }
  if (reference.length === 0) {
    throw new InputError(
      "reference",
      "has no SPEAKER turns, so DER is undefined (not 100 %); check the reference RTTM (a misspelt record " +
        "type is skipped with a warning) or the file ids",
    );
  }
  const uem = options.uem ??
    (options.uemFrom === "ref" ? uemFromTurns(reference) : uemFromTurns(reference, hypothesis));
  const refBy = groupByFile(reference), sysBy = groupByFile(hypothesis);
  const half = convention === "md-eval" ? collar : collar / 2;
  const files: DerFileResult[] = [];
  let T = 0, M = 0, F = 0, C = 0, S = 0;
  for (const file of [...uem.keys()].sort()) {
    const regions = unionIntervals(uem.get(file)!);
    const ref = mergeOverlappingTurns(trimTurns(refBy.get(file) ?? [], regions));
    const sys = mergeOverlappingTurns(trimTurns(sysBy.get(file) ?? [], regions));
    const refNames = speakersOf(ref), sysNames = speakersOf(sys);
    const refIds = indexOf(refNames), sysIds = indexOf(sysNames);

    let scored: Interval[] = regions;
    if (half > 0) {
      const zones: Interval[] = [];
      for (const t of ref) {
        zones.push([t.onset - half, t.onset + half], [offsetOf(t) - half, offsetOf(t) + half]);
      }
      scored = subtractIntervals(scored, unionIntervals(zones));
    }
    if (options.skipOverlap) scored = subtractIntervals(scored, regionsWithSpeakers(ref, 2));

    const mapRegions = convention === "md-eval" ? regions : scored;
    const ov = overlapMatrix(mapRegions, ref, refIds, sys, sysIds);
    const asg = maxWeightAssignment(ov, refNames.length, sysNames.length);
    const map = new Int32Array(refNames.length).fill(-1);
    const mapping: Record<string, string> = {};
    for (let i = 0; i < asg.rowInd.length; i++) {
      const r = asg.rowInd[i], s = asg.colInd[i];
      if (ov[r * sysNames.length + s] > 0) {
        map[r] = s;
        mapping[refNames[r]] = sysNames[s];
      }
    }

    let total = 0, missed = 0, fa = 0, conf = 0, time = 0;
    const sysActive = new Uint8Array(sysNames.length);
    sweepSegments(scored, ref, refIds, sys, sysIds, (d, ar, as) => {
      const nr = ar.length, ns = as.length;
      time += d;
      total += d * nr;
      if (nr > ns) missed += d * (nr - ns);
      else fa += d * (ns - nr);
      for (const s of as) sysActive[s] = 1;
      let nmap = 0;
      for (const r of ar) if (map[r] >= 0 && sysActive[map[r]]) nmap++;
      for (const s of as) sysActive[s] = 0;
      conf += d * (Math.min(nr, ns) - nmap);
    });
    files.push({ file, mapping, ...components(total, missed, fa, conf, time) });
    T += total, M += missed, F += fa, C += conf, S += time;
  }
  if (!(T > 0)) {
    throw new InputError(
      "reference",
      "no reference speech is left to score (every turn is outside the UEM or inside collars), so DER is " +
        "undefined; check the UEM's file ids and times, or lower the collar",
    );
  }
  return { files, overall: components(T, M, F, C, S) };
}
