/**
 * Shared options of the logistic-regression calibrators (`logreg-calibration`, `linear-fusion`).
 * Not a plugin itself: plugins/scorers/mod.ts does not list it.
 * @module
 */
import { type ConfigOf, opt } from "../../core/options.ts";
import type { Calibrator } from "../../core/contracts/mod.ts";
import {
  applyLinear,
  type LinearCalibration,
  type LogregOptions,
  trainLogreg,
} from "../../core/scoring/logreg.ts";

/** Options of the logistic-regression calibrators; BOSARIS-style defaults: effective prior 0.5, no penalty. */
export const LOGREG_OPTIONS = {
  prior: opt.number(
    0.5,
    "effective target prior the training objective is weighted for (BOSARIS default 0.5)",
    { gt: 0, lt: 1 },
  ),
  regularization: opt.number(
    0,
    "L2 penalty on the weights; use e.g. 1e-3 when dev scores are perfectly separable",
    { min: 0 },
  ),
  maxIterations: opt.integer(100, "Newton iterations before giving up", { min: 1, max: 100000 }),
  tolerance: opt.number(1e-14, "stop when half the Newton decrement is below this", { gt: 0 }),
};

/** Options of the logistic-regression calibrators. */
export type LogregConfig = ConfigOf<typeof LOGREG_OPTIONS>;

/** A calibrator backed by trainLogreg; `single` limits it to one system (calibration, not fusion). */
export function logregCalibrator(plugin: string, c: LogregConfig, single: boolean): Calibrator {
  let model: LinearCalibration | undefined;
  const opts: LogregOptions = c;
  const count = (systems: readonly Float32Array[]) => {
    if (single && systems.length !== 1) {
      throw new RangeError(
        `'${plugin}' calibrates exactly one system, got ${systems.length}; use 'linear-fusion' for several`,
      );
    }
  };
  return {
    role: "calibrate",
    fit(systems, labels) {
      count(systems);
      model = trainLogreg(systems, labels, opts, plugin);
    },
    apply(systems) {
      if (!model) throw new RangeError(`'${plugin}' must be fit() on a development set before apply()`);
      count(systems);
      return applyLinear(model, systems, plugin);
    },
    state: () => ({ ...(model ?? {}), prior: c.prior, regularization: c.regularization }),
  };
}
