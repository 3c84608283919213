/**
 * Learning-rate schedules: linear warm-up then constant, cosine or exponential decay.
 * @module
 */

/** Options of {@link lrSchedule}. */
export interface ScheduleConfig {
  /** Peak learning rate (reached at the end of warm-up). */
  base: number;
  /** Warm-up steps (linear from base/warmup to base). */
  warmupSteps?: number;
  /** Decay after warm-up. */
  decay?: "constant" | "cosine" | "exponential";
  /** Total steps (cosine reaches `minLr` here). */
  totalSteps?: number;
  /** Floor of the cosine schedule. */
  minLr?: number;
  /** Per-step factor of the exponential schedule. */
  gamma?: number;
}

/** Returns lr(step) for step = 0, 1, ... */
export function lrSchedule(c: ScheduleConfig): (step: number) => number {
  const warm = c.warmupSteps ?? 0, decay = c.decay ?? "constant", minLr = c.minLr ?? 0;
  if (decay === "cosine" && !(c.totalSteps && c.totalSteps > warm)) {
    throw new RangeError(
      `lrSchedule: cosine decay needs totalSteps > warmupSteps (${c.totalSteps} vs ${warm})`,
    );
  }
  return (step) => {
    if (step < warm) return (c.base * (step + 1)) / warm;
    const s = step - warm;
    if (decay === "cosine") {
      const p = Math.min(1, s / (c.totalSteps! - warm));
      return minLr + (c.base - minLr) * 0.5 * (1 + Math.cos(Math.PI * p));
    }
    if (decay === "exponential") return Math.max(minLr, c.base * (c.gamma ?? 0.999) ** s);
    return c.base;
  };
}
