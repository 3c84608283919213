/**
 * Differentiable operations on {@link Tensor}. Binary element-wise ops broadcast NumPy-style;
 * reductions take an axis list. Each op's backward is covered by finite-difference tests
 * (tests/autodiff_test.ts).
 * @module
 */
export { broadcastShape, type Num } from "./broadcast.ts";
export * from "./elementwise.ts";
export * from "./shape_ops.ts";
export * from "./reductions.ts";
export * from "./matmul.ts";
export * from "./composites.ts";
