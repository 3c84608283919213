/**
 * Domain mean shift (the SdSV cross-lingual "Mean-Sub"): learn the enrollment-domain mean and the
 * test-domain mean, then add (enrollment mean - test mean) to test embeddings so both sides share a
 * centre. Fit with `fit(enrollData, testData)`, or with one data set whose `domains` mark the two
 * domains. transform() is meant for TEST embeddings; enrollment embeddings stay as they are.
 * Given neither a second set nor domain ids, it falls back to plain centring (subtract the data mean,
 * i.e. the enrollment-domain mean is taken as 0), which is what a single-domain pipeline can use.
 * @module
 */
import type { Adapter, AdapterData } from "../../core/contracts/mod.ts";
import type { Matrix } from "../../core/matrix.ts";
import { definePlugin, opt } from "../../core/plugin.ts";

function meanOf(x: Matrix, keep: (i: number) => boolean, what: string): Float64Array {
  const m = new Float64Array(x.cols);
  let n = 0;
  for (let i = 0; i < x.rows; i++) {
    if (!keep(i)) continue;
    n++;
    for (let j = 0; j < x.cols; j++) m[j] += x.data[i * x.cols + j];
  }
  if (n === 0) throw new RangeError(`mean-sub: no ${what} embeddings to average`);
  return m.map((v) => v / n);
}

/** `mean-sub` adapter plugin. */
export const meanSubAdapter = definePlugin({
  kind: "adapter",
  name: "mean-sub",
  description: "domain mean shift: add (enrollment-domain mean - test-domain mean) to test embeddings",
  module: import.meta.url,
  options: {
    enrollDomain: opt.integer(
      0,
      "domain id of enrollment-side embeddings in data.domains (when fit gets one data set)",
      { min: 0 },
    ),
    testDomain: opt.integer(
      1,
      "domain id of test-side embeddings in data.domains (when fit gets one data set)",
      {
        min: 0,
      },
    ),
  },
  create(c): Adapter {
    let shift: Float64Array | undefined;
    let mode = "unfitted";
    return {
      fit(data: AdapterData, target?: AdapterData) {
        let e: Float64Array, t: Float64Array;
        if (target) {
          if (target.x.cols !== data.x.cols) {
            throw new RangeError(`mean-sub: enrollment dim ${data.x.cols} != test dim ${target.x.cols}`);
          }
          e = meanOf(data.x, () => true, "enrollment-domain");
          t = meanOf(target.x, () => true, "test-domain");
          mode = "two sets";
        } else if (!data.domains) {
          t = meanOf(data.x, () => true, "input");
          e = new Float64Array(t.length);
          mode = "centre (no domains given)";
        } else {
          const dom = data.domains;
          if (dom.length !== data.x.rows) {
            throw new RangeError(
              `mean-sub: data.domains has ${dom.length} ids for ${data.x.rows} rows; give one domain id per row`,
            );
          }
          e = meanOf(data.x, (i) => dom[i] === c.enrollDomain, `domain ${c.enrollDomain}`);
          t = meanOf(data.x, (i) => dom[i] === c.testDomain, `domain ${c.testDomain}`);
          mode = `domains ${c.enrollDomain} -> ${c.testDomain}`;
        }
        shift = e.map((v, j) => v - t[j]);
      },
      transform(x: Matrix): Matrix {
        if (!shift) throw new RangeError("mean-sub: call fit() before transform()");
        if (x.cols !== shift.length) {
          throw new RangeError(`mean-sub: fitted on ${shift.length}-d, got ${x.cols}-d`);
        }
        const out = new Float32Array(x.data.length);
        for (let i = 0; i < x.rows; i++) {
          for (let j = 0; j < x.cols; j++) out[i * x.cols + j] = x.data[i * x.cols + j] + shift[j];
        }
        return { rows: x.rows, cols: x.cols, data: out };
      },
      state: () => ({ mode, shift: shift ? Array.from(shift) : null }),
    };
  },
});
