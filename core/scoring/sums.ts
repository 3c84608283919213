/**
 * Compensated sums for metrics that peers compare with `==` (numpy's tests and hyperion expect Cllr = 1
 * exactly for all-zero LLRs; a term-by-term sum of 100 x ln 2 gives 1.0000000000000009).
 *
 * - {@link neumaierSum}: Kahan-Babuska-Neumaier summation (Neumaier 1974): the running error of each
 *   addition is kept in a second accumulator, so the result is the correctly rounded sum except in
 *   pathological cancellation.
 * - {@link exactMean}: `x0 + neumaierSum(x - x0) / n`: equal inputs give exactly that value (a rounded sum
 *   divided by n does not: 47 x ln 2 / 47 != ln 2), and the shift keeps the summands small.
 * @module
 */

/** Neumaier-compensated sum of `values` mapped through `f` (identity by default). */
export function neumaierSum(values: ArrayLike<number>, f: (x: number) => number = (x) => x): number {
  let s = 0, c = 0;
  for (let i = 0; i < values.length; i++) {
    const x = f(values[i]);
    const t = s + x;
    c += Math.abs(s) >= Math.abs(x) ? (s - t) + x : (x - t) + s;
    s = t;
  }
  return s + c;
}

/** Mean of `f(values)` as `y0 + compensated sum(y - y0) / n`: exact for equal values; NaN when empty. */
export function exactMean(values: ArrayLike<number>, f: (x: number) => number = (x) => x): number {
  const n = values.length;
  if (n === 0) return NaN;
  const y0 = f(values[0]);
  if (!Number.isFinite(y0)) return neumaierSum(values, f) / n;
  return y0 + neumaierSum(values, (x) => f(x) - y0) / n;
}
