/**
 * The overlap-aware diarization recipe, pyannote.audio 3.x's SpeakerDiarization.apply() on the stage
 * library: a segmentation model (a `segmenter` plugin, or the oracle derived from a reference) gives the
 * local speakers of sliding chunks; each local speaker is embedded on its own, overlap-free frames; the
 * local speakers are clustered with the constraint that two of one chunk are different people; and the
 * per-frame speaker count rebuilds a timeline where a frame can carry two speakers: RTTM with
 * overlapping turns. Algorithms: core/diarization/segmentation (each checked against pyannote).
 *
 * Options are declared once as nested per-stage sections (sherpa-onnx style): `segmentation`,
 * `embedding`, `clustering`, `scoring` ({@link OVERLAP_OPTIONS}); {@link validateOverlap} checks what
 * involves several of them. Stages: segmentation, embed-local, cluster-local, score.
 * @module
 */
import { opt, type OptionDecl, type OptionsOf, resolveConfig, type SchemaOf } from "../options.ts";
import { ConfigError } from "../errors.ts";
import { basename, extname } from "../paths.ts";
import {
  clampCount,
  markInactiveSpeakers,
  reconstruct,
  speakerCount,
  toTurns,
} from "../diarization/segmentation/mod.ts";
import { openRun, readRecording, records, referenceOf, resolve, scoreSystems, system } from "./stages/mod.ts";
import type { PluginSpec, RunOptions } from "./stages/mod.ts";
import { embedLocalSpeakers, type SegmentationSource, segmentRecording } from "./stages/segmentation.ts";
import { clusterLocal, type LocalClusteringSettings } from "./stages/local_clustering.ts";
import { OVERLAP_TUNED } from "./diarize_defaults.ts";
import type { DiarizeResult } from "./diarize_types.ts";
import type { Turn } from "../diarization/rttm.ts";

const count = (help: string): OptionDecl<number | null> =>
  opt.integer(null, help, { min: 1, nullable: true });

/** The overlap-aware recipe's config, by stage. */
export interface OverlapConfig {
  sampleRate: number;
  segmentation: { step: number; chunkSeconds: number; localSpeakers: number; minDurationOff: number };
  embedding: { excludeOverlap: boolean; minSeconds: number; center: boolean };
  clustering: LocalClusteringSettings;
  scoring: { collar: number; skipOverlap: boolean };
}

/** The declarations of {@link OverlapConfig}: one section of options per stage. */
export type OverlapSchema = {
  readonly sampleRate: OptionDecl<number>;
  readonly segmentation: SchemaOf<OverlapConfig["segmentation"]>;
  readonly embedding: SchemaOf<OverlapConfig["embedding"]>;
  readonly clustering: SchemaOf<LocalClusteringSettings>;
  readonly scoring: SchemaOf<OverlapConfig["scoring"]>;
};

/** Every option of the overlap-aware recipe, by stage (defaults: pyannote 3.1's, thresholds tuned here). */
export const OVERLAP_OPTIONS: OverlapSchema = {
  sampleRate: opt.integer(16000, "sample rate the audio is read at (Hz)", { min: 1000, max: 384000 }),
  segmentation: {
    step: opt.number(0.1, "step between chunks as a fraction of the chunk (pyannote 3.1: 0.1)", {
      gt: 0,
      max: 1,
    }),
    chunkSeconds: opt.number(10, "oracle segmentation: chunk duration (s); a model uses its own", { gt: 0 }),
    localSpeakers: opt.integer(3, "oracle segmentation: local speakers per chunk; a model has its own", {
      min: 1,
      max: 16,
    }),
    minDurationOff: opt.number(0, "fill same-speaker gaps shorter than this (s)", { min: 0 }),
  },
  embedding: {
    excludeOverlap: opt.boolean(true, "embed each local speaker on frames where it speaks alone"),
    minSeconds: opt.number(0.5, "overlap-free audio needed for that (s); less uses all its frames", {
      min: 0,
    }),
    center: opt.boolean(OVERLAP_TUNED.center, "subtract the recording's mean local embedding (tuned)"),
  },
  clustering: {
    method: opt.oneOf(
      ["centroid", "average", "ward", "complete", "single"] as const,
      "centroid",
      "AHC linkage",
    ),
    threshold: opt.number(OVERLAP_TUNED.threshold, "AHC threshold (tuned on AMI debug train + development)", {
      min: 0,
    }),
    minClusterSize: opt.integer(12, "smaller clusters join the closest large one (pyannote 3.1: 12)", {
      min: 1,
    }),
    constrained: opt.boolean(true, "cannot-link: two local speakers of one chunk are different people"),
    numSpeakers: count("known number of speakers; null = estimated"),
    minSpeakers: count("fewest speakers to estimate; null = 1"),
    maxSpeakers: count("most speakers (also caps the speakers of one frame); null = no bound"),
  },
  scoring: {
    collar: opt.number(0.25, "DER collar in seconds, md-eval convention (+-collar)", { min: 0 }),
    skipOverlap: opt.boolean(false, "ignore overlapped reference speech when scoring (default: scored)"),
  },
};

