/**
 * Segment helpers for diarization: sliding windows over speech regions, merging regions, and the
 * conversion of labelled (overlapping) windows to speaker turns.
 * @module
 */
import type { Region } from "../contracts/vad.ts";
import type { Turn } from "./rttm.ts";

export type { Region };

/** Merges overlapping or touching regions (sorted by start). */
export function mergeRegions(regions: readonly Region[]): Region[] {
  const out: Region[] = [];
  for (const g of [...regions].sort((a, b) => a.start - b.start)) {
    const last = out.at(-1);
    if (last && g.start <= last.end) {
      out[out.length - 1] = { start: last.start, end: Math.max(last.end, g.end) };
    } else out.push(g);
  }
  return out;
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
