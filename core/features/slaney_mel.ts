/**
 * The fixed tables of NeMo's front end: torch's symmetric (periodic=False) windows and librosa's Slaney
 * mel scale and filterbank (librosa.filters.mel, htk=False), rounded to float32 as librosa stores them.
 * @module
 */
import type { NemoMelOptions } from "./nemo_mel_options.ts";

/** torch's symmetric (periodic=False) window of length n. */
export function torchWindow(kind: NemoMelOptions["window"], n: number): Float64Array {
  const w = new Float64Array(n);
  const d = n - 1;
  for (let i = 0; i < n; i++) {
    const a = (2 * Math.PI * i) / d;
    switch (kind) {
      case "hann":
        w[i] = 0.5 - 0.5 * Math.cos(a);
        break;
      case "hamming":
        w[i] = 0.54 - 0.46 * Math.cos(a);
        break;
      case "blackman":
        w[i] = 0.42 - 0.5 * Math.cos(a) + 0.08 * Math.cos(2 * a);
        break;
      case "bartlett":
        w[i] = 1 - Math.abs((2 * i) / d - 1);
        break;
      case "ones":
        w[i] = 1;
        break;
    }
  }
  return w;
}

/** Slaney's mel scale (librosa htk=False): linear below 1 kHz, logarithmic above. */
export function hzToMelSlaney(hz: number): number {
  const fSp = 200 / 3, minLogHz = 1000, minLogMel = minLogHz / fSp, logstep = Math.log(6.4) / 27;
  return hz >= minLogHz ? minLogMel + Math.log(hz / minLogHz) / logstep : hz / fSp;
}

/** Inverse of {@link hzToMelSlaney}. */
export function melToHzSlaney(mel: number): number {
  const fSp = 200 / 3, minLogHz = 1000, minLogMel = minLogHz / fSp, logstep = Math.log(6.4) / 27;
  return mel >= minLogMel ? minLogHz * Math.exp(logstep * (mel - minLogMel)) : fSp * mel;
}

/**
 * librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax, htk=False, norm) as [nMels][nFft/2+1], rounded to
 * float32 the way librosa stores it (triangle, then the slaney factor applied to the float32 weights).
 */
export function slaneyMelFilterbank(
  sr: number,
  nFft: number,
  nMels: number,
  fmin: number,
  fmax: number,
  norm: "slaney" | "none" = "slaney",
): Float32Array[] {
  const bins = Math.floor(nFft / 2) + 1;
  const minMel = hzToMelSlaney(fmin), maxMel = hzToMelSlaney(fmax);
  const melF = new Float64Array(nMels + 2);
  for (let i = 0; i < nMels + 2; i++) {
    // np.linspace: start + i * step, the last point exactly `stop`.
    const m = i === nMels + 1 ? maxMel : minMel + (i * (maxMel - minMel)) / (nMels + 1);
    melF[i] = melToHzSlaney(m);
  }
  const out: Float32Array[] = [];
  for (let i = 0; i < nMels; i++) {
    const w = new Float32Array(bins);
    const lo = melF[i], mid = melF[i + 1], hi = melF[i + 2];
    const enorm = norm === "slaney" ? 2 / (hi - lo) : 1;
    for (let k = 0; k < bins; k++) {
      const f = (k * sr) / nFft;
      const lower = (f - lo) / (mid - lo);
      const upper = (hi - f) / (hi - mid);
      const v = Math.fround(Math.max(0, Math.min(lower, upper)));
      w[k] = Math.fround(v * enorm);
    }
    out.push(w);
  }
  return out;
}
