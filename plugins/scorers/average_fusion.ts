/**
 * Plain score averaging of several systems (optionally weighted). Not a calibration: fit() only
 * checks the inputs, so it can sit where a trained fusion would.
 * @module
 */
import type { Calibrator } from "../../core/contracts/mod.ts";
import { definePlugin, opt } from "../../core/plugin.ts";

/** `average-fusion` plugin. */
export const averageFusion = definePlugin({
  kind: "scorer",
  role: "calibrate",
  name: "average-fusion",
  description: "average of several systems' scores (optionally weighted); no training",
  module: import.meta.url,
  options: {
    weights: {
      ...opt.numbers([], "one weight per system (normalised to sum 1); empty = equal weights", { min: 0 }),
      check: (
        w: number[],
      ) => (w.length && !(w.reduce((a, b) => a + b, 0) > 0) ? "must not all be zero" : undefined),
    },
  },
  create(c): Calibrator {
    const apply = (systems: readonly Float32Array[]) => {
      const S = systems.length;
      if (S === 0) throw new RangeError("average-fusion: needs at least one system");
      if (c.weights.length && c.weights.length !== S) {
        throw new RangeError(`average-fusion: ${c.weights.length} weights configured for ${S} systems`);
      }
      const w = c.weights.length ? c.weights : new Array(S).fill(1);
      const tot = w.reduce((a, b) => a + b, 0);
      const n = systems[0].length;
      const out = new Float32Array(n);
      systems.forEach((s, k) => {
        if (s.length !== n) {
          throw new RangeError(`average-fusion: system ${k} has ${s.length} scores, system 0 has ${n}`);
        }
        for (let i = 0; i < n; i++) out[i] += (w[k] / tot) * s[i];
      });
      return out;
    };
    return {
      role: "calibrate",
      fit(systems, labels) {
        if (systems.some((s) => s.length !== labels.length)) {
          throw new RangeError("average-fusion: every system needs one score per label");
        }
        apply(systems);
      },
      apply,
      state: () => ({ weights: c.weights }),
    };
  },
});
