/**
 * Segment helpers for diarization: an energy VAD, sliding windows over speech regions, and the
 * conversion of labelled (overlapping) windows to speaker turns.
 * @module
 */
import type { Turn } from "../diarization/rttm.ts";

/** A time region in seconds. */
export interface Region {
  readonly start: number;
  readonly end: number;
}

/** Options of {@link energyVad}. */
export interface EnergyVadOptions {
  /** Frame hop in seconds (0.01). */
  readonly hop?: number;
  /** Threshold position between the noise floor (10th pct) and the peak (95th pct) of log energy (0.35). */
  readonly relThreshold?: number;
  /** Speech regions shorter than this are dropped (0.25 s). */
  readonly minSpeech?: number;
  /** Pauses shorter than this are bridged (0.3 s). */
  readonly minSilence?: number;
}

/**
 * A simple energy VAD: 25 ms frames every 10 ms, log energy thresholded between the noise floor and
 * the peak, then pauses bridged and blips dropped. A fallback when no neural VAD is available.
 */
export function energyVad(samples: Float32Array, sampleRate: number, o: EnergyVadOptions = {}): Region[] {
  const hop = Math.round((o.hop ?? 0.01) * sampleRate), win = Math.round(0.025 * sampleRate);
  const n = Math.max(0, Math.floor((samples.length - win) / hop) + 1);
  if (!n) return [];
  const e = new Float64Array(n);
  for (let f = 0; f < n; f++) {
    let s = 0;
    for (let i = f * hop; i < f * hop + win; i++) s += samples[i] * samples[i];
    e[f] = Math.log10(s / win + 1e-10);
  }
  const sorted = Float64Array.from(e).sort();
  const floor = sorted[Math.floor(0.1 * (n - 1))], peak = sorted[Math.floor(0.95 * (n - 1))];
  const thr = floor + (o.relThreshold ?? 0.35) * (peak - floor);
  const regions: Region[] = [];
  let start = -1;
  const t = (f: number) => (f * hop + win / 2) / sampleRate;
  for (let f = 0; f <= n; f++) {
    const speech = f < n && e[f] > thr;
    if (speech && start < 0) start = f;
    if (!speech && start >= 0) {
      regions.push({
        start: Math.max(0, t(start) - hop / sampleRate / 2),
        end: t(f - 1) + hop / sampleRate / 2,
      });
      start = -1;
    }
  }
  return cleanRegions(regions, o.minSpeech ?? 0.25, o.minSilence ?? 0.3);
}

/** Bridges pauses shorter than `minSilence`, then drops regions shorter than `minSpeech`. */
export function cleanRegions(regions: readonly Region[], minSpeech: number, minSilence: number): Region[] {
  const merged: Region[] = [];
  for (const r of [...regions].sort((a, b) => a.start - b.start)) {
    const last = merged.at(-1);
    if (last && r.start - last.end < minSilence) {
      merged[merged.length - 1] = { start: last.start, end: Math.max(last.end, r.end) };
    } else merged.push({ ...r });
  }
  return merged.filter((r) => r.end - r.start >= minSpeech);
}

/**
 * Windows of `length` s every `step` s inside each speech region; a region shorter than a window gets
 * one window of its own length, and the last window of a region is aligned to its end.
 */
export function slidingWindows(
  regions: readonly Region[],
  length: number,
  step: number,
  minLength = 0.2,
): Region[] {
  if (!(length > 0) || !(step > 0)) {
    // a zero or negative step would never leave the first region
    throw new RangeError(
      `slidingWindows: window length and step must be > 0 seconds, got ${length} and ${step}`,
    );
  }
  const out: Region[] = [];
  for (const r of regions) {
    const dur = r.end - r.start;
    if (dur < minLength) continue;
    if (dur <= length) {
      out.push({ start: r.start, end: r.end });
      continue;
    }
    let s = r.start;
    for (; s + length < r.end - 1e-9; s += step) out.push({ start: s, end: s + length });
    const lastStart = r.end - length;
    if (out.at(-1)!.start < lastStart - 1e-9) out.push({ start: lastStart, end: r.end });
  }
  return out;
}

/**
 * Labelled windows -> speaker turns. Where consecutive windows overlap, the boundary goes to the middle
 * of the overlap (as VBx does); adjacent pieces with the same label are merged.
 */
export function windowsToTurns(
  windows: readonly Region[],
  labels: ArrayLike<number>,
  file: string,
  names?: (l: number) => string,
): Turn[] {
  const idx = windows.map((_, i) => i).sort((a, b) =>
    windows[a].start - windows[b].start || windows[a].end - windows[b].end
  );
  const pieces: { start: number; end: number; label: number }[] = [];
  for (let k = 0; k < idx.length; k++) {
    const w = windows[idx[k]];
    const prev = k > 0 ? windows[idx[k - 1]] : undefined,
      next = k + 1 < idx.length ? windows[idx[k + 1]] : undefined;
    const start = prev && prev.end > w.start ? (prev.end + w.start) / 2 : w.start;
    const end = next && next.start < w.end ? (w.end + next.start) / 2 : w.end;
    if (end <= start) continue;
    const last = pieces.at(-1);
    const label = labels[idx[k]];
    if (last && last.label === label && start - last.end < 1e-6) last.end = end;
    else pieces.push({ start, end, label });
  }
  const name = names ?? ((l: number) => `spk${l}`);
  return pieces.map((p) => ({
    file,
    channel: "1",
    onset: Math.round(p.start * 1000) / 1000,
    duration: Math.round((p.end - p.start) * 1000) / 1000,
    speaker: name(p.label),
  }));
}
