/**
 * Shared options of the logistic-regression calibrators (`logreg-calibration`, `linear-fusion`).
 * Not a plugin itself: plugins/scorers/mod.ts does not list it.
 * @module
 */
import { check } from "../../core/config.ts";
import { ConfigError } from "../../core/errors.ts";
import type { Calibrator } from "../../core/contracts/mod.ts";
import {
  applyLinear,
  type LinearCalibration,
  type LogregOptions,
  trainLogreg,
} from "../../core/scoring/logreg.ts";

/** Options of the logistic-regression calibrators. */
export interface LogregConfig {
  prior: number;
  regularization: number;
  maxIterations: number;
  tolerance: number;
}

/** BOSARIS-style defaults: effective prior 0.5, no penalty. */
export const LOGREG_DEFAULTS: LogregConfig = {
  prior: 0.5,
  regularization: 0,
  maxIterations: 100,
  tolerance: 1e-14,
};

/** Help text per option. */
export const LOGREG_OPTIONS = {
  prior: "effective target prior the training objective is weighted for, in (0, 1) (BOSARIS default 0.5)",
  regularization: "L2 penalty on the weights (>= 0); use e.g. 1e-3 when dev scores are perfectly separable",
  maxIterations: "Newton iterations before giving up (integer >= 1)",
  tolerance: "stop when half the Newton decrement is below this (> 0)",
};

/** Throws a ConfigError naming the option. */
export function validateLogreg(plugin: string, c: LogregConfig): void {
  const comp = `scorer '${plugin}'`;
  if (!(c.prior > 0 && c.prior < 1)) {
    throw new ConfigError(comp, `'prior' must be in (0, 1) exclusive, got ${c.prior}`);
  }
  check.nonNegative(comp, "regularization", c.regularization);
  check.integer(comp, "maxIterations", c.maxIterations, 1, 100000);
  check.positive(comp, "tolerance", c.tolerance);
}

/** A calibrator backed by trainLogreg; `systemsAllowed` limits the number of systems (1 for calibration). */
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
