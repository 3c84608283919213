/**
 * Linear fusion of several systems into one calibrated llr by prior-weighted logistic regression
 * (BOSARIS `train_llr_fusion`): llr = sum_k w_k * s_k + b.
 * @module
 */
import type { Calibrator, ScorerPlugin } from "../../core/contracts/mod.ts";
import {
  LOGREG_DEFAULTS,
  LOGREG_OPTIONS,
  logregCalibrator,
  type LogregConfig,
  validateLogreg,
} from "./logreg_config.ts";

/** `linear-fusion` calibrator plugin. */
export const linearFusion: ScorerPlugin<LogregConfig, Calibrator> = {
  kind: "scorer",
  name: "linear-fusion",
  description: "fuse several systems into calibrated llrs: prior-weighted logistic regression (BOSARIS)",
  defaults: LOGREG_DEFAULTS,
  options: LOGREG_OPTIONS,
  validate: (c) => validateLogreg("linear-fusion", c),
  create: (c) => logregCalibrator("linear-fusion", c, false),
};
