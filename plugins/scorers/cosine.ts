/**
 * Cosine scoring of trials: score = cos(enroll[i], test[j]).
 * Rows are L2-normalised once; when the trials cover a large share of all enroll x test pairs the
 * whole score matrix is computed by the distance kernel (WASM) and gathered, otherwise each trial is
 * one dot product.
 * @module
 */
import type { TrialScorer } from "../../core/contracts/mod.ts";
import { definePlugin, opt } from "../../core/plugin.ts";
import { dotMatrix, l2NormalizeRows } from "../../core/kernels/distance.ts";

/** `cosine` scorer plugin. */
export const cosineScorer = definePlugin({
  kind: "scorer",
  role: "score",
  name: "cosine",
  description: "cosine similarity between enrollment and test embeddings",
  module: import.meta.url,
  options: { offset: opt.number(0, "constant subtracted from every score (0 = none)") },
  create(c): TrialScorer {
    return {
      role: "score",
      score(enroll, test, trials) {
        if (enroll.cols !== test.cols) {
          throw new RangeError(`enrollment dim ${enroll.cols} != test dim ${test.cols}`);
        }
        const n = trials.enroll.length;
        if (trials.test.length !== n) {
          throw new RangeError(`trials have ${n} enrollment but ${trials.test.length} test indices`);
        }
        for (let t = 0; t < n; t++) {
          const a = trials.enroll[t], b = trials.test[t];
          if (!(a >= 0 && a < enroll.rows && b >= 0 && b < test.rows)) {
            throw new RangeError(
              `trial ${t} indexes enroll row ${a} / test row ${b} outside ${enroll.rows} / ${test.rows} rows`,
            );
          }
        }
        const e = l2NormalizeRows({ ...enroll, data: enroll.data.slice() });
        const x = l2NormalizeRows({ ...test, data: test.data.slice() });
        const out = new Float32Array(n);
        if (n * 4 >= enroll.rows * test.rows) {
          const full = dotMatrix(e, x).data;
          for (let t = 0; t < n; t++) out[t] = full[trials.enroll[t] * test.rows + trials.test[t]] - c.offset;
          return out;
        }
        const d = enroll.cols;
        for (let t = 0; t < n; t++) {
          const a = trials.enroll[t] * d, b = trials.test[t] * d;
          let ab = 0;
          for (let k = 0; k < d; k++) ab += e.data[a + k] * x.data[b + k];
          out[t] = ab - c.offset;
        }
        return out;
      },
    };
  },
});
