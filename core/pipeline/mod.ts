/**
 * The stage runner pipelines are built on: named stages, cached by a hash of config + inputs, resumable.
 * @module
 */
export {
  fingerprint,
  Pipeline,
  type PipelineOptions,
  type StageContext,
  type StageRecord,
  type StageSpec,
} from "./runner.ts";
export { decodeValue, encodeValue, sha256Text, stableStringify } from "./codec.ts";