/** The checks that involve several options, each saying what to change. */
export function validateOverlap(c: OverlapConfig): void {
  const { numSpeakers: n, minSpeakers: lo, maxSpeakers: hi } = c.clustering;
  const fail = (m: string) => {
    throw new ConfigError("diarize (segmentation)", m);
  };
  if (lo !== null && hi !== null && lo > hi) {
    fail(`clustering.minSpeakers (${lo}) > maxSpeakers (${hi}); swap them`);
  }
  if (n !== null && ((lo !== null && n < lo) || (hi !== null && n > hi))) {
    fail(
      `clustering.numSpeakers (${n}) lies outside [minSpeakers, maxSpeakers]; give the count or the bounds`,
    );
  }
  if (c.segmentation.step * c.segmentation.chunkSeconds < 0.01) {
    fail(
      `segmentation.step (${c.segmentation.step}) x chunkSeconds (${c.segmentation.chunkSeconds}) is under 10 ms; chunks would repeat`,
    );
  }
  if (c.embedding.minSeconds > c.segmentation.chunkSeconds) {
    fail(
      `embedding.minSeconds (${c.embedding.minSeconds}) exceeds the chunk (${c.segmentation.chunkSeconds} s)`,
    );
  }
}

/** Options of {@link diarizeOverlap}. */
export interface OverlapOptions extends RunOptions {
  readonly audio?: string;
  readonly samples?: Float32Array;
  readonly file?: string;
  readonly reference?: string;
  readonly referenceTurns?: readonly Turn[];
  /** A segmenter plugin (pyannet-segmentation with a model), or "oracle" (from the reference). */
  readonly segmentation: string | PluginSpec | "oracle";
  /** Embedding backbone of the local speakers (default: the tuned one, {@link OVERLAP_BACKBONE}). */
  readonly backbone?: string | PluginSpec;
  /** Per-stage options over {@link OVERLAP_OPTIONS}'s defaults. */
  readonly config?: OptionsOf<OverlapSchema>;
}

/** The embedding model the thresholds were tuned with (it ships with embedkit; bench/diarize_tune.ts). */
export const OVERLAP_BACKBONE: PluginSpec = OVERLAP_TUNED.backbone;

/** Runs the overlap-aware recipe on one recording. */
export async function diarizeOverlap(opts: OverlapOptions): Promise<DiarizeResult> {
  const cfg = resolveConfig("diarize (segmentation)", OVERLAP_OPTIONS, opts.config ?? {});
  validateOverlap(cfg);
  const run = openRun("diarize-segmentation", opts);
  const source: SegmentationSource = opts.segmentation === "oracle"
    ? "oracle"
    : await resolve(run, "segmenter", opts.segmentation);
  const bb = await resolve(run, "backbone", opts.backbone ?? OVERLAP_BACKBONE);
  const file = opts.file ?? (opts.audio ? basename(opts.audio, extname(opts.audio)) : "audio");
  const ref = await referenceOf(opts, file);
  const rec = await readRecording({ ...opts, sampleRate: cfg.sampleRate, file });

  // 1. local speakers of sliding chunks: [C x F x K] binarised activities
  const seg = await segmentRecording(run, rec, source, cfg.segmentation, ref.turns);
  // 2. speaker count per frame [N], capped by maxSpeakers
  let cnt = speakerCount(seg.scores, seg.frames);
  const cap = cfg.clustering.numSpeakers ?? cfg.clustering.maxSpeakers;
  if (cap !== null) cnt = clampCount(cnt, cap);
  // 3. one embedding per (chunk, local speaker) on its overlap-free frames: [C x K x D]
  const emb = await embedLocalSpeakers(run, rec, seg, bb, cfg.embedding);
  // 4. constrained clustering of the local speakers -> [C x K] global speaker (-2: none)
  const cl = await clusterLocal(run, emb, seg, cfg.clustering, cfg.embedding.center);
  const hard = markInactiveSpeakers(cl.hard, seg.scores);
  // 5. reconstruction: [N x M] speakers per frame (overlap where the count is 2) -> overlapping turns
  const turns = toTurns(reconstruct(seg.scores, hard, cnt), {
    file,
    minDurationOff: cfg.segmentation.minDurationOff,
  });
  const label = `${
    source === "oracle" ? "oracle segmentation" : source.label
  } + ${bb.label} + constrained AHC`;
  const systems = [system(label, turns, { ...cl.extra, segmentation: seg.info })];
  // 6. figures against the reference (overlap scored by default: this recipe is meant to find it)
  await scoreSystems(run, ref.turns, systems, cfg.scoring);
  let speech = 0;
  for (const c of cnt.counts) if (c > 0) speech += cnt.window.step;
  return {
    file,
    source: opts.audio ?? "in-memory audio",
    vad: { method: seg.method, speechSeconds: speech, regions: seg.scores.chunks },
    windows: emb.active,
    dim: emb.dim,
    segments: cl.segments,
    embeddings: cl.x,
    reference: ref.turns,
    scoring: ref.turns ? { ...cfg.scoring, collarConvention: "md-eval" } : undefined,
    systems,
    seed: run.seed,
    stages: records(run),
    pipeline: { name: "segmentation", why: seg.method },
    notes: ref.note ? [ref.note] : [],
  };
}
