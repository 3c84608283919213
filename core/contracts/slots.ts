/**
 * Slots: what a pipeline asks the registry for. A slot is a kind, or a role within a kind, and names
 * the instance type it gets back, so pipelines need no casts (`registry.create("metric", "eer")` is a
 * `Metric`). The kind slots `backbone` and `adapter` mean their default roles (`embed`, `transform`);
 * `scorer` means any scorer role.
 * @module
 */
import type { PluginKind, PluginRole } from "./base.ts";
import type { Backbone } from "./backbone.ts";
import type { Loss } from "./loss.ts";
import type { Clusterer } from "./clusterer.ts";
import type { Adapter } from "./adapter.ts";
import type { Calibrator, Metric, ScoreNormalizer, Scorer, TrialScorer } from "./scorer.ts";
import type { SpeechDetector } from "./vad.ts";
import type { Segmenter } from "./segmentation.ts";
import type { Augmenter } from "./augment.ts";

/** The instance type each slot's plugins create. */
export interface SlotInstance {
  /** Embedding backbones (role `embed`). */
  backbone: Backbone;
  /** Losses. */
  loss: Loss;
  /** Clusterers. */
  clusterer: Clusterer;
  /** Embedding adapters and back-ends (role `transform`). */
  adapter: Adapter;
  /** Scorers of any role. */
  scorer: Scorer;
  /** Trial scorers (role `score`). */
  "trial-scorer": TrialScorer;
  /** Score normalisers (role `normalize`). */
  normalizer: ScoreNormalizer;
  /** Calibrators and fusers (role `calibrate`). */
  calibrator: Calibrator;
  /** Metrics (role `metric`). */
  metric: Metric;
  /** Speech detectors (backbone role `vad`). */
  vad: SpeechDetector;
  /** Segmentation models (backbone role `segmentation`). */
  segmenter: Segmenter;
  /** Training augmenters (adapter role `augment`). */
  augmenter: Augmenter;
}

/** A slot name. */
export type Slot = keyof SlotInstance;

/** The kind and (unless any role will do) the role of each slot. */
export const SLOTS: { readonly [S in Slot]: { readonly kind: PluginKind; readonly role?: PluginRole } } = {
  backbone: { kind: "backbone", role: "embed" },
  loss: { kind: "loss" },
  clusterer: { kind: "clusterer" },
  adapter: { kind: "adapter", role: "transform" },
  scorer: { kind: "scorer" },
  "trial-scorer": { kind: "scorer", role: "score" },
  normalizer: { kind: "scorer", role: "normalize" },
  calibrator: { kind: "scorer", role: "calibrate" },
  metric: { kind: "scorer", role: "metric" },
  vad: { kind: "backbone", role: "vad" },
  segmenter: { kind: "backbone", role: "segmentation" },
  augmenter: { kind: "adapter", role: "augment" },
};

/** Slot names, for error messages. */
export const SLOT_NAMES: readonly Slot[] = Object.keys(SLOTS) as Slot[];
