/**
 * The diarization pipeline: audio -> VAD -> sliding windows (1.5 s every 0.75 s) -> embeddings ->
 * clusterer(s) -> RTTM -> DER/JER against a reference; or precomputed embeddings (a Kaldi ark + a
 * segments file, e.g. the VBx x-vectors) -> clusterer(s) -> RTTM -> DER. Every plugin (backbone,
 * adapters, clusterers, der/jer metrics) comes from the registry.
 *
 * Stages: audio, vad, windows, embed, backend, cluster-<clusterer>..., score.
 * @module
 */
import type { Adapter } from "../contracts/adapter.ts";
import type { Clusterer, ClusterResult } from "../contracts/clusterer.ts";
import type { Metric } from "../contracts/scorer.ts";
import { formatRttm, readRttm, type Turn } from "../diarization/rttm.ts";
import { ConfigError, InputError } from "../errors.ts";
import { arkVectorsToMatrix, readArk } from "../io/kaldi_ark.ts";
import { check } from "../config.ts";
import { firstNonFinite, type Matrix } from "../matrix.ts";
import { basename, extname } from "../paths.ts";
import { Pipeline, type StageRecord } from "../pipeline/runner.ts";
import { status } from "../progress.ts";
import type { Registry } from "../registry.ts";
import { SileroVad } from "../vad/silero.ts";
import { readMono } from "./audio.ts";
import { embedAll, labelOf, type PluginSpec, reg, resolved, samplesChecksum, spec } from "./common.ts";
import { energyVad, type Region, slidingWindows, windowsToTurns } from "./segments.ts";

