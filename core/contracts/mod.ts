/**
 * The typed plugin contracts: one per kind.
 * @module
 */
export * from "./base.ts";
export * from "./backbone.ts";
export * from "./loss.ts";
export * from "./clusterer.ts";
export * from "./adapter.ts";
export * from "./scorer.ts";
