/**
 * Triplet loss with in-batch mining on Euclidean distances, L = mean relu(d(a,p) − d(a,n) + margin).
 * - batch-hard (Hermans et al. 2017): per anchor, the farthest positive and the closest negative.
 * - semi-hard (FaceNet; TensorFlow Addons' rule): per (anchor, positive) pair, the closest negative
 *   farther than the positive; if there is none, the farthest negative.
 * Anchors without a positive or a negative in the batch are skipped.
 * @module
 */
import type { Loss } from "../../core/contracts/mod.ts";
import { type ConfigOf, definePlugin, opt } from "../../core/plugin.ts";
import { addScalar, mean, relu, sqDistMatrix, sqrt, sub, take } from "../../core/autodiff/mod.ts";
import { embeddings2d, labelsFor } from "../../core/nn/loss_helpers.ts";
import { statelessLoss } from "./loss_kit.ts";

const OPTIONS = {
  margin: opt.number(0.3, "margin between positive and negative distances", { gt: 0 }),
  mining: opt.oneOf(
    ["batch-hard", "semi-hard"] as const,
    "batch-hard",
    "'batch-hard' (hardest positive and negative per anchor) or 'semi-hard' (FaceNet)",
  ),
};

/** Options of the triplet loss. */
export type TripletConfig = ConfigOf<typeof OPTIONS>;

/** (anchor, positive, negative) flat indices into the B×B distance matrix. */
export function mineTriplets(
  dist: Float32Array,
  y: Int32Array,
  mining: TripletConfig["mining"],
): { ap: number[]; an: number[] } {
  const B = y.length, ap: number[] = [], an: number[] = [];
  for (let a = 0; a < B; a++) {
    const row = a * B;
    if (mining === "batch-hard") {
      let p = -1, n = -1;
      for (let j = 0; j < B; j++) {
        if (j === a) continue;
        if (y[j] === y[a]) {
          if (p < 0 || dist[row + j] > dist[row + p]) p = j;
        } else if (n < 0 || dist[row + j] < dist[row + n]) n = j;
      }
      if (p >= 0 && n >= 0) {
        ap.push(row + p);
        an.push(row + n);
      }
    } else {
      for (let p = 0; p < B; p++) {
        if (p === a || y[p] !== y[a]) continue;
        let inside = -1, outside = -1;
        for (let j = 0; j < B; j++) {
          if (y[j] === y[a]) continue;
          if (dist[row + j] > dist[row + p]) {
            if (outside < 0 || dist[row + j] < dist[row + outside]) outside = j;
          }
          if (inside < 0 || dist[row + j] > dist[row + inside]) inside = j;
        }
        const n = outside >= 0 ? outside : inside;
        if (n >= 0) {
          ap.push(row + p);
          an.push(row + n);
        }
      }
    }
  }
  return { ap, an };
}

/** `triplet` loss plugin. */
export const tripletLoss = definePlugin({
  kind: "loss",
  name: "triplet",
  description: "triplet loss with batch-hard or semi-hard in-batch mining (Euclidean distance)",
  module: import.meta.url,
  options: OPTIONS,
  create: (c): Loss =>
    statelessLoss((input) => {
      const x = embeddings2d(input.embeddings, undefined, "triplet");
      const y = labelsFor(input.labels, x.shape[0], "triplet");
      const dist = sqrt(addScalar(sqDistMatrix(x, x), 1e-12));
      const { ap, an } = mineTriplets(dist.data, y, c.mining);
      if (!ap.length) {
        throw new RangeError(
          "triplet: the batch has no (anchor, positive, negative) triplet; sample >= 2 per class and >= 2 classes",
        );
      }
      const dp = take(dist, Int32Array.from(ap), [ap.length]);
      const dn = take(dist, Int32Array.from(an), [an.length]);
      return mean(relu(addScalar(sub(dp, dn), c.margin)));
    }),
});
