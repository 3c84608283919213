/**
 * Streaming diarization, the diart pipeline (juanmc2005/diart, blocks/diarization.py) as a library:
 * audio arrives chunk by chunk (any block size); a rolling buffer holds the last `duration` seconds;
 * every `step` seconds the buffer is segmented, local speakers get embeddings (the caller's embedder,
 * fed diart's overlapped-speech-penalty weights), {@link OnlineSpeakerClustering} maps them to global
 * speakers, and the region [t - latency, t - latency + step] (t = buffer end) is decided by a
 * Hamming-weighted average of the last round(latency / step) buffers, thresholded at `tauActive` (frame
 * boundaries at frame middles, as diart's Binarize). A turn is emitted as soon as its end is decided,
 * so it reaches the caller at most `latency` (+ one step of buffering) after the speaker stops.
 *
 * Before the first full buffer nothing is decided (diart likewise waits for `duration` seconds); the
 * first decision covers [0, duration - latency + step]. {@link OnlineDiarizer.flush} decides the rest at
 * the end of the stream (diart has no flush) and closes open turns.
 * @module
 */
import type { Turn } from "./rttm.ts";
import { hammingWindow } from "./segmentation/aggregate.ts";
import {
  type OnlineClusteringOptions,
  OnlineSpeakerClustering,
  overlappedSpeechPenalty,
} from "./online_clustering.ts";

export { OnlineSpeakerClustering, overlappedSpeechPenalty } from "./online_clustering.ts";

/** What the streaming diarizer needs from a segmentation model and an embedding model. */
export interface OnlineModels {
  /** Sample rate of the pushed audio (Hz). */
  readonly sampleRate: number;
  /** `[F x K]` local-speaker activity of one buffer of `duration` seconds starting at `start` s. */
  segment(chunk: Float32Array, start: number): Promise<Float32Array>;
  /** Local speakers per buffer (K). */
  readonly numLocalSpeakers: number;
  /**
   * `[K x D]` embeddings (NaN rows for none) of one buffer, given diart's per-frame weights `[F x K]`
   * (an embedder without weighting can threshold them, e.g. weights > 0.5 ** gamma).
   */
  embed(chunk: Float32Array, weights: Float32Array, start: number): Promise<Float32Array>;
}

/** Options of {@link OnlineDiarizer} (diart's defaults except `duration`, which follows the model). */
export interface OnlineOptions extends OnlineClusteringOptions {
  /** Buffer (chunk) duration in seconds: the segmentation model's chunk (diart: 5 s). */
  readonly duration: number;
  /** Seconds between buffers (0.5). */
  readonly step?: number;
  /** Decision latency in seconds, step <= latency <= duration (default: step). */
  readonly latency?: number;
  /** diart's gamma and beta of the overlapped-speech penalty (3, 10). */
  readonly gamma?: number;
  readonly beta?: number;
  /** Recording id of the emitted turns. */
  readonly file?: string;
  /** Called with every turn as soon as it is decided (also returned by push/flush). */
  readonly onTurn?: (t: Turn) => void;
}

interface Buffer {
  readonly start: number; // s
  readonly data: Float32Array; // [F x G] global activity
}

/** diart's pipeline over a stream: push audio, get turns. */
export class OnlineDiarizer {
  readonly step: number;
  readonly latency: number;
  readonly clustering: OnlineSpeakerClustering;
  #audio: Float32Array;
  #filled = 0; // samples in #audio (rolling, length = duration)
  #pending: Float32Array[] = []; // samples not yet in a step
  #pendingLen = 0;
  #total = 0; // samples received
  #consumed = 0; // samples moved into the rolling buffer (padding included)
  #buffers: Buffer[] = [];
  #decidedUntil = 0; // s
  #open = new Map<number, number>(); // global speaker -> onset
  #frames = 0;
  #lastEnd = 0; // end time of the last processed buffer
  #endLimit = Infinity; // true end of the stream once flush() is called (padding beyond it is not decided)

  constructor(readonly models: OnlineModels, readonly o: OnlineOptions) {
    this.step = o.step ?? 0.5;
    this.latency = o.latency ?? this.step;
    if (!(this.step > 0 && this.step <= this.latency && this.latency <= o.duration)) {
      throw new RangeError(
        `online diarization needs 0 < step (${this.step}) <= latency (${this.latency}) <= duration (${o.duration})`,
      );
    }
    this.clustering = new OnlineSpeakerClustering(o);
    this.#audio = new Float32Array(Math.round(o.duration * models.sampleRate));
  }

