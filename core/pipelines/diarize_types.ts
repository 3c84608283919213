/**
 * What the diarization recipes share: the scalar options of the window recipe (declared once), its
 * options and result types, and the speaker-count request every recipe builds from them. The recipes:
 * diarize.ts (VAD -> windows -> embeddings -> clustering), diarize_overlap.ts (segmentation, overlap-aware)
 * and diarize_online.ts (streaming); diarize_choose.ts says which one runs.
 * @module
 */
import type { Region } from "../contracts/vad.ts";
import type { ClusterRequest } from "../contracts/clusterer.ts";
import type { Turn } from "../diarization/rttm.ts";
import { ConfigError } from "../errors.ts";
import type { Matrix } from "../matrix.ts";
import { opt, type SchemaOf } from "../options.ts";
import type { PluginSpec, RunOptions, ScoredSystem, StageRecord } from "./stages/mod.ts";

/** The scalar options of `diarize`. */
export interface DiarizeConfig {
  /** Sample rate the audio is read at (Hz). */
  sampleRate: number;
  /** Embedding window length (s). */
  window: number;
  /** Embedding window step (s). */
  step: number;
  /** Subtract the recording's mean embedding before clustering. */
  center: boolean;
  /** Known number of speakers (null = estimated). */
  numSpeakers: number | null;
  /** Fewest speakers to estimate (null = 1). */
  minSpeakers: number | null;
  /** Most speakers to estimate (null = no bound). */
  maxSpeakers: number | null;
  /** DER collar (s), md-eval convention. */
  collar: number;
  /** Ignore overlapped reference speech when scoring. */
  skipOverlap: boolean;
}

const count = (help: string) => opt.integer(null, help, { min: 1, nullable: true });

/** The scalar options of `diarize`, declared once (defaults, bounds, help). */
export const DIARIZE_OPTIONS: SchemaOf<DiarizeConfig> = {
  sampleRate: opt.integer(16000, "sample rate the audio is read at (Hz)", { min: 1000, max: 384000 }),
  window: opt.number(1.5, "embedding window length (s)", { gt: 0 }),
  step: opt.number(0.75, "embedding window step (s)", { gt: 0 }),
  center: opt.boolean(true, "subtract the recording's mean embedding (mean-sub) before clustering"),
  numSpeakers: count(
    "known number of speakers; null = estimated (the tuned default rule or each clusterer's)",
  ),
  minSpeakers: count("fewest speakers to estimate; null = 1"),
  maxSpeakers: count("most speakers to estimate; null = no bound"),
  collar: opt.number(0.25, "DER collar in seconds, md-eval convention (+-collar)", { min: 0 }),
  skipOverlap: opt.boolean(true, "ignore overlapped reference speech when scoring"),
};

/** The checks that involve several speaker-count options, each saying what to change. */
export function validateSpeakers(
  component: string,
  c: Pick<DiarizeConfig, "numSpeakers" | "minSpeakers" | "maxSpeakers">,
): void {
  const { numSpeakers: n, minSpeakers: lo, maxSpeakers: hi } = c;
  if (lo !== null && hi !== null && lo > hi) {
    throw new ConfigError(
      component,
      `minSpeakers (${lo}) must be <= maxSpeakers (${hi}); swap them or drop one`,
    );
  }
  if (n !== null && ((lo !== null && n < lo) || (hi !== null && n > hi))) {
    throw new ConfigError(
      component,
      `numSpeakers (${n}) lies outside [minSpeakers, maxSpeakers] = [${lo ?? 1}, ${
        hi ?? "any"
      }]; give the count or the bounds, not both`,
    );
  }
}

/** The clustering request: the known count, or the bounds of the estimate. */
export function speakerRequest(
  c: Pick<DiarizeConfig, "numSpeakers" | "minSpeakers" | "maxSpeakers">,
): ClusterRequest {
  if (c.numSpeakers !== null) return { numClusters: c.numSpeakers };
  return {
    ...(c.minSpeakers !== null ? { minClusters: c.minSpeakers } : {}),
    ...(c.maxSpeakers !== null ? { maxClusters: c.maxSpeakers } : {}),
  };
}

/** Options of `diarize`. */
export interface DiarizeOptions
  extends RunOptions, Partial<Omit<DiarizeConfig, "numSpeakers" | "minSpeakers" | "maxSpeakers">> {
  /** Audio file to diarize. */
  readonly audio?: string;
  /** Or in-memory audio (at `sampleRate`). */
  readonly samples?: Float32Array;
  /** Or precomputed embeddings: a Kaldi ark of vectors and a segments file `<key> <file> <start> <end>`. */
  readonly embeddings?: { readonly ark: string; readonly segments: string };
  /** Recording id written into the RTTM (default: the audio file's name). */
  readonly file?: string;
  /** Reference RTTM file (its turns of this recording are used), or turns. */
  readonly reference?: string;
  readonly referenceTurns?: readonly Turn[];
  /** Speech detection: a `vad` plugin (silero, the default; energy; a user's), reference (oracle) or none. */
  readonly vad?: string | PluginSpec;
  /** Audio backbone (default fbank-stats). */
  readonly backbone?: string | PluginSpec;
  /** Adapters applied to the embeddings before clustering, fitted on this recording (unsupervised). */
  readonly backend?: readonly (string | PluginSpec)[];
  /** Clusterers to run and compare (default: the rule tuned for the backbone, diarize_defaults.ts). */
  readonly clusterers?: readonly (string | PluginSpec)[];
  /** Known number of speakers (oracle). */
  readonly numSpeakers?: number;
  /** Bounds of the estimated number of speakers. */
  readonly minSpeakers?: number;
  readonly maxSpeakers?: number;
}

/** One clusterer's output: its turns, their RTTM and its figures against the reference. */
export type DiarizeSystem = ScoredSystem;

/** Which recipe ran and why (the CLI prints it). */
export interface PipelineChoice {
  /** "windows" (VAD -> windows -> embeddings -> clustering), "segmentation" (overlap-aware) or "online". */
  readonly name: "windows" | "segmentation" | "online";
  /** Why this one: what was given or installed. */
  readonly why: string;
}

/** What every diarization recipe returns. */
export interface DiarizeResult {
  readonly file: string;
  readonly source: string;
  readonly vad: { method: string; speechSeconds: number; regions: number };
  /** Embedded regions: windows, or (chunk, local speaker) pairs for the segmentation recipe. */
  readonly windows: number;
  readonly dim: number;
  /** The embedded regions (seconds) and the embeddings clustered (after centring and back-end). */
  readonly segments: Region[];
  readonly embeddings: Matrix;
  readonly reference?: Turn[];
  readonly scoring?: { collar: number; collarConvention: "md-eval"; skipOverlap: boolean };
  readonly systems: DiarizeSystem[];
  readonly seed: number;
  readonly stages: StageRecord[];
  /** The recipe that ran. */
  readonly pipeline?: PipelineChoice;
  /** What the user should know: how the reference was matched, why nothing was found... */
  readonly notes?: string[];
}
