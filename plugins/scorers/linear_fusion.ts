/**
 * Linear fusion of several systems into one calibrated llr by prior-weighted logistic regression
 * (BOSARIS `train_llr_fusion`): llr = sum_k w_k * s_k + b.
 * @module
 */
import { definePlugin } from "../../core/plugin.ts";
import { LOGREG_OPTIONS, logregCalibrator } from "./logreg_config.ts";

/** `linear-fusion` calibrator plugin. */
export const linearFusion = definePlugin({
  kind: "scorer",
  role: "calibrate",
  name: "linear-fusion",
  description: "fuse several systems into calibrated llrs: prior-weighted logistic regression (BOSARIS)",
  module: import.meta.url,
  options: LOGREG_OPTIONS,
  create: (c) => logregCalibrator("linear-fusion", c, false),
});
