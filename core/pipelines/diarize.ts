/**
 * The diarization recipe (embedding clustering): audio -> speech detection -> sliding windows (1.5 s
 * every 0.75 s) -> embeddings -> back-end (centring by `mean-sub`, then any adapters) -> clusterer(s) ->
 * RTTM -> DER/JER against a reference; or precomputed embeddings (a Kaldi ark + a segments file, e.g.
 * the VBx x-vectors) -> clusterer(s) -> RTTM -> DER. Every plugin (vad, backbone, adapters, clusterers,
 * der/jer metrics) comes from the registry given.
 *
 * Stages: vad | load-embeddings, embed, backend, cluster-<clusterer>..., score.
 * @module
 */
import type { Region } from "../contracts/vad.ts";
import { arkVectorsToMatrix, readArk } from "../io/kaldi_ark.ts";
import { readSegments } from "../io/kaldi_data.ts";
import { formatRttm, readRttm, type Turn } from "../diarization/rttm.ts";
import { slidingWindows, windowsToTurns } from "../diarization/segments.ts";
import { InputError } from "../errors.ts";
import { firstNonFinite, type Matrix } from "../matrix.ts";
import { opt, resolveConfig, type SchemaOf } from "../options.ts";
import { basename, extname } from "../paths.ts";
import { readMono } from "../data/audio.ts";
import { samplesChecksum } from "../hash.ts";
import {
  clusterRows,
  detectSpeech,
  diarizationFigures,
  embedRegions,
  fitBackend,
  openRun,
  type PluginSpec,
  type Recording,
  records,
  resolve,
  resolveAll,
  type Run,
  type RunOptions,
  type SpeechSource,
  type StageRecord,
} from "./stages/mod.ts";
import { ConfigError } from "../errors.ts";

/** The scalar options of {@link diarize}. */
export interface DiarizeConfig {
  /** Sample rate the audio is read at (Hz). */
  sampleRate: number;
  /** Embedding window length (s). */
  window: number;
  /** Embedding window step (s). */
  step: number;
  /** Subtract the recording's mean embedding before clustering. */
  center: boolean;
  /** Known number of speakers (null = each clusterer's rule). */
  numSpeakers: number | null;
  /** DER collar (s), md-eval convention. */
  collar: number;
  /** Ignore overlapped reference speech when scoring. */
  skipOverlap: boolean;
}

/** The scalar options of {@link diarize}, declared once (defaults, bounds, help). */
export const DIARIZE_OPTIONS: SchemaOf<DiarizeConfig> = {
  sampleRate: opt.integer(16000, "sample rate the audio is read at (Hz)", { min: 1000, max: 384000 }),
  window: opt.number(1.5, "embedding window length (s)", { gt: 0 }),
  step: opt.number(0.75, "embedding window step (s)", { gt: 0 }),
  center: opt.boolean(true, "subtract the recording's mean embedding (mean-sub) before clustering"),
  numSpeakers: opt.integer(null, "known number of speakers (oracle); null = each clusterer's rule", {
    min: 1,
    nullable: true,
  }),
  collar: opt.number(0.25, "DER collar in seconds, md-eval convention (+-collar)", { min: 0 }),
  skipOverlap: opt.boolean(true, "ignore overlapped reference speech when scoring"),
};

/** Options of {@link diarize}. */
export interface DiarizeOptions extends RunOptions, Partial<Omit<DiarizeConfig, "numSpeakers">> {
  /** Audio file to diarize. */
  readonly audio?: string;
  /** Or in-memory audio (at `sampleRate`). */
  readonly samples?: Float32Array;
  /** Or precomputed embeddings: a Kaldi ark of vectors and a segments file `<key> <file> <start> <end>`. */
  readonly embeddings?: { readonly ark: string; readonly segments: string };
  /** Recording id written into the RTTM (default: the audio file's name). */
  readonly file?: string;
  /** Reference RTTM file, or turns. */
  readonly reference?: string;
  readonly referenceTurns?: readonly Turn[];
  /** Speech detection: a `vad` plugin (silero, the default; energy; a user's), reference (oracle) or none. */
  readonly vad?: string | PluginSpec;
  /** Audio backbone (default fbank-stats). */
  readonly backbone?: string | PluginSpec;
  /** Adapters applied to the embeddings before clustering, fitted on this recording (unsupervised). */
  readonly backend?: readonly (string | PluginSpec)[];
  /** Clusterers to run and compare (default ahc). */
  readonly clusterers?: readonly (string | PluginSpec)[];
  /** Known number of speakers (oracle). */
  readonly numSpeakers?: number;
}

