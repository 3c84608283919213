/**
 * Runs any pyannote-style segmentation ONNX model (PyanNet exports by sherpa-onnx, pyannote's own
 * exports, embedkit's random-weight PyanNet) on fixed-length chunks.
 *
 * The layout comes from the model's metadata, with the keys sherpa-onnx's export script writes and its
 * C++ reader (offline-speaker-segmentation-pyannote-model.cc) requires: sample_rate, window_size
 * (samples), receptive_field_size / receptive_field_shift (samples), num_speakers,
 * powerset_max_classes, num_classes. Models without them (e.g. onnx-community's transformers.js export)
 * are read as pyannote segmentation-3.0 (16 kHz, 10 s, 991/270, 3 speakers, powerset 2) when their output
 * has 7 classes, and `info().layoutFrom` says so. Frames per chunk are measured by running one silent
 * chunk at load. Output: log-probabilities [N, F, num_classes] (powerset) or probabilities [N, F, K]
 * (multilabel models: num_classes == num_speakers), decoded to multilabel activity per frame.
 * @module
 */
import type { SegmentOptions } from "../../contracts/segmentation.ts";
import { ConfigError } from "../../errors.ts";
import { type EpChoice, loadOnnx, type OnnxModel } from "../../onnx/runtime.ts";
import { readModelHeader } from "../../onnx/writer.ts";
import { powersetClasses, powersetToMultilabel } from "./powerset.ts";

/** The layout a segmentation model declares (or that was assumed). */
export interface SegmentationLayout {
  readonly sampleRate: number;
  /** Samples per chunk. */
  readonly windowSize: number;
  readonly receptiveFieldSize: number;
  readonly receptiveFieldShift: number;
  readonly numSpeakers: number;
  /** 0 for multilabel models. */
  readonly powersetMaxClasses: number;
  readonly numClasses: number;
  /** "metadata" or the assumption made. */
  readonly from: string;
}

const KEYS = [
  "sample_rate",
  "window_size",
  "receptive_field_size",
  "receptive_field_shift",
  "num_speakers",
  "num_classes",
] as const;

/** Reads the layout from metadata, or assumes segmentation-3.0's for a 7-class model without it. */
export function segmentationLayout(bytes: Uint8Array, name = "model"): SegmentationLayout {
  const h = readModelHeader(bytes);
  const m = h.metadata;
  const present = KEYS.filter((k) => m[k] !== undefined);
  if (present.length === KEYS.length) {
    const n = (k: string) => {
      const v = Number(m[k]);
      if (!Number.isFinite(v) || v < 0) {
        throw new ConfigError(name, `metadata '${k}'='${m[k]}' is not a number`);
      }
      return v;
    };
    const lay = {
      sampleRate: n("sample_rate"),
      windowSize: n("window_size"),
      receptiveFieldSize: n("receptive_field_size"),
      receptiveFieldShift: n("receptive_field_shift"),
      numSpeakers: n("num_speakers"),
      powersetMaxClasses: m.powerset_max_classes !== undefined ? n("powerset_max_classes") : 0,
      numClasses: n("num_classes"),
      from: "metadata",
    };
    const expect = lay.powersetMaxClasses > 0
      ? powersetClasses(lay.numSpeakers, lay.powersetMaxClasses).length
      : lay.numSpeakers;
    if (expect !== lay.numClasses) {
      throw new ConfigError(
        name,
        `metadata says num_classes=${lay.numClasses} but ${lay.numSpeakers} speakers with powerset_max_classes=${lay.powersetMaxClasses} give ${expect}`,
      );
    }
    return lay;
  }
  const out = h.outputs[0]?.dims ?? [];
  const last = out[out.length - 1];
  if (present.length === 0 && last === 7) {
    return {
      sampleRate: 16000,
      windowSize: 160000,
      receptiveFieldSize: 991,
      receptiveFieldShift: 270,
      numSpeakers: 3,
      powersetMaxClasses: 2,
      numClasses: 7,
      from: "assumed pyannote segmentation-3.0 (no metadata; 7-class output)",
    };
  }
  throw new ConfigError(
    name,
    `is not a pyannote-style segmentation model: metadata lacks ${
      KEYS.filter((k) => m[k] === undefined).join(", ")
    } (sherpa-onnx's scripts/pyannote/segmentation/export-onnx.py writes them; add them with onnx's metadata_props)`,
  );
}

