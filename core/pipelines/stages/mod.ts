/**
 * The stage library: named, typed, cached stages every recipe shares — load data, detect speech,
 * embed, fit a back-end, score, normalise, calibrate/fuse, cluster, train, evaluate. A recipe is a short
 * function that calls them in order (see verify.ts); a library user can write a recipe of their own
 * from the same stages (README "Architecture").
 * @module
 */
export {
  create,
  labelOf,
  openRun,
  pluginKey,
  type PluginSpec,
  records,
  resolve,
  resolveAll,
  type Resolved,
  type Run,
  type RunOptions,
  spec,
  using,
} from "./context.ts";
export {
  audioFiles,
  type Dataset,
  type DataSource,
  loadData,
  makeTrials,
  type TrialSet,
  utteranceKey,
} from "./data.ts";
export {
  AudioCache,
  embedAll,
  type Embedded,
  embedRegions,
  embedTexts,
  embedUtterances,
  type Recording,
  type TextSets,
} from "./embed.ts";
export { detectSpeech, type Speech, type SpeechSource } from "./speech.ts";
export { applyAdapter, type BackendData, fitAdapter, fitBackend } from "./backend.ts";
export { calibrateScores, fuseScores, normalizeScores, scoreTrials, scoreWithBackend } from "./score.ts";
export { type Clustering, clusterRows } from "./cluster.ts";
export {
  clusterFigures,
  diarizationFigures,
  type DiarizationScoring,
  retrievalFigures,
  verificationFigures,
} from "./evaluate.ts";
export {
  fingerprint,
  Pipeline,
  type PipelineOptions,
  type StageContext,
  type StageRecord,
  type StageSpec,
} from "./runner.ts";
export { decodeValue, encodeValue, stableStringify } from "./codec.ts";
export { type TrainingJob, trainModel } from "./train.ts";
export {
  type AudioSource,
  clusterSpeakers,
  readRecording,
  referenceOf,
  type ScoredSystem,
  scoreSystems,
  system,
} from "./diarization.ts";
