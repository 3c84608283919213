/**
 * AAM-Softmax / ArcFace (Deng et al. 2019): the target logit becomes s·cos(θ_y + m), computed as
 * cos θ·cos m − sin θ·sin m. Where θ_y + m would pass π (cos θ_y ≤ th = cos(π − m)) the target
 * falls back to s·(cos θ_y − m·sin m) so the logit stays monotonic in θ (the insightface/WeSpeaker
 * rule); with `easyMargin` the margin applies only where cos θ_y > 0. Sub-center ArcFace keeps K
 * centres per class and uses the closest (max cosine). Parameters: [weight [C·K, D]] (row c·K + k).
 * @module
 */
import type { Loss } from "../../core/contracts/mod.ts";
import { definePlugin, opt } from "../../core/plugin.ts";
import { param, type Tensor } from "../../core/autodiff/tensor.ts";
import {
  add,
  addScalar,
  clamp,
  cosineMatrix,
  crossEntropy,
  maxLast,
  mul,
  pick,
  reshape,
  scale,
  sqrt,
  square,
  sub,
  tensor,
  where,
} from "../../core/autodiff/mod.ts";
import { classWeights, embeddings2d, labelsFor, oneHot } from "../../core/nn/loss_helpers.ts";
import { cosineMarginOptions } from "./loss_kit.ts";

/** Cosine of each embedding to each class [B, C] (max over sub-centres). */
export function classCosines(x: Tensor, w: Tensor, numClasses: number, subCenters: number): Tensor {
  const cos = cosineMatrix(x, w);
  return subCenters === 1 ? cos : maxLast(reshape(cos, [x.shape[0], numClasses, subCenters]));
}

/** The ArcFace target term phi(cos θ_y) with the fallback rule; `cy` is [B]. */
export function arcMargin(cy: Tensor, m: number, easyMargin: boolean): Tensor {
  const sinY = sqrt(clamp(addScalar(scale(square(cy), -1), 1), 1e-12, 1));
  const phi = sub(scale(cy, Math.cos(m)), scale(sinY, Math.sin(m)));
  const th = Math.cos(Math.PI - m), mm = Math.sin(Math.PI - m) * m;
  const keep = Float32Array.from(cy.data, (v) => (easyMargin ? v > 0 : v > th) ? 1 : 0);
  return where(keep, phi, easyMargin ? cy : addScalar(cy, -mm));
}

/** `aam-softmax` loss plugin. */
export const aamSoftmaxLoss = definePlugin({
  kind: "loss",
  name: "aam-softmax",
  description:
    "additive angular margin softmax (ArcFace): s*cos(theta+m), easy-margin and sub-center options",
  module: import.meta.url,
  options: {
    ...cosineMarginOptions(Math.PI / 2, "additive angular margin m (radians)"),
    easyMargin: opt.boolean(
      false,
      "apply the margin only where cos(theta) > 0 (else use cos(theta+m) with the th = cos(pi-m) fallback)",
    ),
    subCenters: opt.integer(1, "sub-centres K per class (1 = plain ArcFace)", { min: 1, max: 64 }),
  },
  create(c): Loss {
    const rows = c.numClasses * c.subCenters;
    const w = param(classWeights(rows, c.dim, c.seed), [rows, c.dim], "weight");
    return {
      parameters: () => [w],
      forward(input) {
        const x = embeddings2d(input.embeddings, c.dim, "aam-softmax");
        const B = x.shape[0];
        const y = labelsFor(input.labels, B, "aam-softmax", c.numClasses);
        const cos = classCosines(x, w, c.numClasses, c.subCenters);
        const cy = pick(cos, y);
        const delta = reshape(sub(arcMargin(cy, c.margin, c.easyMargin), cy), [B, 1]);
        const logits = add(cos, mul(tensor(oneHot(y, c.numClasses), [B, c.numClasses]), delta));
        return crossEntropy(scale(logits, c.scale), y);
      },
    };
  },
});
