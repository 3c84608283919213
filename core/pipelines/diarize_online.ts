/**
 * The streaming diarization recipe: audio is pushed block by block into {@link OnlineDiarizer} (diart's
 * rolling buffer, incremental clustering with a speaker memory, decisions `latency` seconds behind the
 * stream) and turns come out as they are decided; the result is the same RTTM and figures as the offline
 * recipes, plus how late each turn was emitted. Local speakers of each buffer come from:
 *
 * - `vad` (default, needs no segmentation weights): VAD speech split among locally clustered windows
 *   (core/diarization/online_sources.ts `VadLocalSpeakers`);
 * - `oracle`: the reference's speakers of each buffer (measures the streaming clustering alone);
 * - a `segmenter` plugin (pyannet-segmentation with a model): its chunk is the buffer.
 *
 * Stages: score (the stream itself is not cached: it is the thing measured).
 * @module
 */
import type { Turn } from "../diarization/rttm.ts";
import { ConfigError } from "../errors.ts";
import { opt, type OptionsOf, resolveConfig, type SchemaOf } from "../options.ts";
import { basename, extname } from "../paths.ts";
import { openRun, readRecording, records, referenceOf, resolve, scoreSystems, system } from "./stages/mod.ts";
import type { PluginSpec, RunOptions } from "./stages/mod.ts";
import { type OnlineSource, streamModels, streamRecording, type StreamResult } from "./stages/online.ts";
import { ONLINE_BACKBONE, ONLINE_TUNED } from "./diarize_defaults.ts";
import type { DiarizeResult } from "./diarize_types.ts";

/** The streaming recipe's config. */
export interface OnlineConfig {
  sampleRate: number;
  latency: number;
  step: number;
  duration: number;
  block: number;
  localSpeakers: number;
  localThreshold: number;
  tauActive: number;
  rhoUpdate: number;
  deltaNew: number | null;
  maxSpeakers: number;
  collar: number;
  skipOverlap: boolean;
}

/** Options of the streaming recipe, declared once (diart's defaults; thresholds tuned on AMI debug train). */
export const ONLINE_OPTIONS: SchemaOf<OnlineConfig> = {
  sampleRate: opt.integer(16000, "sample rate the audio is read at (Hz)", { min: 1000, max: 384000 }),
  latency: opt.number(2, "decision latency (s): a turn is decided this long after the audio arrives", {
    min: 0.5,
    max: 5,
  }),
  step: opt.number(0.5, "seconds between buffers (diart: 0.5)", { min: 0.1, max: 5 }),
  duration: opt.number(5, "buffer length (s) for vad and oracle local speakers; a model uses its chunk", {
    min: 1,
    max: 30,
  }),
  block: opt.number(0.1, "audio pushed at a time (s), as a microphone would deliver it", { gt: 0, max: 10 }),
  localSpeakers: opt.integer(2, "most local speakers per buffer (vad, oracle)", { min: 1, max: 8 }),
  localThreshold: opt.number(ONLINE_TUNED.localThreshold, "vad: cosine threshold of the local clustering", {
    min: 0,
    max: 2,
  }),
  tauActive: opt.number(0.6, "a local speaker is active above this activity (diart tau_active)", {
    min: 0,
    max: 1,
  }),
  rhoUpdate: opt.number(0.3, "mean activity to update or open a speaker (diart rho_update)", {
    min: 0,
    max: 1,
  }),
  deltaNew: opt.number(
    null,
    "cosine distance beyond which a new speaker opens; null = tuned for the source",
    {
      min: 0,
      max: 2,
      nullable: true,
    },
  ),
  maxSpeakers: opt.integer(20, "speaker memory size", { min: 1, max: 100 }),
  collar: opt.number(0.25, "DER collar in seconds, md-eval convention (+-collar)", { min: 0 }),
  skipOverlap: opt.boolean(true, "ignore overlapped reference speech when scoring"),
};

/** The checks that involve several options. */
export function validateOnline(c: OnlineConfig, bufferSeconds: number): void {
  if (c.latency < c.step) {
    throw new ConfigError("diarize --online", `latency (${c.latency} s) must be >= the step (${c.step} s)`);
  }
  if (c.latency > bufferSeconds) {
    throw new ConfigError(
      "diarize --online",
      `latency (${c.latency} s) must be <= the buffer (${bufferSeconds} s): a frame leaves the buffer before it is decided`,
    );
  }
}

