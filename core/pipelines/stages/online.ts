/**
 * The streaming recipe's two steps: building the per-buffer models of {@link OnlineDiarizer} (local
 * speakers from a segmenter plugin, the reference, or a VAD with local window clustering; embeddings
 * from a backbone) and pushing a recording through it block by block, recording when every turn was
 * emitted. Not cached stages: the stream is what is measured.
 * @module
 */
import { OnlineDiarizer, type OnlineModels, type OnlineOptions } from "../../diarization/online.ts";
import {
  maskedEmbedder,
  oracleBufferSegmentation,
  type PieceEmbedder,
  VadLocalSpeakers,
} from "../../diarization/online_sources.ts";
import type { Turn } from "../../diarization/rttm.ts";
import { pyannetFrames } from "../../onnx/models/pyannet.ts";
import { create, type Resolved, type Run } from "./context.ts";

/** Where the local speakers of each buffer come from. */
export type OnlineSource =
  | {
    readonly kind: "vad";
    readonly vad: Resolved<"vad">;
    readonly maxLocal: number;
    readonly threshold: number;
  }
  | { readonly kind: "oracle"; readonly turns: readonly Turn[]; readonly localSpeakers: number }
  | { readonly kind: "segmenter"; readonly segmenter: Resolved<"segmenter"> };

/** Live per-buffer models and what frees them. */
export interface StreamModels {
  readonly models: OnlineModels;
  /** Buffer length (s): the segmenter's chunk, else `duration`. */
  readonly duration: number;
  readonly dim: number;
  dispose(): Promise<void>;
}

/** Creates the per-buffer models: local speakers [F x K] and their embeddings [K x D]. */
export async function streamModels(
  run: Run,
  source: OnlineSource,
  backbone: Resolved<"backbone">,
  o: { sampleRate: number; duration: number; file: string },
): Promise<StreamModels> {
  const sr = o.sampleRate, model = await create(run, backbone);
  const embedder: PieceEmbedder = {
    dim: model.dim,
    embed: (p) => model.embed(p.map((samples, i) => ({ id: `${o.file}:${i}`, samples, sampleRate: sr }))),
  };
  const live: unknown[] = [model];
  let models: OnlineModels, duration = o.duration;
  if (source.kind === "segmenter") {
    const seg = await create(run, source.segmenter);
    live.push(seg);
    duration = seg.chunkSeconds;
    const k = seg.numSpeakers;
    models = {
      sampleRate: sr,
      numLocalSpeakers: k,
      segment: async (chunk) => (await seg.segment([chunk]))[0],
      embed: maskedEmbedder(embedder, sr, k),
    };
  } else if (source.kind === "oracle") {
    const k = source.localSpeakers, F = pyannetFrames(Math.round(duration * 16000));
    models = {
      sampleRate: sr,
      numLocalSpeakers: k,
      segment: (_c, start) => Promise.resolve(oracleBufferSegmentation(source.turns, start, duration, F, k)),
      embed: maskedEmbedder(embedder, sr, k),
    };
  } else {
    const vad = await create(run, source.vad);
    live.push(vad);
    models = new VadLocalSpeakers((x) => vad.detect(x, sr, o.file), embedder, {
      sampleRate: sr,
      duration,
      frames: Math.round(duration * 50),
      maxLocal: source.maxLocal,
      threshold: source.threshold,
    });
  }
  const dispose = async () => {
    for (const m of live) await (m as { dispose?: () => unknown }).dispose?.();
  };
  return { models, duration, dim: model.dim, dispose };
}

/** What a stream produced. */
export interface StreamResult {
  /** Turns in emission order, sorted by onset. */
  readonly turns: Turn[];
  /** Seconds between a turn's end and the stream time it was emitted at (turns closed before the end). */
  readonly delays: number[];
  /** Wall time of the stream (s). */
  readonly seconds: number;
  readonly speakers: number;
}

/** Pushes `samples` into a fresh OnlineDiarizer in blocks of `block` seconds; turns as they were decided. */
export async function streamRecording(
  m: StreamModels,
  samples: Float32Array,
  o: Omit<OnlineOptions, "duration" | "onTurn"> & { block: number },
  onTurn?: (t: Turn, at: number) => void,
): Promise<StreamResult> {
  const sr = m.models.sampleRate, B = Math.max(1, Math.round(o.block * sr));
  const emitted: { turn: Turn; at: number }[] = [];
  let now = 0;
  const d = new OnlineDiarizer(m.models, {
    ...o,
    duration: m.duration,
    onTurn: (turn) => {
      emitted.push({ turn, at: now });
      onTurn?.(turn, now);
    },
  });
  const t0 = performance.now();
  for (let i = 0; i < samples.length; i += B) {
    now = Math.min(samples.length, i + B) / sr;
    await d.push(samples.subarray(i, i + B));
  }
  await d.flush();
  const end = now;
  return {
    turns: emitted.map((e) => e.turn).sort((a, b) => a.onset - b.onset),
    delays: emitted.filter((e) => e.at < end).map((e) => e.at - e.turn.onset - e.turn.duration),
    seconds: (performance.now() - t0) / 1000,
    speakers: d.clustering.numSpeakers,
  };
}
