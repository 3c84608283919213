/**
 * Shared pieces of the augmenter plugins (plugins/adapters/aug_*.ts): a [lo, hi] range option, the
 * probability gate every augmenter has, and the waveform / feature augmenter objects built around it.
 * @module
 */
import { opt, type OptionDecl } from "../options.ts";
import type { AppliedAugmentation, AugmentContext, Augmenter } from "../contracts/augment.ts";
import type { Matrix } from "../matrix.ts";

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

/** One augmentation of `x`: the new input and the draws to log. */
export type AugmentDraw<T> = (x: T, ctx: AugmentContext) => { out: T; applied: Record<string, unknown> };

/** What {@link waveformAugmenter} and {@link featureAugmenter} build an augmenter from. */
export interface GatedAugmenter<T> {
  /** Registry name, logged with every draw. */
  readonly name: string;
  /** Probability of augmenting an input (see {@link gated}). */
  readonly prob: number;
  /** The augmentation, run when the gate opens. */
  readonly draw: AugmentDraw<T>;
  /** Facts to report (sources, ranges, seeds). */
  readonly info: () => Record<string, unknown>;
}

/**
 * A waveform augmenter running `draw` through {@link gated}. With `sampleRate`, an input at another rate
 * is refused before the gate: "input is <rate> Hz, <sampleRate.source> <sampleRate.hz> Hz".
 */
export function waveformAugmenter(
  a: GatedAugmenter<Float32Array> & {
    readonly sampleRate?: { readonly hz: number; readonly source: string };
  },
): Augmenter {
  const rate = a.sampleRate;
  return {
    role: "augment",
    domain: "waveform",
    wave: (x, ctx) => {
      if (rate && ctx.sampleRate !== rate.hz) {
        throw new RangeError(`input is ${ctx.sampleRate} Hz, ${rate.source} ${rate.hz} Hz`);
      }
      return gated(a.name, a.prob, x, ctx, () => a.draw(x, ctx));
    },
    info: a.info,
  };
}

/** A feature-matrix augmenter (frames x bins) running `draw` through {@link gated}. */
export function featureAugmenter(a: GatedAugmenter<Matrix>): Augmenter {
  return {
    role: "augment",
    domain: "features",
    features: (x, ctx) => gated(a.name, a.prob, x, ctx, () => a.draw(x, ctx)),
    info: a.info,
  };
}
