/**
 * Layers that are plain functions of their input.
 * @module
 */
import type { Tensor } from "../autodiff/tensor.ts";
import { gradReverse } from "../autodiff/ops.ts";
import { Module } from "./module.ts";

export { gradReverse };

/** Gradient reversal layer (domain-adversarial training): identity forward, -lambda·grad backward. */
export class GradReverse extends Module {
  constructor(public lambda = 1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return gradReverse(x, this.lambda);
  }
}
