/**
 * The diarization recipe by embedding clustering (the default, runs with no model download): audio ->
 * speech detection -> sliding windows (1.5 s every 0.75 s) -> embeddings -> back-end (centring by
 * `mean-sub`, then any adapters) -> clusterer(s) -> RTTM -> DER/JER, detection and purity/coverage against
 * a reference; or precomputed embeddings (a Kaldi ark + a segments file, e.g. the VBx x-vectors) ->
 * clusterer(s). Without a clusterer and a count, the number of speakers is estimated by the rule tuned for
 * the backbone (diarize_defaults.ts); `minSpeakers`/`maxSpeakers` bound the estimate. One speaker per
 * window: overlapped speech needs the segmentation recipe (diarize_overlap.ts). Every plugin (vad,
 * backbone, adapters, clusterers, metrics) comes from the registry given.
 *
 * Stages: vad | load-embeddings, embed, backend, cluster-<clusterer>..., score.
 * @module
 */
import type { Region } from "../contracts/vad.ts";
import { arkVectorsToMatrix, readArk } from "../io/kaldi_ark.ts";
import { readSegments } from "../io/kaldi_data.ts";
import { slidingWindows, windowsToTurns } from "../diarization/segments.ts";
import { ConfigError, InputError } from "../errors.ts";
import { firstNonFinite, type Matrix } from "../matrix.ts";
import { resolveConfig } from "../options.ts";
import { basename, extname } from "../paths.ts";
import {
  clusterSpeakers,
  detectSpeech,
  embedRegions,
  fitBackend,
  openRun,
  readRecording,
  records,
  referenceOf,
  resolve,
  resolveAll,
  type Run,
  scoreSystems,
  type SpeechSource,
  system,
} from "./stages/mod.ts";
import { defaultClusterer } from "./diarize_defaults.ts";
import {
  DIARIZE_OPTIONS,
  type DiarizeConfig,
  type DiarizeOptions,
  type DiarizeResult,
  speakerRequest,
  validateSpeakers,
} from "./diarize_types.ts";

export {
  DIARIZE_OPTIONS,
  type DiarizeConfig,
  type DiarizeOptions,
  type DiarizeResult,
  type DiarizeSystem,
} from "./diarize_types.ts";

type Windows = { x: Matrix; windows: Region[]; vad: DiarizeResult["vad"]; source: string };

/** Runs diarization and (with a reference) scores every clusterer. */
export async function diarize(opts: DiarizeOptions): Promise<DiarizeResult> {
  const cfg = resolveConfig("diarize", DIARIZE_OPTIONS, pick(opts));
  validateSpeakers("diarize", cfg);
  if ([opts.audio, opts.samples, opts.embeddings].filter((x) => x !== undefined).length !== 1) {
    throw new ConfigError(
      "diarize",
      "give exactly one of: audio (a file), samples, embeddings ({ ark, segments })",
    );
  }
  const run = openRun("diarize", opts);
  const bb = opts.embeddings ? undefined : await resolve(run, "backbone", opts.backbone ?? "fbank-stats");
  const rule = opts.clusterers ? undefined : defaultClusterer(bb, cfg.numSpeakers);
  const clusterers = await resolveAll(run, "clusterer", opts.clusterers ?? [rule!.spec]);
  // centring is the mean-sub adapter (no domains: subtract the recording's mean), then the user's adapters
  const backend = await resolveAll(run, "adapter", [
    ...(cfg.center ? ["mean-sub"] : []),
    ...(opts.backend ?? []),
  ]);
  const file = opts.file ?? basename(...nameOf(opts));
  const ref = await referenceOf(opts, file);
  const notes = [ref.note, rule && `clustering: ${rule.why}`].filter((n): n is string => !!n);

  // 1. windows [W] and their embeddings [W, D]: from audio (speech -> windows -> embed) or precomputed
  const emb = opts.embeddings
    ? await loadEmbeddings(run, opts.embeddings)
    : await embedWindows(run, opts, cfg, file, ref.turns);
  if (!emb.windows.length) notes.push(`${emb.source}: no speech found (${emb.vad.method}); no speaker turns`);
  // 2. back-end fitted on this recording [W, D']
  const x = emb.windows.length ? await fitBackend(run, emb.x, backend, {}, "backend") : emb.x;
  // 3. one partition per clusterer [W] -> turns
  const systems = [];
  for (const c of clusterers) {
    const res = x.rows
      ? await clusterSpeakers(run, x, c, speakerRequest(cfg))
      : { labels: new Int32Array(0), numClusters: 0, extra: {} };
    systems.push(system(c.label, windowsToTurns(emb.windows, res.labels, file), res.extra, res.numClusters));
  }
  // 4. DER/JER, detection, purity/coverage against the reference
  const scoring = { collar: cfg.collar, skipOverlap: cfg.skipOverlap };
  await scoreSystems(run, ref.turns, systems, scoring);
  return {
    file,
    source: emb.source,
    vad: emb.vad,
    windows: emb.windows.length,
    dim: x.cols,
    segments: emb.windows,
    embeddings: x,
    reference: ref.turns,
    scoring: ref.turns ? { ...scoring, collarConvention: "md-eval" } : undefined,
    systems,
    seed: run.seed,
    stages: records(run),
    pipeline: { name: "windows", why: "VAD -> windows -> embeddings -> clustering" },
    notes,
  };
}

function pick(o: DiarizeOptions): Record<string, unknown> {
  const { sampleRate, window, step, center, collar, skipOverlap, numSpeakers, minSpeakers, maxSpeakers } = o;
  return { sampleRate, window, step, center, collar, skipOverlap, numSpeakers, minSpeakers, maxSpeakers };
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
  reference?: DiarizeResult["reference"],
): Promise<Windows> {
  const bb = await resolve(run, "backbone", opts.backbone ?? "fbank-stats");
  const vadSpec = opts.vad ?? "silero";
  const vad: SpeechSource = vadSpec === "reference" || vadSpec === "none"
    ? vadSpec
    : await resolve(run, "vad", vadSpec);
  // files are resampled to the pipeline rate; in-memory samples are taken to be at `sampleRate`
  const rec = await readRecording({ ...opts, sampleRate: cfg.sampleRate, file });
  const source = opts.audio ?? "in-memory audio";
  const speech = await detectSpeech(run, rec, vad, reference);
  const windows = slidingWindows(speech.regions, cfg.window, cfg.step);
  const e = windows.length
    ? await embedRegions(run, rec, windows, bb)
    : { x: { rows: 0, cols: 0, data: new Float32Array(0) } };
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
