/**
 * Combining augmenters per crop as WeSpeaker does (`dataset/processor.py` `add_reverb_noise`): with
 * probability `prob` one augmenter, drawn by weight, is applied; otherwise the crop passes through.
 * @module
 */
import type { AppliedAugmentation, AugmentContext, Augmenter } from "../contracts/augment.ts";

/** One choice of {@link oneOf}. */
export interface WeightedAugmenter {
  readonly name: string;
  readonly augmenter: Augmenter;
  readonly weight?: number;
}

/** An augmenter that applies, with probability `prob`, one of `choices` drawn by weight. */
export function oneOf(choices: readonly WeightedAugmenter[], prob: number): Augmenter {
  if (!choices.length) throw new RangeError("oneOf: give at least one augmenter");
  if (!(prob >= 0 && prob <= 1)) throw new RangeError(`oneOf: prob must be in [0, 1], got ${prob}`);
  const domain = choices[0].augmenter.domain;
  for (const c of choices) {
    if (c.augmenter.domain !== domain) {
      throw new RangeError(
        `oneOf: '${c.name}' works on ${c.augmenter.domain}, '${choices[0].name}' on ${domain}`,
      );
    }
    if (!((c.weight ?? 1) >= 0)) throw new RangeError(`oneOf: weight of '${c.name}' must be >= 0`);
  }
  const total = choices.reduce((s, c) => s + (c.weight ?? 1), 0);
  if (!(total > 0)) throw new RangeError("oneOf: the weights sum to 0");
  const pick = (ctx: AugmentContext): WeightedAugmenter | null => {
    if (!(ctx.rng.next() < prob)) return null;
    let u = ctx.rng.next() * total;
    for (const c of choices) {
      u -= c.weight ?? 1;
      if (u < 0) return c;
    }
    return choices[choices.length - 1];
  };
  const none = (ctx: AugmentContext) => ctx.log?.push({ augmenter: "none" } as AppliedAugmentation);
  return {
    role: "augment",
    domain,
    ...(domain === "waveform"
      ? {
        wave(x, ctx) {
          const c = pick(ctx);
          if (!c) return none(ctx), x;
          return c.augmenter.wave!(x, ctx);
        },
      }
      : {
        features(x, ctx) {
          const c = pick(ctx);
          if (!c) return none(ctx), x;
          return c.augmenter.features!(x, ctx);
        },
      }),
    info: () => ({ prob, choices: choices.map((c) => ({ name: c.name, weight: c.weight ?? 1 })) }),
  };
}

/** Applies augmenters in order (e.g. reverberation, then noise). */
export function sequence(steps: readonly Augmenter[]): Augmenter {
  if (!steps.length) throw new RangeError("sequence: give at least one augmenter");
  const domain = steps[0].domain;
  if (steps.some((s) => s.domain !== domain)) {
    throw new RangeError("sequence: mixed waveform/feature augmenters");
  }
  return {
    role: "augment",
    domain,
    ...(domain === "waveform"
      ? { wave: (x, ctx) => steps.reduce((y, s) => s.wave!(y, ctx), x) }
      : { features: (x, ctx) => steps.reduce((y, s) => s.features!(y, ctx), x) }),
  };
}
