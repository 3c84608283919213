/**
 * `onnx-speaker` backbone: runs any speaker-embedding ONNX model (WeSpeaker, 3D-Speaker, pyannote's
 * WeSpeaker port, NVIDIA NeMo TitaNet/SpeakerNet/ECAPA exports, or embedkit's random-weight builders)
 * with the front end its metadata names.
 *
 * Stages per call: features per utterance (Kaldi fbank + CMN, or NeMo's normalised log-mel over the
 * whole utterance) -> cut utterances longer than `chunkSeconds` into
 * equal-length overlapping chunks -> group equal-length segments into batches -> run on the chosen EP
 * -> average chunk embeddings per utterance. NeMo models also get the int64 `length` input (valid
 * frames) and NeMo's frame padding (to a multiple of 16, one masked frame kept as NeMo's STFT gives it).
 * Embeddings are cached on disk (when `cacheDir` is set) by
 * sha256(audio) + sha256(model) + front-end/chunking config.
 * @module
 */
import type { Backbone, BackboneInput } from "../../core/contracts/mod.ts";
import { type ConfigOf, definePlugin, opt } from "../../core/plugin.ts";
import { ConfigError, InputError } from "../../core/errors.ts";
import { fbank } from "../../core/features/fbank.ts";
import { nemoMel } from "../../core/features/nemo_mel.ts";
import { EP_CHOICES, type InputTensor, loadOnnx, type OnnxModel } from "../../core/onnx/runtime.ts";
import { readModelHeader } from "../../core/onnx/writer.ts";
import { FRONTEND_PRESETS, type ResolvedFrontEnd, resolveFrontEnd } from "../../core/onnx/frontend.ts";
import { buildRandomModel } from "../../core/onnx/models/mod.ts";
import { writeFileAtomic } from "../../core/atomic.ts";
import { join } from "../../core/paths.ts";
import type { ZooModel } from "../../core/zoo/catalog.ts";
import { modelSource } from "../../core/zoo/model_source.ts";
import { sha256Hex } from "../../core/hash.ts";

const OPTIONS = {
  model: opt.string(
    "random:resnet34",
    "path to an .onnx file, or random:NAME[@SEED] (resnet34, resnet-small, xvector, xvector-small: random weights)",
    (v) => (v ? undefined : "must be a path or random:NAME"),
  ),
  frontend: opt.oneOf(
    ["auto", ...Object.keys(FRONTEND_PRESETS)],
    "auto",
    "front-end preset: auto (from the model's metadata) or a named preset",
  ),
  layout: opt.oneOf(
    ["auto", "BTF", "BFT"] as const,
    "auto",
    "feature layout: auto (from the input shape), BTF ([B,T,80]) or BFT ([B,80,T])",
  ),
  inputName: opt.string("", "model input that takes features ('' = from preset/metadata/the only input)"),
  outputName: opt.string("", "model output holding the embedding ('' = from preset/the only output)"),
  ep: opt.oneOf(
    EP_CHOICES,
    "auto",
    "execution provider: auto = onnxruntime-node when it loads, else a parity-checked WebGPU adapter, else wasm",
  ),
  threads: opt.integer(0, "CPU threads (0 = runtime default)", { min: 0, max: 256 }),
  batchSize: opt.integer(8, "segments of equal length run together", { min: 1, max: 4096 }),
  chunkSeconds: opt.number(
    30,
    "cut longer audio into chunks of this length and average their embeddings (0 = never)",
    { min: 0 },
  ),
  overlapSeconds: opt.number(5, "overlap between chunks (< chunkSeconds)", { min: 0 }),
  minSeconds: opt.number(0.2, "refuse audio shorter than this", { min: 0 }),
  cacheDir: opt.string("", "directory for cached embeddings ('' = no cache)"),
};

/** Options of the onnx-speaker backbone. */
export type OnnxSpeakerConfig = ConfigOf<typeof OPTIONS>;

const C = "backbone 'onnx-speaker'";

/** One run of the model on an equal-length slice of an utterance's features. */
interface Segment {
  readonly input: number;
  readonly start: number;
  readonly frames: number;
}

