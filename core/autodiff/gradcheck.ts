/**
 * Finite-difference gradient check: compares back-propagated gradients with central differences.
 * @module
 */
import type { Tensor } from "./tensor.ts";

/** Result of {@link gradCheck}: the worst relative error and where it was. */
export interface GradCheckResult {
  maxRelError: number;
  worst: { input: number; index: number; analytic: number; numeric: number } | null;
  checked: number;
}

/**
 * Checks d f / d inputs. `f` must rebuild the graph from the inputs each call and return a scalar.
 * Checks up to `maxPerInput` evenly spread entries of each input. Float32 forward passes make
 * central differences noisy, so the error is |a - n| / max(1, |a|, |n|) with step `eps`.
 */
export function gradCheck(
  f: () => Tensor,
  inputs: Tensor[],
  opts: { eps?: number; maxPerInput?: number } = {},
): GradCheckResult {
  const eps = opts.eps ?? 1e-2, maxPer = opts.maxPerInput ?? 40;
  for (const t of inputs) t.grad = null;
  f().backward();
  const analytic = inputs.map((t) => Float32Array.from(t.grad ?? new Float32Array(t.size)));
  let maxRel = 0, checked = 0;
  let worst: GradCheckResult["worst"] = null;
  inputs.forEach((t, ti) => {
    const step = Math.max(1, Math.floor(t.size / maxPer));
    for (let i = 0; i < t.size; i += step) {
      const orig = t.data[i];
      t.data[i] = orig + eps;
      const up = f().item();
      t.data[i] = orig - eps;
      const down = f().item();
      t.data[i] = orig;
      const num = (up - down) / (2 * eps);
      const a = analytic[ti][i];
      const rel = Math.abs(a - num) / Math.max(1, Math.abs(a), Math.abs(num));
      checked++;
      if (rel > maxRel) {
        maxRel = rel;
        worst = { input: ti, index: i, analytic: a, numeric: num };
      }
    }
  });
  for (const t of inputs) t.grad = null;
  return { maxRelError: maxRel, worst, checked };
}
