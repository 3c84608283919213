/**
 * The diarization metric names every scored system reports (besides "DER %"), written out here as the
 * tests' own list rather than read from core/pipelines/stages/evaluate.ts, so a renamed metric fails.
 * @module
 */

/** JER, detection and segmentation metrics in percent (pyannote.metrics' names). */
export const DIARIZATION_METRICS: readonly string[] = [
  "JER %",
  "detection error %",
  "speech precision %",
  "speech recall %",
  "purity %",
  "coverage %",
];