/** Frame windows covering `n` frames: one window when short, else equal windows with overlap, the last flush with the end. */
export function chunkWindows(n: number, chunk: number, overlap: number): [number, number][] {
  if (chunk <= 0 || n <= chunk) return [[0, n]];
  const hop = Math.max(1, chunk - overlap);
  const out: [number, number][] = [];
  for (let s = 0;; s += hop) {
    if (s + chunk >= n) {
      out.push([n - chunk, chunk]);
      break;
    }
    out.push([s, chunk]);
  }
  return out;
}

/** How onnx-speaker reads `model=` (core/zoo/model_source.ts). */
const MODEL_RULES = {
  component: C,
  random: (spec: string) => buildRandomModel(spec).bytes,
  unusable: (m: ZooModel) => (m.kind !== "speaker-embedding" || !m.frontend ? m.description : undefined),
  forms: "a path to an .onnx file, zoo:NAME after `deno task models pull NAME`, or random:resnet34",
};

class OnnxSpeakerBackbone implements Backbone {
  readonly modality = "audio" as const;
  private _hits = 0;
  private _misses = 0;
  constructor(
    readonly dim: number,
    readonly cfg: OnnxSpeakerConfig,
    readonly fe: ResolvedFrontEnd,
    readonly session: OnnxModel,
    readonly modelSha: string,
    readonly random: boolean,
  ) {}

  info(): Record<string, unknown> {
    return {
      backbone: "onnx-speaker",
      model: this.cfg.model,
      modelSha256: this.modelSha,
      randomWeights: this.random,
      ep: this.session.ep,
      epNote: this.session.epNote,
      threads: this.session.threads,
      ...(this.session.parity ? { parity: this.session.parity } : {}),
      frontend: {
        preset: this.fe.preset,
        from: this.fe.presetFrom,
        layout: this.fe.layout,
        input: this.fe.inputName,
        output: this.fe.outputName,
      },
      ...(this.fe.fbank ? { fbank: this.fe.fbank } : {}),
      ...(this.fe.nemo ? { nemoMel: this.fe.nemo, lengthInput: this.fe.lengthName } : {}),
      chunkSeconds: this.cfg.chunkSeconds,
      overlapSeconds: this.cfg.overlapSeconds,
      cache: this.cfg.cacheDir ? { dir: this.cfg.cacheDir, hits: this._hits, misses: this._misses } : null,
    };
  }

  private _cacheKeyConfig(): string {
    const { fbank, nemo, layout, inputName, outputName, lengthName } = this.fe;
    return JSON.stringify({
      fbank,
      ...(nemo ? { nemo, lengthName } : {}),
      layout,
      inputName,
      outputName,
      chunk: this.cfg.chunkSeconds,
      overlap: this.cfg.overlapSeconds,
    });
  }

  private async _cachePath(x: BackboneInput): Promise<string> {
    const s = x.samples!;
    const audio = await sha256Hex(new Uint8Array(s.buffer, s.byteOffset, s.byteLength));
    const key = await sha256Hex(
      new TextEncoder().encode(`${audio}|${x.sampleRate}|${this._cacheKeyConfig()}`),
    );
    return join(this.cfg.cacheDir, this.modelSha.slice(0, 16), `${key}.f32`);
  }

  /** Features of one utterance as [rows, featDim] row-major, and how many leading rows are valid. */
  private _features(x: BackboneInput): { data: Float32Array; valid: number } {
    const samples = x.samples!;
    if (this.fe.nemo) {
      let r;
      try {
        r = nemoMel(samples, this.fe.nemo);
      } catch (e) {
        if (e instanceof RangeError) throw new InputError(x.id, e.message);
        throw e;
      }
      return { data: r.feats.data, valid: r.seqLen };
    }
    const m = fbank(samples, this.fe.fbank!);
    return { data: m.data, valid: m.rows };
  }