  get #stepSamples(): number {
    return Math.round(this.step * this.models.sampleRate);
  }

  /** Adds samples; returns the turns decided meanwhile. */
  async push(samples: Float32Array): Promise<Turn[]> {
    this.#pending.push(samples);
    this.#pendingLen += samples.length;
    this.#total += samples.length;
    const out: Turn[] = [];
    const W = this.#audio.length, S = this.#stepSamples;
    for (;;) {
      if (this.#filled < W) {
        if (this.#pendingLen === 0) break;
        this.#append(this.#take(Math.min(this.#pendingLen, W - this.#filled)));
        if (this.#filled === W) out.push(...await this.#process());
      } else {
        if (this.#pendingLen < S) break;
        this.#append(this.#take(S));
        out.push(...await this.#process());
      }
    }
    return out;
  }

  /** Decides everything left (zero-padding a last buffer if needed) and closes open turns. */
  async flush(): Promise<Turn[]> {
    const out: Turn[] = [];
    const end = this.#total / this.models.sampleRate;
    this.#endLimit = end;
    if (this.#pendingLen > 0 || this.#filled < this.#audio.length) {
      const pad = this.#filled < this.#audio.length
        ? this.#audio.length - this.#filled - this.#pendingLen
        : this.#stepSamples - this.#pendingLen;
      out.push(...await this.#pushPadding(Math.max(0, pad)));
    }
    // the tail after the last decided region: aggregate every buffer that covers it
    out.push(...this.#decide(this.#decidedUntil, Math.min(this.#lastEnd, end)));
    for (const [g, onset] of this.#open) out.push(this.#emit(g, onset, Math.min(end, this.#decidedUntil)));
    this.#open.clear();
    return out.sort((a, b) => a.onset - b.onset);
  }

  async #pushPadding(n: number): Promise<Turn[]> {
    const total = this.#total;
    const out = await this.push(new Float32Array(n));
    this.#total = total;
    return out;
  }

  #take(n: number): Float32Array {
    const out = new Float32Array(n);
    let o = 0;
    while (o < n) {
      const head = this.#pending[0];
      const k = Math.min(head.length, n - o);
      out.set(head.subarray(0, k), o);
      o += k;
      if (k === head.length) this.#pending.shift();
      else this.#pending[0] = head.subarray(k);
    }
    this.#pendingLen -= n;
    return out;
  }

  #append(x: Float32Array): void {
    const W = this.#audio.length;
    this.#consumed += x.length;
    if (this.#filled + x.length <= W) {
      this.#audio.set(x, this.#filled);
      this.#filled += x.length;
    } else {
      this.#audio.copyWithin(0, x.length);
      this.#audio.set(x, W - x.length);
    }
  }

  async #process(): Promise<Turn[]> {
    const sr = this.models.sampleRate, K = this.models.numLocalSpeakers;
    const start = this.#consumed / sr - this.o.duration;
    const chunk = Float32Array.from(this.#audio);
    const seg = await this.models.segment(chunk, start);
    const F = seg.length / K;
    this.#frames = F;
    const weights = overlappedSpeechPenalty(seg, K, this.o.gamma ?? 3, this.o.beta ?? 10);
    const emb = await this.models.embed(chunk, weights, start);
    const dim = emb.length / K;
    const normed = Float32Array.from(emb);
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += normed[k * dim + d] ** 2;
      for (let d = 0; d < dim; d++) normed[k * dim + d] /= Math.sqrt(s);
    }
    const mapping = this.clustering.identify(seg, F, normed, dim);
    this.#buffers.push({ start, data: this.clustering.apply(seg, F, mapping) });
    const n = Math.round(this.latency / this.step);
    if (this.#buffers.length > n) this.#buffers.shift();
    this.#lastEnd = start + this.o.duration;
    const regionStart = this.#lastEnd - this.latency;
    return this.#decide(this.#decidedUntil, regionStart + this.step);
  }

  /** Decides frames whose middle lies in [from, to) from the buffers, emitting closed turns. */
  #decide(from: number, to: number): Turn[] {
    to = Math.min(to, this.#endLimit);
    if (!(to > from) || this.#buffers.length === 0) return [];
    const F = this.#frames, G = this.clustering.maxSpeakers, res = this.o.duration / F;
    const ham = hammingWindow(F);
    const newest = this.#buffers[this.#buffers.length - 1];
    const out: Turn[] = [];
    const f0 = Math.max(Math.ceil((from - newest.start) / res - 0.5), -Infinity);
    let t = from;
    for (let i = f0;; i++) {
      t = newest.start + (i + 0.5) * res;
      if (t >= to) break;
      if (t < from) continue;
      for (let g = 0; g < G; g++) {
        let num = 0, den = 0;
        for (const b of this.#buffers) {
          const f = Math.round((t - b.start) / res - 0.5);
          if (f < 0 || f >= F) continue;
          num += ham[f] * b.data[f * G + g];
          den += ham[f];
        }
        const on = den > 0 && num / den > this.clustering.tauActive;
        const open = this.#open.get(g);
        if (on && open === undefined) this.#open.set(g, t);
        else if (!on && open !== undefined) {
          out.push(this.#emit(g, open, t));
          this.#open.delete(g);
        }
      }
    }
    this.#decidedUntil = to;
    return out;
  }

  #emit(g: number, onset: number, end: number): Turn {
    const t: Turn = {
      file: this.o.file ?? "stream",
      channel: "1",
      onset,
      duration: Math.max(0, end - onset),
      speaker: `speaker${g}`,
    };
    this.o.onTurn?.(t);
    return t;
  }
}
