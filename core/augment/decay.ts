/**
 * Reverberation time of an impulse response from its energy decay curve: Schroeder's backward
 * integration (M. R. Schroeder, "New method of measuring reverberation time", JASA 37, 1965),
 * EDC(t) = Σ_{τ≥t} h²(τ) in dB re. the total, and a least-squares line through the part between
 * `from` and `to` dB (ISO 3382: T20 = −5..−25 dB, T30 = −5..−35 dB) extrapolated to −60 dB.
 * @module
 */

/** The energy decay curve of h in dB (0 dB at t = 0). */
export function schroederDb(h: ArrayLike<number>): Float64Array {
  const n = h.length, edc = new Float64Array(n);
  let acc = 0;
  for (let i = n - 1; i >= 0; i--) {
    acc += h[i] * h[i];
    edc[i] = acc;
  }
  const total = edc[0] || 1;
  for (let i = 0; i < n; i++) edc[i] = 10 * Math.log10(edc[i] / total);
  return edc;
}

/** RT60 (s) from the decay between `from` and `to` dB (T30 by default: −5 to −35). */
export function decayRt60(
  h: ArrayLike<number>,
  sampleRate: number,
  from = -5,
  to = -35,
): { rt60: number; slopeDbPerSecond: number } {
  const edc = schroederDb(h);
  let sx = 0, sy = 0, sxx = 0, sxy = 0, n = 0;
  for (let i = 0; i < edc.length; i++) {
    if (edc[i] > from || edc[i] < to) continue;
    const t = i / sampleRate;
    sx += t;
    sy += edc[i];
    sxx += t * t;
    sxy += t * edc[i];
    n++;
  }
  if (n < 2) throw new RangeError(`decayRt60: the response never decays from ${from} to ${to} dB`);
  const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  return { rt60: -60 / slope, slopeDbPerSecond: slope };
}
