/**
 * Adaptive S-norm2 (the form used in the CRMI-DKU SdSV 2021 system description, eq. 3): the average
 * of the two z-scored terms, where each side has its own top-X cohort size:
 *
 *   s' = 0.5 * ((s - mu(S_e^{Xe})) / sd(S_e^{Xe}) + (s - mu(S_t^{Xt})) / sd(S_t^{Xt}))
 *
 * S_e^{X} are the enrollment's scores against a top-X cohort, S_t^{X} the test's. `selection`
 * chooses which X cohort entries: 'own-side' (those closest to the same side; with Xe = Xt this is
 * `asnorm`) or 'other-side' (for the enrollment term, the X entries closest to the test and vice
 * versa, as Hyperion's `highest-other-side`), which makes the statistics trial-dependent.
 * @module
 */
import type { ScoreNormalizer } from "../../core/contracts/mod.ts";
import type { Matrix } from "../../core/matrix.ts";
import { definePlugin, opt } from "../../core/plugin.ts";
import { cosineMatrix, topkRows } from "../../core/kernels/distance.ts";
import { COHORT_MODE_OPTION, cohortNormalizer, ownSideNorm } from "./cohort_kit.ts";

function statsOver(row: Float32Array, idx: Int32Array, off: number, n: number): [number, number] {
  let s = 0;
  for (let k = 0; k < n; k++) s += row[idx[off + k]];
  const m = s / n;
  let v = 0;
  for (let k = 0; k < n; k++) v += (row[idx[off + k]] - m) ** 2;
  return [m, Math.sqrt(v / n)];
}

function otherSide(
  scores: Float32Array,
  e: Matrix,
  t: Matrix,
  xe: number,
  xt: number,
  trials: { enroll: Int32Array; test: Int32Array },
): Float32Array {
  const c = e.cols;
  const ke = Math.min(xe, c), kt = Math.min(xt, c);
  // cohort entries closest to the test choose the enrollment statistics (Xe of them), and vice versa
  const topOfTest = topkRows(t, ke, true).indices;
  const topOfEnroll = topkRows(e, kt, true).indices;
  const out = new Float32Array(scores.length);
  for (let i = 0; i < scores.length; i++) {
    const a = trials.enroll[i], b = trials.test[i];
    const [me, se] = statsOver(e.data.subarray(a * c, (a + 1) * c), topOfTest, b * ke, ke);
    const [mt, st] = statsOver(t.data.subarray(b * c, (b + 1) * c), topOfEnroll, a * kt, kt);
    if (!(se > 0) || !(st > 0)) {
      throw new RangeError(
        `scorer 'asnorm2': trial ${i} has cohort scores with zero spread; use a larger or more varied cohort`,
      );
    }
    out[i] = 0.5 * ((scores[i] - me) / se + (scores[i] - mt) / st);
  }
  return out;
}

/** `asnorm2` normaliser plugin. */
export const asnorm2Scorer = definePlugin({
  kind: "scorer",
  role: "normalize",
  name: "asnorm2",
  description:
    "adaptive S-norm2 (CRMI-DKU SdSV 2021 eq. 3): z-scored terms averaged, top-X cohort chosen per side",
  module: import.meta.url,
  options: {
    topEnroll: opt.integer(300, "cohort size X for the enrollment-side statistics", { min: 2 }),
    topTest: opt.integer(300, "cohort size X for the test-side statistics", { min: 2 }),
    selection: opt.oneOf(
      ["own-side", "other-side"] as const,
      "own-side",
      "'own-side' (each side's closest cohort entries) or 'other-side' (entries closest to the opposite side)",
    ),
    cohortMode: COHORT_MODE_OPTION,
  },
  create: (c): ScoreNormalizer =>
    cohortNormalizer("asnorm2", c.cohortMode, (scores, ctx, cohort) => {
      if (c.selection === "other-side") {
        // trial-dependent statistics: keep the full [rows x cohort] score matrices
        const e = cosineMatrix(ctx.enroll, cohort), t = cosineMatrix(ctx.test, cohort);
        return otherSide(scores, e, t, c.topEnroll, c.topTest, ctx.trials);
      }
      // own-side: per-row statistics, tile by tile (no [rows x cohort] matrix)
      return ownSideNorm(scores, ctx, cohort, c.topEnroll, c.topTest, "asnorm2");
    }),
});
