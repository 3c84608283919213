/**
 * Shared pieces of the augmenter plugins (plugins/adapters/aug_*.ts): a [lo, hi] range option and
 * the probability gate every augmenter has.
 * @module
 */
import { opt, type OptionDecl } from "../options.ts";
import type { AppliedAugmentation, AugmentContext } from "../contracts/augment.ts";

/** A [lo, hi] option with lo <= hi, both within bounds. */
export function rangeOption(
  def: readonly [number, number],
  help: string,
  b: { min?: number; max?: number; integer?: boolean } = {},
): OptionDecl<number[]> {
  return {
    ...opt.numbers(def, `${help} as [lo, hi]`, b),
    check: (v) => (v.length !== 2 || !(v[0] <= v[1]) ? `give two values lo <= hi, got [${v}]` : undefined),
  };
}

/** The `prob` option: how often the augmenter acts (else the input passes through). */
export const probOption: OptionDecl<number> = opt.number(
  1,
  "probability of augmenting an input (else it passes through unchanged)",
  { min: 0, max: 1 },
);

/**
 * Runs `apply` with probability `prob` (one draw from ctx.rng when prob < 1) and logs what it did
 * under `name`; otherwise logs { augmenter: "none" } and returns `x`.
 */
export function gated<T>(
  name: string,
  prob: number,
  x: T,
  ctx: AugmentContext,
  apply: () => { out: T; applied: Record<string, unknown> },
): T {
  if (prob < 1 && !(ctx.rng.next() < prob)) {
    ctx.log?.push({ augmenter: "none" });
    return x;
  }
  const r = apply();
  ctx.log?.push({ augmenter: name, ...r.applied } as AppliedAugmentation);
  return r.out;
}