  /**
   * Frames of the tensor a segment of `frames` valid frames runs in: the same for Kaldi fbank; for
   * NeMo, what FilterbankFeatures returns for audio of that length (its STFT frames, seq_len + 1 under
   * NeMo >= 2.0's rule, padded to a multiple of pad_to), so an unchunked utterance gets exactly NeMo's
   * tensor.
   */
  private _tensorFrames(frames: number): number {
    const n = this.fe.nemo;
    // Without a length input the model would pool over the padding: give it the valid frames only.
    if (!n || !this.fe.lengthName) return frames;
    const stft = n.seqLenRule === "legacy" ? frames : frames + 1;
    return n.padTo > 0 ? Math.ceil(stft / n.padTo) * n.padTo : stft;
  }

  /** Checks an input: audio at the model's rate, at least `minSeconds` long. */
  private _check(x: BackboneInput): Float32Array {
    const rate = this.fe.sampleRate;
    if (!(x.samples instanceof Float32Array)) {
      throw new InputError(x.id, "no audio samples (onnx-speaker embeds audio)");
    }
    if (x.sampleRate !== rate) {
      throw new InputError(
        x.id,
        `sample rate ${x.sampleRate} Hz, the model needs ${rate} Hz; resample first`,
      );
    }
    if (x.samples.length < this.cfg.minSeconds * rate) {
      throw new InputError(
        x.id,
        `${
          (x.samples.length / rate).toFixed(3)
        } s of audio is shorter than minSeconds=${this.cfg.minSeconds}; ` +
          "drop it or lower minSeconds",
      );
    }
    return x.samples;
  }

  /** The cached embedding of an input, if `cacheDir` is set and holds it. */
  private async _cached(path: string | undefined): Promise<Float32Array | undefined> {
    if (!path) return undefined;
    const b = await Deno.readFile(path).catch(() => undefined);
    if (!b || b.byteLength !== this.dim * 4) return undefined;
    this._hits++;
    return new Float32Array(b.buffer, b.byteOffset, this.dim).slice();
  }

  /** One model run over a batch of equal-length segments; adds each segment's embedding to its input's sum. */
  private async _runBatch(
    inputs: readonly BackboneInput[],
    feats: Float32Array[],
    batch: readonly Segment[],
    valid: number,
    sums: Map<number, { sum: Float64Array; n: number }>,
  ): Promise<void> {
    const fe = this.fe, F = fe.featDim;
    // NeMo models see zero-padded tensors plus the valid length; the rest see exactly `valid` frames.
    const T = this._tensorFrames(valid);
    const data = new Float32Array(batch.length * T * F).fill(fe.nemo?.padValue ?? 0);
    batch.forEach((s, k) => {
      const src = feats[s.input].subarray(s.start * F, (s.start + valid) * F);
      if (fe.layout === "BTF") data.set(src, k * T * F);
      else {
        for (let t = 0; t < valid; t++) {
          for (let f = 0; f < F; f++) data[k * T * F + f * T + t] = src[t * F + f];
        }
      }
    });
    const dims = fe.layout === "BTF" ? [batch.length, T, F] : [batch.length, F, T];
    const feeds: Record<string, InputTensor> = { [fe.inputName]: { dims, data } };
    if (fe.lengthName) {
      feeds[fe.lengthName] = {
        dims: [batch.length],
        data: new BigInt64Array(batch.length).fill(BigInt(valid)),
      };
    }
    let res;
    try {
      res = await this.session.run(feeds);
    } catch (e) {
      const ids = [...new Set(batch.map((s) => inputs[s.input].id))].slice(0, 3).join(", ");
      throw new InputError(
        ids,
        `model run failed on ${valid} frames (${(valid / fe.frameRate).toFixed(2)} s): ${
          (e as Error).message.split("\n")[0]
        }`,
      );
    }
    const e = res[fe.outputName];
    if (e.data.length !== batch.length * this.dim) {
      // e.g. a frame-level output [B, T, D]: reading it as [B, D] would give wrong embeddings
      throw new ConfigError(
        C,
        `${this.cfg.model}: output '${fe.outputName}' has shape [${e.dims}], expected [${batch.length}, ${this.dim}]; set outputName to the utterance-level embedding`,
      );
    }
    batch.forEach((s, k) => {
      const acc = sums.get(s.input) ?? { sum: new Float64Array(this.dim), n: 0 };
      for (let d = 0; d < this.dim; d++) acc.sum[d] += e.data[k * this.dim + d];
      acc.n++;
      sums.set(s.input, acc);
    });
  }

