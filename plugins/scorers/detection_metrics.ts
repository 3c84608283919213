/**
 * `detection` metric (scorer role `metric`): speech-activity detection as pyannote.metrics defines it
 * (DetectionErrorRate, DetectionPrecision, DetectionRecall, F-measure, DetectionAccuracy; see
 * core/diarization/pyannote_metrics.ts). Input `{ reference: Turn[], hypothesis: Turn[], uem? }`; every
 * turn counts as speech whatever its speaker. Judges a VAD or a segmentation model.
 * @module
 */
import { definePlugin, opt } from "../../core/plugin.ts";
import { detectionMetrics } from "../../core/diarization/pyannote_metrics.ts";
import { diarizationInput } from "./der.ts";

/** `detection` metric plugin. */
export const detectionMetric = definePlugin({
  kind: "scorer",
  role: "metric",
  name: "detection",
  description: "speech detection error rate, precision, recall, F-measure, accuracy (pyannote.metrics)",
  module: import.meta.url,
  options: {
    collar: opt.number(0, "no-score collar: TOTAL width in seconds around reference boundaries (pyannote)", {
      min: 0,
    }),
    skipOverlap: opt.boolean(false, "do not score regions where reference turns overlap"),
    beta: opt.number(1, "F-measure beta (> 1 favours recall)", { gt: 0 }),
  },
  create(c) {
    return {
      role: "metric" as const,
      compute(input: Record<string, unknown>) {
        const { ref, sys, uem } = diarizationInput(input, "detection");
        return { ...detectionMetrics(ref, sys, { ...c, uem }) };
      },
    };
  },
});
