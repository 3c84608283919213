/**
 * Speaker registry: enroll, identify and verify speakers against a persistent store (embedded PGlite
 * dir or a PostgreSQL server, both with pgvector), and embed data sets in shards into the same store.
 * @module
 */
export { isServerUrl, openSpeakerStore } from "./open.ts";
export {
  type EnrollItem,
  type EnrollResult,
  type Match,
  meanOfNormalised,
  type SearchOptions,
  type SpeakerInfo,
  type SpeakerRole,
  SpeakerStore,
} from "./store.ts";
export { StoreError } from "./errors.ts";
export { checkSameModel, type ModelId } from "./model_id.ts";
export { DEFAULT_HNSW, type HnswParams, type IndexType, MIGRATIONS, SCHEMA_VERSION } from "./schema.ts";
export {
  type BackboneSpec,
  DEFAULT_SAMPLE_RATE,
  DEFAULT_SPEAKER_BACKBONE,
  embedAudio,
  embedFiles,
  type OpenBackbone,
  openBackbone,
} from "./embed.ts";
export {
  cosine,
  DEFAULT_THRESHOLDS,
  fitStoreCalibration,
  type Scored,
  type ScoreScale,
  type ScoringOptions,
  SpeakerScorer,
} from "./scoring.ts";
export { enrollFiles, evaluateIdentification, identifyFiles, verifyFile } from "./operations.ts";
export { embedShard, parseShard, type Shard, shardOf, type ShardReport } from "./shard_embed.ts";
export { identificationMetrics, matchLabels, type SegmentLabels } from "./identification_metrics.ts";