  async embed(inputs: readonly BackboneInput[]): Promise<Float32Array[]> {
    // 1. checks and cache look-ups
    inputs.forEach((x) => this._check(x));
    const cachePaths = this.cfg.cacheDir ? await Promise.all(inputs.map((x) => this._cachePath(x))) : [];
    const out: (Float32Array | undefined)[] = await Promise.all(
      inputs.map((_, i) => this._cached(cachePaths[i])),
    );
    // 2. features [frames x featDim] of the rest, cut into chunk segments
    const feats: Float32Array[] = [], segments: Segment[] = [];
    const chunk = Math.round(this.cfg.chunkSeconds * this.fe.frameRate),
      overlap = Math.round(this.cfg.overlapSeconds * this.fe.frameRate);
    for (let i = 0; i < inputs.length; i++) {
      if (out[i]) continue;
      const m = this._features(inputs[i]);
      if (m.valid === 0) throw new InputError(inputs[i].id, "too short for a single feature frame");
      feats[i] = m.data;
      for (const [start, frames] of chunkWindows(m.valid, chunk, overlap)) {
        segments.push({ input: i, start, frames });
      }
    }
    // 3. batches of equal-length segments (no padding: padding would change the pooled statistics)
    const sums = new Map<number, { sum: Float64Array; n: number }>();
    for (const [valid, group] of Map.groupBy(segments, (s) => s.frames)) {
      for (let b = 0; b < group.length; b += this.cfg.batchSize) {
        await this._runBatch(inputs, feats, group.slice(b, b + this.cfg.batchSize), valid, sums);
      }
    }
    // 4. the mean of each input's chunk embeddings, written to the cache
    for (const [i, { sum, n }] of sums) {
      const v = out[i] = Float32Array.from(sum, (x) => x / n);
      if (this.cfg.cacheDir) {
        this._misses++;
        await writeFileAtomic(cachePaths[i], new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
      }
    }
    return out as Float32Array[];
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}

/** `onnx-speaker` backbone plugin. */
export const onnxSpeakerBackbone = definePlugin({
  kind: "backbone",
  name: "onnx-speaker",
  description:
    "speaker embeddings from any ONNX model (WeSpeaker/3D-Speaker/NeMo conventions) on wasm/webgpu/node",
  module: import.meta.url,
  options: OPTIONS,
  validate(c) {
    if (c.chunkSeconds > 0 && c.overlapSeconds >= c.chunkSeconds) {
      throw new ConfigError(
        C,
        `'overlapSeconds' (${c.overlapSeconds}) must be smaller than 'chunkSeconds' (${c.chunkSeconds})`,
      );
    }
  },
  async create(c): Promise<Backbone> {
    const { bytes, random } = await modelSource(c.model, MODEL_RULES);
    let header;
    try {
      header = readModelHeader(bytes);
    } catch (e) {
      throw new InputError(
        c.model,
        `not an ONNX model (${(e as Error).message}); re-download it (models verify)`,
      );
    }
    const fe = resolveFrontEnd(c.model, header, c);
    const session = await loadOnnx(bytes, { ep: c.ep, threads: c.threads });
    const outDims = header.outputs.find((o) => o.name === fe.outputName)?.dims ?? [];
    let dim = typeof outDims.at(-1) === "number"
      ? outDims.at(-1) as number
      : Number(header.metadata.output_dim ?? 0);
    if (!(dim > 0)) {
      const T = 208, F = fe.featDim;
      const feeds: Record<string, InputTensor> = {
        [fe.inputName]: { dims: fe.layout === "BTF" ? [1, T, F] : [1, F, T], data: new Float32Array(T * F) },
      };
      if (fe.lengthName) feeds[fe.lengthName] = { dims: [1], data: BigInt64Array.of(200n) };
      const r = await session.run(feeds);
      dim = r[fe.outputName].data.length;
    }
    return new OnnxSpeakerBackbone(dim, c, fe, session, await sha256Hex(bytes), random);
  },
});
