/**
 * Within-class covariance normalisation (Hatch et al. 2006): W = average over speakers of each
 * speaker's covariance (every speaker weighs the same), B = chol(W^-1) (lower), x -> B^T x, so the
 * within-class covariance becomes identity.
 * @module
 */
import type { Adapter, AdapterData } from "../../core/contracts/mod.ts";
import type { Matrix } from "../../core/matrix.ts";
import { definePlugin, opt } from "../../core/plugin.ts";
import { cholesky, invSpd } from "../../core/scoring/linalg.ts";

/** `wccn` adapter plugin. */
export const wccnAdapter = definePlugin({
  kind: "adapter",
  name: "wccn",
  description: "within-class covariance normalisation: x -> chol(W^-1)^T x (W = mean per-speaker covariance)",
  module: import.meta.url,
  options: {
    regularization: opt.number(0, "added to W's diagonal when speakers have few embeddings", { min: 0 }),
  },
  create(c): Adapter {
    let b: Float64Array | undefined;
    let d = 0;
    return {
      fit(data: AdapterData) {
        const { x, labels } = data;
        if (!labels || labels.length !== x.rows) {
          throw new RangeError("wccn: fit needs one speaker label per embedding");
        }
        d = x.cols;
        const groups = new Map<number, number[]>();
        labels.forEach((l, i) => (groups.get(l) ?? groups.set(l, []).get(l)!).push(i));
        if (groups.size < 1) throw new RangeError("wccn: no labelled embeddings");
        const w = new Float64Array(d * d), m = new Float64Array(d), diff = new Float64Array(d);
        for (const rows of groups.values()) {
          m.fill(0);
          for (const r of rows) for (let j = 0; j < d; j++) m[j] += x.data[r * d + j] / rows.length;
          for (const r of rows) {
            for (let j = 0; j < d; j++) diff[j] = x.data[r * d + j] - m[j];
            for (let a = 0; a < d; a++) {
              for (let q = 0; q <= a; q++) w[a * d + q] += (diff[a] * diff[q]) / rows.length / groups.size;
            }
          }
        }
        for (let a = 0; a < d; a++) for (let q = 0; q < a; q++) w[q * d + a] = w[a * d + q]; // symmetric
        for (let i = 0; i < d; i++) w[i * d + i] += c.regularization;
        b = cholesky(
          invSpd(w, d, "wccn: within-class covariance"),
          d,
          "wccn: inverse within-class covariance",
        );
      },
      transform(x: Matrix): Matrix {
        if (!b) throw new RangeError("wccn: call fit() with labelled embeddings before transform()");
        if (x.cols !== d) throw new RangeError(`wccn: fitted on ${d}-d embeddings, got ${x.cols}-d`);
        const out = new Float32Array(x.rows * d);
        for (let i = 0; i < x.rows; i++) {
          for (let q = 0; q < d; q++) {
            let s = 0;
            for (let j = q; j < d; j++) s += x.data[i * d + j] * b[j * d + q]; // (x B)_q, B lower
            out[i * d + q] = s;
          }
        }
        return { rows: x.rows, cols: d, data: out };
      },
      state: () => ({ dim: d }),
    };
  },
});