/** One clusterer's output. */
export interface DiarizeSystem {
  readonly label: string;
  readonly numSpeakers: number;
  readonly turns: Turn[];
  readonly rttm: string;
  readonly metrics: Record<string, number>;
  readonly extra: Record<string, unknown>;
}

/** What {@link diarize} returns. */
export interface DiarizeResult {
  readonly file: string;
  readonly source: string;
  readonly vad: { method: string; speechSeconds: number; regions: number };
  readonly windows: number;
  readonly dim: number;
  /** The embedding windows (seconds) and the embeddings clustered (after centring and back-end). */
  readonly segments: Region[];
  readonly embeddings: Matrix;
  readonly reference?: Turn[];
  readonly scoring?: { collar: number; collarConvention: "md-eval"; skipOverlap: boolean };
  readonly systems: DiarizeSystem[];
  readonly seed: number;
  readonly stages: StageRecord[];
}

type Windows = { x: Matrix; windows: Region[]; vad: DiarizeResult["vad"]; source: string };

/** Runs diarization and (with a reference) scores every clusterer. */
export async function diarize(opts: DiarizeOptions): Promise<DiarizeResult> {
  const cfg = resolveConfig("diarize", DIARIZE_OPTIONS, { ...pick(opts), numSpeakers: opts.numSpeakers });
  if ([opts.audio, opts.samples, opts.embeddings].filter((x) => x !== undefined).length !== 1) {
    throw new ConfigError(
      "diarize",
      "give exactly one of: audio (a file), samples, embeddings ({ ark, segments })",
    );
  }
  const run = openRun("diarize", opts);
  const clusterers = await resolveAll(run, "clusterer", opts.clusterers ?? ["ahc"]);
  // centring is the mean-sub adapter (no domains: subtract the recording's mean), then the user's adapters
  const backend = await resolveAll(run, "adapter", [
    ...(cfg.center ? ["mean-sub"] : []),
    ...(opts.backend ?? []),
  ]);
  const file = opts.file ?? basename(...nameOf(opts));
  const reference = opts.referenceTurns
    ? [...opts.referenceTurns]
    : opts.reference
    ? await readRttm(opts.reference)
    : undefined;

  // 1. windows [W] and their embeddings [W, D]: from audio (speech -> windows -> embed) or precomputed
  const emb = opts.embeddings
    ? await loadEmbeddings(run, opts.embeddings)
    : await embedWindows(run, opts, cfg, file, reference);
  // 2. back-end fitted on this recording [W, D']
  const x = await fitBackend(run, emb.x, backend, {}, "backend");
  // 3. one partition per clusterer -> turns
  const systems: DiarizeSystem[] = [];
  for (const c of clusterers) {
    const res = await clusterRows(run, x, c, cfg.numSpeakers ? { numClusters: cfg.numSpeakers } : {});
    const turns = windowsToTurns(emb.windows, res.labels, file);
    systems.push({
      label: c.label,
      numSpeakers: res.numClusters,
      turns,
      rttm: formatRttm(turns),
      metrics: {},
      extra: res.extra,
    });
  }
  // 4. DER/JER against the reference
  const scoring = { collar: cfg.collar, skipOverlap: cfg.skipOverlap };
  if (reference) {
    const figures = await run.stages.stage("score", {
      config: { ...scoring, systems: systems.map((s) => s.rttm) },
      inputs: [reference],
    }, () => Promise.all(systems.map((s) => diarizationFigures(run, reference, s.turns, scoring))));
    systems.forEach((s, i) => Object.assign(s.metrics, figures[i], { speakers: s.numSpeakers }));
  }
  return {
    file,
    source: emb.source,
    vad: emb.vad,
    windows: emb.windows.length,
    dim: x.cols,
    segments: emb.windows,
    embeddings: x,
    reference,
    scoring: reference ? { ...scoring, collarConvention: "md-eval" } : undefined,
    systems,
    seed: run.seed,
    stages: records(run),
  };
}

