/**
 * Cosine scoring of trials: score = cos(enroll[i], test[j]).
 * @module
 */
import type { ScorerPlugin, TrialScorer } from "../../core/contracts/mod.ts";
import { check } from "../../core/config.ts";

/** Options of the cosine scorer. */
export interface CosineConfig {
  /** Subtract this many from every score (a fixed offset, 0 = none). */
  offset: number;
}

/** `cosine` scorer plugin. */
export const cosineScorer: ScorerPlugin<CosineConfig, TrialScorer> = {
  kind: "scorer",
  name: "cosine",
  description: "cosine similarity between enrollment and test embeddings",
  defaults: { offset: 0 },
  options: { offset: "constant subtracted from every score" },
  validate(c) {
    if (!Number.isFinite(c.offset)) check.range("scorer 'cosine'", "offset", c.offset, -1e9, 1e9);
  },
  create(c) {
    return {
      role: "score",
      score(enroll, test, trials) {
        if (enroll.cols !== test.cols) {
          throw new RangeError(`enrollment dim ${enroll.cols} != test dim ${test.cols}`);
        }
        const d = enroll.cols;
        const out = new Float32Array(trials.enroll.length);
        for (let t = 0; t < out.length; t++) {
          const a = trials.enroll[t] * d, b = trials.test[t] * d;
          let ab = 0, aa = 0, bb = 0;
          for (let k = 0; k < d; k++) {
            const x = enroll.data[a + k], y = test.data[b + k];
            ab += x * y;
            aa += x * x;
            bb += y * y;
          }
          out[t] = ab / Math.sqrt(aa * bb || 1) - c.offset;
        }
        return out;
      },
    };
  },
};
