/**
 * Linear calibration of one system to log-likelihood ratios by prior-weighted logistic regression
 * (BOSARIS `train_linear_calibration`): llr = a * score + b, trained on a development set.
 * @module
 */
import { definePlugin } from "../../core/plugin.ts";
import { LOGREG_OPTIONS, logregCalibrator } from "./logreg_config.ts";

/** `logreg-calibration` calibrator plugin. */
export const logregCalibration = definePlugin({
  kind: "scorer",
  role: "calibrate",
  name: "logreg-calibration",
  description:
    "one system's scores to llrs: prior-weighted logistic regression (BOSARIS), fit on dev, apply on eval",
  module: import.meta.url,
  options: LOGREG_OPTIONS,
  create: (c) => logregCalibrator("logreg-calibration", c, true),
});
