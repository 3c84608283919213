/**
 * A simple energy VAD (25 ms frames every 10 ms, log energy thresholded between the noise floor and
 * the peak, pauses bridged and blips dropped): the fallback when no neural VAD is available.
 * @module
 */
import type { Region } from "../contracts/vad.ts";

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