/** A loaded segmentation model. */
export class OnnxSegmenter {
  private constructor(
    readonly layout: SegmentationLayout,
    readonly model: OnnxModel,
    readonly inputName: string,
    readonly inputRank: number,
    readonly framesPerChunk: number,
    readonly batchSize: number,
  ) {}

  /** Loads `bytes` on the chosen EP and measures frames per chunk on a silent chunk. */
  static async load(
    bytes: Uint8Array,
    o: { name?: string; ep?: EpChoice; threads?: number; batchSize?: number } = {},
  ): Promise<OnnxSegmenter> {
    const name = o.name ?? "segmentation model";
    const layout = segmentationLayout(bytes, name);
    const h = readModelHeader(bytes);
    const input = h.inputs[0];
    if (!input || (input.dims.length !== 3 && input.dims.length !== 2)) {
      throw new ConfigError(name, `expects input [N, 1, T] or [N, T]; the model declares [${input?.dims}]`);
    }
    const rank = input.dims.length;
    const dims = rank === 3 ? [1, 1, layout.windowSize] : [1, layout.windowSize];
    const probe = { [input.name]: { dims, data: new Float32Array(layout.windowSize) } };
    const model = await loadOnnx(bytes, { ep: o.ep ?? "wasm", threads: o.threads, probe });
    const out = Object.values(await model.run(probe))[0];
    if (out.dims.length !== 3 || out.dims[2] !== layout.numClasses) {
      await model.dispose();
      throw new ConfigError(name, `output is [${out.dims}], expected [N, frames, ${layout.numClasses}]`);
    }
    return new OnnxSegmenter(layout, model, input.name, rank, out.dims[1], Math.max(1, o.batchSize ?? 32));
  }

  /** Raw model outputs per chunk: `[frames x numClasses]` each. */
  async raw(chunks: readonly Float32Array[]): Promise<Float32Array[]> {
    const W = this.layout.windowSize, F = this.framesPerChunk, P = this.layout.numClasses;
    const out: Float32Array[] = [];
    for (let b = 0; b < chunks.length; b += this.batchSize) {
      const batch = chunks.slice(b, b + this.batchSize);
      const data = new Float32Array(batch.length * W);
      batch.forEach((c, i) => {
        if (c.length !== W) {
          throw new RangeError(`chunk ${b + i} has ${c.length} samples; the model takes ${W}`);
        }
        data.set(c, i * W);
      });
      const dims = this.inputRank === 3 ? [batch.length, 1, W] : [batch.length, W];
      const y = Object.values(await this.model.run({ [this.inputName]: { dims, data } }))[0];
      for (let i = 0; i < batch.length; i++) out.push(y.data.slice(i * F * P, (i + 1) * F * P));
    }
    return out;
  }

  /** Multilabel activity per chunk, `[frames x numSpeakers]` each (see SegmentOptions). */
  async segment(chunks: readonly Float32Array[], o: SegmentOptions = {}): Promise<Float32Array[]> {
    const raw = await this.raw(chunks);
    const { numSpeakers, powersetMaxClasses } = this.layout;
    if (powersetMaxClasses === 0) return raw;
    return raw.map((r) =>
      powersetToMultilabel(
        o.soft ? logSoftmaxRows(r, this.layout.numClasses) : r,
        numSpeakers,
        powersetMaxClasses,
        o.soft,
      )
    );
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}

/** Row-wise log-softmax (identity on log-probabilities; makes soft decoding safe for raw logits). */
function logSoftmaxRows(x: Float32Array, n: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < x.length; r += n) {
    let m = -Infinity;
    for (let i = 0; i < n; i++) m = Math.max(m, x[r + i]);
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.exp(x[r + i] - m);
    const l = m + Math.log(s);
    for (let i = 0; i < n; i++) out[r + i] = x[r + i] - l;
  }
  return out;
}