/** Options of {@link diarize}. */
export interface DiarizeOptions {
  /** Audio file to diarize. */
  readonly audio?: string;
  /** Or in-memory audio. */
  readonly samples?: Float32Array;
  readonly sampleRate?: number;
  /** Or precomputed embeddings: a Kaldi ark of vectors and a segments file `<key> <file> <start> <end>`. */
  readonly embeddings?: { readonly ark: string; readonly segments: string };
  /** Recording id written into the RTTM (default: the audio file's name). */
  readonly file?: string;
  /** Reference RTTM file, or turns. */
  readonly reference?: string;
  readonly referenceTurns?: readonly Turn[];
  /**
   * Speech detection for audio input: silero (Silero VAD v5 from the npm package, default), energy
   * (built-in, no model), reference (oracle speech from the reference RTTM) or none.
   */
  readonly vad?: "silero" | "energy" | "reference" | "none";
  /** Window length and step in seconds (1.5, 0.75). */
  readonly window?: number;
  readonly step?: number;
  /** Audio backbone (default fbank-stats). */
  readonly backbone?: string | PluginSpec;
  /** Adapters applied to the embeddings before clustering, fitted on this recording (unsupervised). */
  readonly backend?: readonly (string | PluginSpec)[];
  /** Subtract the recording's mean embedding before clustering (default true). */
  readonly center?: boolean;
  /** Clusterers to run and compare (default ahc). */
  readonly clusterers?: readonly (string | PluginSpec)[];
  /** Known number of speakers (oracle); otherwise each clusterer's own stopping rule. */
  readonly numSpeakers?: number;
  /** DER collar in seconds, md-eval convention (+-collar) (default 0.25). */
  readonly collar?: number;
  /** Ignore overlapped reference speech when scoring (default true). */
  readonly skipOverlap?: boolean;
  readonly seed?: number;
  readonly workDir?: string;
  readonly resume?: boolean;
  readonly registry?: Registry;
  readonly quiet?: boolean;
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

/** Reads a segments file: `<key> <file> <start> <end>` per line. */
export async function readSegments(
  path: string,
): Promise<{ key: string; file: string; start: number; end: number }[]> {
  const out: { key: string; file: string; start: number; end: number }[] = [];
  (await Deno.readTextFile(path)).split(/\r?\n/).forEach((line, i) => {
    const f = line.trim().split(/\s+/);
    if (f.length === 1 && !f[0]) return;
    const start = Number(f[2]), end = Number(f[3]);
    if (f.length !== 4 || !Number.isFinite(start) || !Number.isFinite(end) || end < start) {
      throw new InputError(
        path,
        `expected '<key> <file> <start> <end>' with end >= start, got '${line.trim()}'`,
        i + 1,
      );
    }
    out.push({ key: f[0], file: f[1], start, end });
  });
  if (!out.length) throw new InputError(path, "no segments; the file is empty");
  return out;
}

/** Runs diarization and (with a reference) scores every clusterer. */
export async function diarize(opts: DiarizeOptions): Promise<DiarizeResult> {
  const r = reg(opts.registry);
  const seed = opts.seed ?? 1234;
  const p = new Pipeline({
    name: "diarize",
    workDir: opts.workDir,
    resume: opts.resume,
    seed,
    quiet: opts.quiet,
  });
  const sources = [opts.audio, opts.samples, opts.embeddings].filter((x) => x !== undefined).length;
  if (sources !== 1) {
    throw new ConfigError(
      "diarize",
      "give exactly one of: audio (a file), samples, embeddings ({ ark, segments })",
    );
  }
  const clusterers = (opts.clusterers ?? ["ahc"]).map(spec);
  const backend = (opts.backend ?? []).map(spec);
  const clCfg = clusterers.map((c) => resolved(r, "clusterer", c));
  const beCfg = backend.map((b) => resolved(r, "adapter", b));
  const window = opts.window ?? 1.5, step = opts.step ?? 0.75;
  const collar = opts.collar ?? 0.25, skipOverlap = opts.skipOverlap ?? true;
  check.positive("diarize", "window", window);
  check.positive("diarize", "step", step);
  check.nonNegative("diarize", "collar", collar);
  if (opts.numSpeakers !== undefined) check.integer("diarize", "numSpeakers", opts.numSpeakers, 1);
  const file = opts.file ??
    (opts.audio
      ? basename(opts.audio, extname(opts.audio))
      : opts.embeddings
      ? basename(opts.embeddings.ark, extname(opts.embeddings.ark))
      : "audio");

  const reference = opts.referenceTurns
    ? [...opts.referenceTurns]
    : opts.reference
    ? await readRttm(opts.reference)
    : undefined;

  let emb: { x: Matrix; windows: Region[]; vad: { method: string; speechSeconds: number; regions: number } };
  let source: string;
  if (opts.embeddings) {
    const { ark, segments } = opts.embeddings;
    source = `precomputed embeddings ${ark}`;
    emb = await p.stage("load-embeddings", { files: [ark, segments] }, async () => {
      const segs = await readSegments(segments);
      const vecs = readArk(ark);
      const entries = segs.map((s) => {
        const value = vecs.get(s.key);
        if (!value) throw new InputError(segments, `segment '${s.key}' has no embedding in ${ark}`);
        return { key: s.key, value };
      });
      const x = arkVectorsToMatrix(entries, ark).matrix;
      const bad = firstNonFinite(x.data);
      if (bad >= 0) {
        throw new InputError(
          ark,
          `'${segs[Math.floor(bad / x.cols)].key}' holds a non-finite value (${
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
      return {
        x,
        windows,
        vad: { method: "from the segments file", speechSeconds: speech, regions: segs.length },
      };
    });
  } else {
    const sampleRate = opts.sampleRate ?? 16000;
    source = opts.audio ?? "in-memory audio";
    const bb = spec(opts.backbone ?? "fbank-stats");
    const bbCfg = resolved(r, "backbone", bb);
    // files are resampled to the pipeline rate; in-memory samples are taken to be at `sampleRate`
    const audio = opts.samples
      ? { samples: opts.samples, sampleRate }
      : await readMono(opts.audio!, sampleRate);
    // the whole signal's checksum: in-memory audio changed anywhere must not reuse cached stages
    const audioKey = { source, n: audio.samples.length, checksum: samplesChecksum(audio.samples) };
    const vadMethod = opts.vad ?? "silero";
    if (vadMethod === "reference" && !reference) {
      throw new ConfigError("diarize", "vad 'reference' needs a reference RTTM");
    }
    const vad = await p.stage("vad", {
      config: { vad: vadMethod, audioKey, ref: vadMethod === "reference" ? reference : null },
      files: opts.audio ? [opts.audio] : [],
    }, async () => {
      const dur = audio.samples.length / sampleRate;
      let regions: Region[];
      if (vadMethod === "none") regions = [{ start: 0, end: dur }];
      else if (vadMethod === "reference") {
        regions = mergeRegions(reference!.map((t) => ({ start: t.onset, end: t.onset + t.duration })));
      } else if (vadMethod === "energy") regions = energyVad(audio.samples, sampleRate);
      else if (vadMethod === "silero") {
        const v = await SileroVad.create();
        try {
          regions = await v.segments(audio.samples, sampleRate, source);
        } finally {
          await v.dispose();
        }
      } else {throw new ConfigError(
          "diarize",
          `unknown vad '${vadMethod}'; use silero, energy, reference or none`,
        );}
      return { method: vadMethod, regions, speechSeconds: regions.reduce((s, g) => s + g.end - g.start, 0) };
    });
    const windows = slidingWindows(vad.regions, window, step);
    if (!windows.length) throw new InputError(source, "no speech found by the VAD; nothing to diarize");
    const e = await p.stage(
      "embed",
      { config: { backbone: bbCfg, window, step }, inputs: [vad] },
      async (ctx) => {
        const model = await r.create("backbone", bb.name, bb.options ?? {});
        try {
          const x = await embedAll(model, windows.length, (i) => ({
            id: `${file}:${windows[i].start.toFixed(2)}`,
            samples: audio.samples.subarray(
              Math.round(windows[i].start * sampleRate),
              Math.round(windows[i].end * sampleRate),
            ),
            sampleRate,
          }), `embed ${labelOf(bb)}`);
          ctx.log(`${x.rows} windows of ${window} s every ${step} s, dim ${x.cols}`);
          return { x, info: model.info() };
        } finally {
          await model.dispose?.();
        }
      },
    );
    emb = {
      x: e.x,
      windows,
      vad: {
        method: VAD_NAMES[vadMethod] ?? vadMethod,
        speechSeconds: vad.speechSeconds,
        regions: vad.regions.length,
      },
    };
  }

  const center = opts.center ?? true;
  const prepared = await p.stage(
    "backend",
    { config: { backend: beCfg, center }, inputs: [emb] },
    async () => {
      let x = emb.x;
      if (center) x = centerRows(x);
      for (const a of backend) {
        const ad = await r.create("adapter", a.name, a.options ?? {}) as Adapter;
        await ad.fit({ x });
        x = ad.transform(x);
      }
      return x;
    },
  );

  const systems: DiarizeSystem[] = [];
  for (let c = 0; c < clusterers.length; c++) {
    const cl = clusterers[c], label = labelOf(cl);
    const res = await p.stage(`cluster-${label}`, {
      config: { clusterer: clCfg[c], numSpeakers: opts.numSpeakers ?? null },
      inputs: [prepared],
    }, async (ctx) => {
      const inst = await r.create("clusterer", cl.name, cl.options ?? {}) as Clusterer;
      const out: ClusterResult = await inst.cluster(prepared, {
        numClusters: opts.numSpeakers,
        seed: ctx.seed,
      });
      const extra: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(out.extra ?? {})) {
        if (typeof v !== "object" || v === null) extra[k] = v;
      }
      return { labels: out.labels, numClusters: out.numClusters, extra };
    });
    const turns = windowsToTurns(emb.windows, res.labels, file);
    systems.push({
      label,
      numSpeakers: res.numClusters,
      turns,
      rttm: formatRttm(turns),
      metrics: {},
      extra: res.extra,
    });
  }

  if (reference) {
    const scores = await p.stage("score", {
      config: { collar, skipOverlap, systems: systems.map((s) => s.rttm) },
      inputs: [reference],
    }, async () => {
      const out: Record<string, number>[] = [];
      for (const s of systems) {
        const m: Record<string, number> = {};
        const hyp = s.turns.map((t) => ({ ...t, file: reference[0]?.file ?? t.file }));
        if (r.has("scorer", "der")) {
          const der = await r.create("scorer", "der", {
            collar,
            collarConvention: "md-eval",
            skipOverlap,
            uemFrom: "ref",
          }) as Metric;
          const d = der.compute({ reference, hypothesis: hyp });
          Object.assign(m, {
            "DER %": d.der,
            "missed %": d.missedRate,
            "false alarm %": d.falseAlarmRate,
            "confusion %": d.confusionRate,
          });
        } else status("metric plugin 'der' is not registered; no DER");
        if (r.has("scorer", "jer")) {
          const jer = await r.create("scorer", "jer", {}) as Metric;
          m["JER %"] = jer.compute({ reference, hypothesis: hyp }).jer;
        }
        m["speakers"] = s.numSpeakers;
        out.push(m);
      }
      return out;
    });
    systems.forEach((s, i) => Object.assign(s.metrics, scores[i]));
  }
  return {
    file,
    source,
    vad: emb.vad,
    windows: emb.windows.length,
    dim: prepared.cols,
    segments: emb.windows,
    embeddings: prepared,
    reference,
    scoring: reference ? { collar, collarConvention: "md-eval", skipOverlap } : undefined,
    systems,
    seed,
    stages: p.records(),
  };
}

const VAD_NAMES: Record<string, string> = {
  silero: "Silero VAD v5 (npm @ricky0123/vad-web)",
  energy: "energy VAD (built-in)",
  reference: "oracle speech regions from the reference",
  none: "no VAD (whole recording)",
};

function centerRows(x: Matrix): Matrix {
  const { rows, cols, data } = x;
  const mean = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mean[j] += data[i * cols + j] / rows;
  const out = new Float32Array(data.length);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) out[i * cols + j] = data[i * cols + j] - mean[j];
  }
  return { rows, cols, data: out };
}

function mergeRegions(regions: Region[]): Region[] {
  const out: Region[] = [];
  for (const g of regions.sort((a, b) => a.start - b.start)) {
    const last = out.at(-1);
    if (last && g.start <= last.end) {
      out[out.length - 1] = { start: last.start, end: Math.max(last.end, g.end) };
    } else out.push(g);
  }
  return out;
}
