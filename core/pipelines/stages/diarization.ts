/**
 * Stages and helpers the diarization recipes share (windows, segmentation, online): reading a recording
 * (long WAV files block by block, core/audio/wav_stream.ts), taking a recording's turns from a reference
 * RTTM that may hold several, clustering with errors in the user's terms, and scoring every system
 * (the figures' names come from evaluate.ts).
 * @module
 */
import type { ClusterRequest } from "../../contracts/clusterer.ts";
import { readMono } from "../../data/audio.ts";
import { readLongWav } from "../../audio/wav_stream.ts";
import { turnsOfRecording } from "../../diarization/recording_turns.ts";
import { formatRttm, readRttm, type Turn } from "../../diarization/rttm.ts";
import { ConfigError } from "../../errors.ts";
import { samplesChecksum } from "../../hash.ts";
import type { Matrix } from "../../matrix.ts";
import { type Clustering, clusterRows } from "./cluster.ts";
import type { Resolved, Run } from "./context.ts";
import type { Recording } from "./embed.ts";
import { diarizationFigures, type DiarizationScoring } from "./evaluate.ts";

/** Where a recording's samples come from. */
export interface AudioSource {
  readonly audio?: string;
  readonly samples?: Float32Array;
  readonly sampleRate: number;
  readonly file: string;
}

/**
 * A recording at `sampleRate`: in-memory samples as given, a mono PCM16/float WAV at that rate read in
 * blocks (hours of audio cost their float32 samples only), any other file decoded and resampled.
 */
export async function readRecording(a: AudioSource): Promise<Recording> {
  const samples = a.samples ?? await readLongWav(a.audio!, a.sampleRate) ??
    (await readMono(a.audio!, a.sampleRate)).samples;
  const source = a.audio ?? "in-memory audio";
  // the whole signal's checksum: audio changed anywhere must not reuse cached stages
  const key = { source, n: samples.length, checksum: samplesChecksum(samples) };
  return { file: a.file, samples, sampleRate: a.sampleRate, key };
}

/** The reference turns of recording `file` (a corpus RTTM holds several), and how they were matched. */
export async function referenceOf(
  o: { readonly reference?: string; readonly referenceTurns?: readonly Turn[] },
  file: string,
): Promise<{ turns?: Turn[]; note?: string }> {
  if (o.referenceTurns) return { turns: [...o.referenceTurns] };
  if (!o.reference) return {};
  const m = turnsOfRecording(await readRttm(o.reference), file, o.reference);
  return { turns: m.turns, note: m.note };
}

const NO_RULE = /no stopping rule|needs a cluster count|request\.numClusters/;

/**
 * Stage `cluster-<label>` (stages/cluster.ts) for diarization: a clusterer that cannot stop by itself
 * (no count, no threshold) is reported in the user's terms (the CLI's options and the library's fields)
 * instead of the clusterer contract's `request.numClusters`.
 */
export async function clusterSpeakers(
  run: Run,
  x: Matrix,
  clusterer: Resolved<"clusterer">,
  request: Omit<ClusterRequest, "seed">,
  stage?: string,
): Promise<Clustering> {
  try {
    return await clusterRows(run, x, clusterer, request, stage);
  } catch (e) {
    if (!NO_RULE.test((e as Error).message)) throw e;
    throw new ConfigError(
      run.name,
      `clusterer '${clusterer.label}' cannot tell how many speakers there are: give the number (--speakers N; ` +
        `numSpeakers in the library), or a threshold in its spec (--clusterer ${clusterer.name}:threshold=T), ` +
        "or leave the clusterer out to use the default rule tuned for the backbone",
    );
  }
}

/** A scored system: turns, their RTTM, figures against the reference. */
export interface ScoredSystem {
  readonly label: string;
  readonly numSpeakers: number;
  readonly turns: Turn[];
  readonly rttm: string;
  readonly metrics: Record<string, number>;
  readonly extra: Record<string, unknown>;
}

/** A system from its turns (metrics filled in by {@link scoreSystems}); speakers default to the turns'. */
export function system(
  label: string,
  turns: Turn[],
  extra: Record<string, unknown> = {},
  numSpeakers: number = new Set(turns.map((t) => t.speaker)).size,
): ScoredSystem {
  return { label, numSpeakers, turns, rttm: formatRttm(turns), metrics: {}, extra };
}

/** Stage `score`: every system's figures against the reference (DER/JER, detection, purity/coverage). */
export async function scoreSystems(
  run: Run,
  reference: readonly Turn[] | undefined,
  systems: readonly ScoredSystem[],
  scoring: DiarizationScoring,
): Promise<void> {
  if (!reference?.length) return;
  const figures = await run.stages.stage("score", {
    config: { ...scoring, systems: systems.map((s) => s.rttm) },
    inputs: [reference],
  }, () => Promise.all(systems.map((s) => diarizationFigures(run, reference, s.turns, scoring))));
  systems.forEach((s, i) => Object.assign(s.metrics, figures[i], { speakers: s.numSpeakers }));
}