/** Options of {@link diarizeOnline}. */
export interface OnlineRecipeOptions extends RunOptions {
  readonly audio?: string;
  readonly samples?: Float32Array;
  readonly file?: string;
  readonly reference?: string;
  readonly referenceTurns?: readonly Turn[];
  /** Local speakers: "vad" (default), "oracle", or a segmenter plugin. */
  readonly segmentation?: "vad" | "oracle" | string | PluginSpec;
  /** VAD of the `vad` source (default silero). */
  readonly vad?: string | PluginSpec;
  /** Embedding backbone (default: the shipped TDNN). */
  readonly backbone?: string | PluginSpec;
  readonly config?: OptionsOf<SchemaOf<OnlineConfig>>;
  /** Called with each turn as soon as it is decided. */
  readonly onTurn?: (t: Turn, at: number) => void;
}

/** Streams one recording through the online diarizer and scores the turns it emitted. */
export async function diarizeOnline(opts: OnlineRecipeOptions): Promise<DiarizeResult> {
  const cfg = resolveConfig("diarize --online", ONLINE_OPTIONS, opts.config ?? {});
  const run = openRun("diarize-online", opts);
  const src = opts.segmentation ?? "vad";
  const bb = await resolve(run, "backbone", opts.backbone ?? ONLINE_BACKBONE);
  const file = opts.file ?? (opts.audio ? basename(opts.audio, extname(opts.audio)) : "stream");
  const ref = await referenceOf(opts, file);
  const source: OnlineSource = src === "vad"
    ? {
      kind: "vad",
      vad: await resolve(run, "vad", opts.vad ?? "silero"),
      maxLocal: cfg.localSpeakers,
      threshold: cfg.localThreshold,
    }
    : src === "oracle"
    ? { kind: "oracle", turns: ref.turns ?? noReference(), localSpeakers: cfg.localSpeakers }
    : { kind: "segmenter", segmenter: await resolve(run, "segmenter", src) };
  const rec = await readRecording({ ...opts, sampleRate: cfg.sampleRate, file });

  // 1. per-buffer models: local speakers [F x K] of the last `duration` s, their embeddings [K x D]
  const m = await streamModels(run, source, bb, { sampleRate: cfg.sampleRate, duration: cfg.duration, file });
  validateOnline(cfg, m.duration);
  // 2. the stream: blocks pushed in order, turns emitted as soon as they are decided
  let out: StreamResult;
  try {
    const deltaNew = cfg.deltaNew ??
      (source.kind === "vad" ? ONLINE_TUNED.vadDeltaNew : ONLINE_TUNED.deltaNew);
    out = await streamRecording(m, rec.samples, { ...cfg, deltaNew, file }, opts.onTurn);
  } finally {
    await m.dispose();
  }
  // 3. the RTTM, how late turns came out, and the figures against the reference
  const mean = out.delays.reduce((a, b) => a + b, 0) / Math.max(1, out.delays.length);
  const label = `online (${
    source.kind === "segmenter" ? source.segmenter.label : source.kind
  }), latency ${cfg.latency} s`;
  const systems = [system(label, out.turns, {
    latency: cfg.latency,
    meanDelay: mean,
    maxDelay: out.delays.length ? Math.max(...out.delays) : 0,
    realTimeFactor: out.seconds / (rec.samples.length / cfg.sampleRate),
    speakersOpened: out.speakers,
  })];
  await scoreSystems(run, ref.turns, systems, cfg);
  return {
    file,
    source: opts.audio ?? "in-memory audio",
    vad: {
      method: `streaming (${source.kind})`,
      speechSeconds: speechOf(out.turns),
      regions: out.turns.length,
    },
    windows: 0,
    dim: m.dim,
    segments: [],
    embeddings: { rows: 0, cols: m.dim, data: new Float32Array(0) },
    reference: ref.turns,
    scoring: ref.turns
      ? { collar: cfg.collar, skipOverlap: cfg.skipOverlap, collarConvention: "md-eval" }
      : undefined,
    systems,
    seed: run.seed,
    stages: records(run),
    pipeline: { name: "online", why: `--online: each turn decided ${cfg.latency} s after its audio arrives` },
    notes: ref.note ? [ref.note] : [],
  };
}

function noReference(): never {
  throw new ConfigError("diarize --online", "segmentation 'oracle' needs a reference RTTM (--reference)");
}

/** Seconds covered by at least one turn. */
function speechOf(turns: readonly Turn[]): number {
  let total = 0, end = -Infinity;
  for (const t of [...turns].sort((a, b) => a.onset - b.onset)) {
    const e = t.onset + t.duration;
    if (e > end) total += e - Math.max(t.onset, end), end = e;
  }
  return total;
}
