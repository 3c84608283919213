/**
 * Building blocks of segmentation-based (overlap-aware) diarization, each a faithful port of the
 * pyannote.audio 3.x function it names and checked against a numpy port of it
 * (tests/golden/gen_segmentation_post.py): segmentation chunks -> powerset decoding -> aggregation ->
 * speaker count -> binarisation -> local-embedding masks -> constrained clustering -> reconstruction ->
 * turns (RTTM with overlapping speakers); plus the oracle segmentation and the long-recording clustering.
 * @module
 */
export * from "./sliding.ts";
export * from "./powerset.ts";
export * from "./aggregate.ts";
export * from "./binarize.ts";
export * from "./local_embeddings.ts";
export * from "./clustering.ts";
export * from "./reconstruct.ts";
export * from "./oracle.ts";
export * from "./long_clustering.ts";
