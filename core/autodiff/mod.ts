/**
 * Reverse-mode autodiff on float32 tensors: the {@link Tensor} type (the loss contract's value
 * type), differentiable ops, fused layer ops and a finite-difference gradient checker.
 * @module
 */
export * from "./tensor.ts";
export * from "./ops.ts";
export * from "./layers_ops.ts";
export { conv2d, type Conv2dOptions } from "./conv2d.ts";
export { batchNormNd, channelMean, channelScale, expandLast, meanStdPool } from "./channel_ops.ts";
export { gradCheck, type GradCheckResult } from "./gradcheck.ts";
export { gemm, type GemmFn, gemmNN, gemmNNts, gemmNT, gemmTN, setGpuGemm, transpose2d } from "./gemm.ts";
export { clearScratch } from "./scratch.ts";
