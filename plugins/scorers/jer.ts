/**
 * `jer` metric: Jaccard error rate as dscore computes it (frames, no collar, overlap scored).
 * Input: `{ reference: Turn[], hypothesis: Turn[], uem?: Uem }`.
 * @module
 */
import type { Metric } from "../../core/contracts/mod.ts";
import { definePlugin, opt } from "../../core/plugin.ts";
import { jaccardErrorRate } from "../../core/diarization/jer.ts";
import { diarizationInput } from "./der.ts";

/** `jer` scorer plugin. */
export const jerMetric = definePlugin({
  kind: "scorer",
  role: "metric",
  name: "jer",
  description: "Jaccard error rate (dscore definition, percent)",
  module: import.meta.url,
  options: {
    step: opt.number(0.01, "frame step in seconds (dscore default 0.01)", { gt: 0 }),
    minRefDuration: opt.number(0, "ignore reference speakers with less speech than this (seconds)", {
      min: 0,
    }),
  },
  create: (c): Metric => ({
    role: "metric",
    compute(input) {
      const { ref, sys, uem } = diarizationInput(input, "jer");
      const r = jaccardErrorRate(ref, sys, { ...c, uem });
      return { jer: r.overall, files: r.files.length };
    },
  }),
});
