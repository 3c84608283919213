/**
 * Time grids of the segmentation stage, as pyannote.core defines them: a `SlidingWindow` (start,
 * duration, step; frame i covers [start + i step, start + i step + duration]) for the chunks the model
 * sees and for its output frames, and the chunking of a recording that pyannote.audio's
 * `Inference.slide` does (complete chunks every step, then one zero-padded last chunk when the audio
 * does not end on a step). Shapes are written `[a x b x c]`, row-major.
 * @module
 */

/** pyannote.core.SlidingWindow: positions i = 0, 1, ... at [start + i*step, start + i*step + duration]. */
export interface SlidingWindow {
  /** Start of position 0 (s). */
  readonly start: number;
  /** Duration of each position (s). */
  readonly duration: number;
  /** Step between positions (s). */
  readonly step: number;
}

/** numpy's rint: round half to even. */
export function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Index of the position whose middle is closest to t (SlidingWindow.closest_frame). */
export function closestFrame(w: SlidingWindow, t: number): number {
  return rint((t - w.start - 0.5 * w.duration) / w.step);
}

/** Middle of position i (s). */
export function frameMiddle(w: SlidingWindow, i: number): number {
  return w.start + i * w.step + 0.5 * w.duration;
}

/** How a recording is cut into model chunks (pyannote Inference.slide). */
export interface ChunkLayout {
  /** Total chunks, the padded last one included. */
  readonly numChunks: number;
  /** Complete chunks (audio covers all their samples). */
  readonly numComplete: number;
  /** True when a zero-padded last chunk follows the complete ones. */
  readonly hasLastChunk: boolean;
  /** Samples per chunk. */
  readonly chunkSamples: number;
  /** Samples between chunk starts. */
  readonly stepSamples: number;
  /** The chunks as a SlidingWindow in seconds (start 0). */
  readonly window: SlidingWindow;
}

/** Chunk layout of `numSamples` samples: windows of `chunkSamples` every `stepSamples`, last one padded. */
export function chunkLayout(
  numSamples: number,
  sampleRate: number,
  chunkSamples: number,
  stepSamples: number,
): ChunkLayout {
  if (!(chunkSamples > 0 && stepSamples > 0)) {
    throw new RangeError(`chunk (${chunkSamples}) and step (${stepSamples}) must be positive sample counts`);
  }
  const numComplete = numSamples >= chunkSamples
    ? Math.floor((numSamples - chunkSamples) / stepSamples) + 1
    : 0;
  const hasLastChunk = numSamples < chunkSamples || (numSamples - chunkSamples) % stepSamples > 0;
  return {
    numChunks: numComplete + (hasLastChunk ? 1 : 0),
    numComplete,
    hasLastChunk,
    chunkSamples,
    stepSamples,
    window: { start: 0, duration: chunkSamples / sampleRate, step: stepSamples / sampleRate },
  };
}

/**
 * The chunks of `samples` in order, without copying complete chunks (subarray views); the padded
 * last chunk is a fresh zero-filled copy. Lazy, so a 4 h recording never holds all chunks at once.
 */
export function* iterChunks(samples: Float32Array, layout: ChunkLayout): Generator<Float32Array> {
  const { chunkSamples: w, stepSamples: s } = layout;
  for (let c = 0; c < layout.numComplete; c++) yield samples.subarray(c * s, c * s + w);
  if (layout.hasLastChunk) {
    const last = new Float32Array(w);
    last.set(samples.subarray(layout.numComplete * s, Math.min(samples.length, layout.numComplete * s + w)));
    yield last;
  }
}

/** Scores of overlapping chunks: `[chunks x frames x classes]`, row-major, with the chunks' window. */
export interface ChunkScores {
  readonly data: Float32Array;
  readonly chunks: number;
  readonly frames: number;
  readonly classes: number;
  /** Chunk positions (s). */
  readonly window: SlidingWindow;
}

/** Frame-level scores: `[frames x classes]`, row-major, with the frames' window. */
export interface FrameScores {
  readonly data: Float32Array;
  readonly frames: number;
  readonly classes: number;
  /** Frame positions (s). */
  readonly window: SlidingWindow;
}

/** Checks a ChunkScores' size, naming `what` in the error. */
export function checkChunkScores(s: ChunkScores, what: string): void {
  if (s.data.length !== s.chunks * s.frames * s.classes) {
    throw new RangeError(
      `${what}: data has ${s.data.length} values, [${s.chunks} x ${s.frames} x ${s.classes}] needs ${
        s.chunks * s.frames * s.classes
      }`,
    );
  }
}

/** Stacks per-chunk `[frames x classes]` arrays (what Segmenter.segment returns) into ChunkScores. */
export function stackChunks(
  perChunk: readonly Float32Array[],
  frames: number,
  classes: number,
  window: SlidingWindow,
): ChunkScores {
  const data = new Float32Array(perChunk.length * frames * classes);
  perChunk.forEach((a, c) => {
    if (a.length !== frames * classes) {
      throw new RangeError(`chunk ${c}: ${a.length} values, expected ${frames} frames x ${classes} classes`);
    }
    data.set(a, c * frames * classes);
  });
  return { data, chunks: perChunk.length, frames, classes, window };
}
