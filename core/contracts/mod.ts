/**
 * The typed plugin contracts: one per kind (and per role where a kind has several), and the slots
 * pipelines ask the registry for.
 * @module
 */
export * from "./base.ts";
export * from "./backbone.ts";
export * from "./loss.ts";
export * from "./clusterer.ts";
export * from "./adapter.ts";
export * from "./scorer.ts";
export * from "./vad.ts";
export * from "./segmentation.ts";
export * from "./augment.ts";
export * from "./slots.ts";
