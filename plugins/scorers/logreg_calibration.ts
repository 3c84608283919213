/**
 * Linear calibration of one system to log-likelihood ratios by prior-weighted logistic regression
 * (BOSARIS `train_linear_calibration`): llr = a * score + b, trained on a development set.
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

/** `logreg-calibration` calibrator plugin. */
export const logregCalibration: ScorerPlugin<LogregConfig, Calibrator> = {
  kind: "scorer",
  name: "logreg-calibration",
  description:
    "one system's scores to llrs: prior-weighted logistic regression (BOSARIS), fit on dev, apply on eval",
  defaults: LOGREG_DEFAULTS,
  options: LOGREG_OPTIONS,
  validate: (c) => validateLogreg("logreg-calibration", c),
  create: (c) => logregCalibrator("logreg-calibration", c, true),
};
