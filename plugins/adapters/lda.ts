/**
 * Linear discriminant analysis: directions maximising between-speaker over within-speaker variance
 * (generalised eigenproblem Sb v = lambda Sw v, scipy.linalg.eigh semantics: V^T Sw V = I), so the
 * output has identity within-class covariance. x -> (x - mean) V[:, :dim].
 * @module
 */
import type { Adapter, AdapterData } from "../../core/contracts/mod.ts";
import type { Matrix } from "../../core/matrix.ts";
import { definePlugin, opt } from "../../core/plugin.ts";
import { classStats, eighGeneralized } from "../../core/scoring/linalg.ts";

/** `lda` adapter plugin. */
export const ldaAdapter = definePlugin({
  kind: "adapter",
  name: "lda",
  description: "LDA projection to `dim` dimensions (within-class covariance becomes identity)",
  module: import.meta.url,
  options: {
    dim: opt.integer(150, "output dimension (at most number of classes - 1 and the input dim)", { min: 1 }),
    regularization: opt.number(0, "added to the within-class covariance diagonal when it is near singular", {
      min: 0,
    }),
  },
  create(c): Adapter {
    let model:
      | { mean: Float64Array; v: Float64Array; d: number; k: number; values: Float64Array }
      | undefined;
    return {
      fit(data: AdapterData) {
        const st = classStats(data.x, data.labels, "lda");
        const d = st.dim;
        if (c.dim > d || c.dim > st.classes.length - 1) {
          throw new RangeError(
            `lda: dim ${c.dim} is more than the ${
              Math.min(d, st.classes.length - 1)
            } meaningful directions (input dim ${d}, ${st.classes.length} classes - 1); lower 'dim'`,
          );
        }
        const w = Float64Array.from(st.within);
        for (let i = 0; i < d; i++) w[i * d + i] += c.regularization;
        const { values, vectors } = eighGeneralized(st.between, w, d, "lda: within-class covariance");
        const v = new Float64Array(d * c.dim);
        for (let r = 0; r < d; r++) for (let k = 0; k < c.dim; k++) v[r * c.dim + k] = vectors[r * d + k];
        model = { mean: st.mean, v, d, k: c.dim, values: values.slice(0, c.dim) };
      },
      transform(x: Matrix): Matrix {
        if (!model) throw new RangeError("lda: call fit() with labelled embeddings before transform()");
        const { mean, v, d, k } = model;
        if (x.cols !== d) throw new RangeError(`lda: fitted on ${d}-d embeddings, got ${x.cols}-d`);
        const out = new Float32Array(x.rows * k);
        const c0 = new Float64Array(d);
        for (let i = 0; i < x.rows; i++) {
          for (let j = 0; j < d; j++) c0[j] = x.data[i * d + j] - mean[j];
          for (let q = 0; q < k; q++) {
            let s = 0;
            for (let j = 0; j < d; j++) s += c0[j] * v[j * k + q];
            out[i * k + q] = s;
          }
        }
        return { rows: x.rows, cols: k, data: out };
      },
      state: () => (model ? { dim: model.k, eigenvalues: Array.from(model.values) } : {}),
    };
  },
});
