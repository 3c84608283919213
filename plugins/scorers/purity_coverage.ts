/**
 * `purity-coverage` metric (scorer role `metric`): diarization purity and coverage as pyannote.metrics
 * defines them (DiarizationPurity / DiarizationCoverage, durations in seconds, no UEM or collar as in
 * pyannote; see core/diarization/pyannote_metrics.ts). Input `{ reference: Turn[], hypothesis: Turn[] }`.
 * @module
 */
import { definePlugin } from "../../core/plugin.ts";
import { purityCoverage } from "../../core/diarization/pyannote_metrics.ts";
import { diarizationInput } from "./der.ts";

/** `purity-coverage` metric plugin. */
export const purityCoverageMetric = definePlugin({
  kind: "scorer",
  role: "metric",
  name: "purity-coverage",
  description: "diarization purity and coverage (pyannote.metrics): cluster vs speaker consistency",
  module: import.meta.url,
  options: {},
  create() {
    return {
      role: "metric" as const,
      compute(input: Record<string, unknown>) {
        const { ref, sys } = diarizationInput(input, "purity-coverage");
        return { ...purityCoverage(ref, sys) };
      },
    };
  },
});
