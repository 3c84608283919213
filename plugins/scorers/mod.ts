/**
 * Built-in scorer plugins. Each file in this folder is one plugin; list it here to register it.
 * @module
 */
import type { PluginDefinition } from "../../core/contracts/base.ts";
import { cosineScorer } from "./cosine.ts";
import { derMetric } from "./der.ts";
import { jerMetric } from "./jer.ts";
import { clusterMetricsMetric } from "./cluster_metrics.ts";
import { irMetricsMetric } from "./ir_metrics.ts";
import { eerMetric } from "./eer.ts";
import { minDcfMetric } from "./min_dcf.ts";
import { actDcfMetric } from "./act_dcf.ts";
import { cllrMetric } from "./cllr.ts";
import { detMetric } from "./det.ts";
import { snormScorer } from "./snorm.ts";
import { asnormScorer } from "./asnorm.ts";
import { asnorm2Scorer } from "./asnorm2.ts";
import { logregCalibration } from "./logreg_calibration.ts";
import { linearFusion } from "./linear_fusion.ts";
import { averageFusion } from "./average_fusion.ts";
import { identificationMetric } from "./identification.ts";
import { detectionMetric } from "./detection_metrics.ts";
import { purityCoverageMetric } from "./purity_coverage.ts";

/** Every built-in plugin of this kind. */
export const plugins: PluginDefinition[] = [
  cosineScorer,
  derMetric,
  jerMetric,
  clusterMetricsMetric,
  irMetricsMetric,
  eerMetric,
  minDcfMetric,
  actDcfMetric,
  cllrMetric,
  detMetric,
  snormScorer,
  asnormScorer,
  asnorm2Scorer,
  logregCalibration,
  linearFusion,
  averageFusion,
  identificationMetric,
  detectionMetric,
  purityCoverageMetric,
];