function pick(o: DiarizeOptions): Record<string, unknown> {
  const { sampleRate, window, step, center, collar, skipOverlap } = o;
  return { sampleRate, window, step, center, collar, skipOverlap };
}

function nameOf(o: DiarizeOptions): [string, string?] {
  const p = o.audio ?? o.embeddings?.ark;
  return p ? [p, extname(p)] : ["audio"];
}

/** Speech -> sliding windows -> embeddings of one recording. */
async function embedWindows(
  run: Run,
  opts: DiarizeOptions,
  cfg: DiarizeConfig,
  file: string,
  reference?: Turn[],
): Promise<Windows> {
  const bb = await resolve(run, "backbone", opts.backbone ?? "fbank-stats");
  const vadSpec = opts.vad ?? "silero";
  const vad: SpeechSource = vadSpec === "reference" || vadSpec === "none"
    ? vadSpec
    : await resolve(run, "vad", vadSpec);
  // files are resampled to the pipeline rate; in-memory samples are taken to be at `sampleRate`
  const audio = opts.samples
    ? { samples: opts.samples, sampleRate: cfg.sampleRate }
    : await readMono(opts.audio!, cfg.sampleRate);
  const source = opts.audio ?? "in-memory audio";
  // the whole signal's checksum: audio changed anywhere must not reuse cached stages
  const rec: Recording = {
    file,
    ...audio,
    key: { source, n: audio.samples.length, checksum: samplesChecksum(audio.samples) },
  };
  const speech = await detectSpeech(run, rec, vad, reference);
  const windows = slidingWindows(speech.regions, cfg.window, cfg.step);
  if (!windows.length) throw new InputError(source, "no speech found by the VAD; nothing to diarize");
  const e = await embedRegions(run, rec, windows, bb);
  const vadFacts = {
    method: speech.method,
    speechSeconds: speech.speechSeconds,
    regions: speech.regions.length,
  };
  return { x: e.x, windows, vad: vadFacts, source };
}

/** Stage `load-embeddings`: a Kaldi ark of vectors in the order of a segments file. */
function loadEmbeddings(run: Run, e: { readonly ark: string; readonly segments: string }): Promise<Windows> {
  return run.stages.stage("load-embeddings", { files: [e.ark, e.segments] }, () => {
    const segs = readSegments(e.segments);
    if (!segs.length) throw new InputError(e.segments, "no segments; the file is empty");
    const vecs = readArk(e.ark);
    const entries = segs.map((s) => {
      const value = vecs.get(s.utt);
      if (!value) throw new InputError(e.segments, `segment '${s.utt}' has no embedding in ${e.ark}`);
      return { key: s.utt, value };
    });
    const x = arkVectorsToMatrix(entries, e.ark).matrix;
    const bad = firstNonFinite(x.data);
    if (bad >= 0) {
      throw new InputError(
        e.ark,
        `'${segs[Math.floor(bad / x.cols)].utt}' holds a non-finite value (${
          x.data[bad]
        }); re-extract or drop that segment`,
      );
    }
    const windows = segs.map((s) => ({ start: s.start, end: s.end }));
    let speech = 0, last = -Infinity;
    for (const w of windows) {
      speech += Math.max(0, w.end - Math.max(w.start, last));
      last = Math.max(last, w.end);
    }
    const vad = { method: "from the segments file", speechSeconds: speech, regions: segs.length };
    return { x, windows, vad, source: `precomputed embeddings ${e.ark}` };
  });
}
