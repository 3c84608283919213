/**
 * `pyannet-segmentation` (backbone role `segmentation`): any pyannote-style segmentation ONNX model
 * (layout read from its metadata, see core/diarization/segmentation/onnx_segmenter.ts):
 * `model=random:pyannet[@SEED]` builds the architecture-faithful PyanNet with seeded random weights
 * (core/onnx/models/pyannet.ts; `random:pyannet-small` is a tiny variant for tests),
 * `model=zoo:pyannote-segmentation-3.0` loads the pulled sherpa-onnx export, or a path to an .onnx file.
 * @module
 */
import type { Segmenter } from "../../core/contracts/segmentation.ts";
import { ConfigError, InputError } from "../../core/errors.ts";
import { definePlugin, opt } from "../../core/plugin.ts";
import { buildRandomPyanNet } from "../../core/onnx/models/pyannet.ts";
import { EP_CHOICES } from "../../core/onnx/runtime.ts";
import { OnnxSegmenter } from "../../core/diarization/segmentation/onnx_segmenter.ts";
import { zooModel } from "../../core/zoo/catalog.ts";
import { installedPath, modelPath } from "../../core/zoo/store.ts";

const C = "backbone 'pyannet-segmentation'";

async function modelBytes(spec: string): Promise<Uint8Array> {
  if (spec.startsWith("random:")) {
    try {
      return buildRandomPyanNet(spec).bytes;
    } catch (e) {
      throw new ConfigError(C, (e as Error).message);
    }
  }
  if (spec.startsWith("zoo:")) {
    let m;
    try {
      m = zooModel(spec.slice(4));
    } catch (e) {
      throw new ConfigError(C, (e as Error).message);
    }
    if (m.kind !== "segmentation") {
      throw new ConfigError(C, `zoo model '${m.name}' is a ${m.kind} model, not a segmentation model`);
    }
    const path = await installedPath(m);
    if (path) return await Deno.readFile(path);
    throw new InputError(
      modelPath(m),
      `zoo model '${m.name}' is not installed; run 'deno task embedkit models pull ${m.name}'`,
    );
  }
  try {
    return await Deno.readFile(spec);
  } catch (e) {
    throw new InputError(
      spec,
      e instanceof Deno.errors.NotFound
        ? "segmentation model not found; give a path to an .onnx file, zoo:pyannote-segmentation-3.0 (after 'models pull'), or random:pyannet"
        : `cannot read the segmentation model (${(e as Error).message})`,
    );
  }
}

/** `pyannet-segmentation` plugin. */
export const pyannetSegmentation = definePlugin({
  kind: "backbone",
  role: "segmentation",
  name: "pyannet-segmentation",
  description:
    "pyannote-style segmentation ONNX (PyanNet: SincNet + BiLSTM, powerset) -> per-frame local-speaker activity",
  module: import.meta.url,
  options: {
    model: opt.string(
      "random:pyannet",
      "random:pyannet[@SEED] (architecture of segmentation-3.0, random weights), zoo:pyannote-segmentation-3.0, or a path",
      (v) => (v ? undefined : "give a model"),
    ),
    ep: opt.oneOf(EP_CHOICES, "wasm", "execution provider (core/onnx/runtime.ts)"),
    threads: opt.integer(0, "CPU threads (0 = runtime default)", { min: 0 }),
    batchSize: opt.integer(32, "chunks per model call", { min: 1 }),
  },
  async create(c) {
    const bytes = await modelBytes(c.model);
    const s = await OnnxSegmenter.load(bytes, {
      name: c.model,
      ep: c.ep,
      threads: c.threads,
      batchSize: c.batchSize,
    });
    const L = s.layout;
    const seg: Segmenter = {
      role: "segmentation",
      sampleRate: L.sampleRate,
      chunkSeconds: L.windowSize / L.sampleRate,
      chunkSamples: L.windowSize,
      framesPerChunk: s.framesPerChunk,
      numSpeakers: L.numSpeakers,
      maxSpeakersPerFrame: L.powersetMaxClasses || L.numSpeakers,
      frameStart: 0,
      frameStep: L.receptiveFieldShift / L.sampleRate,
      frameDuration: L.receptiveFieldSize / L.sampleRate,
      info: () => ({
        model: c.model,
        layoutFrom: L.from,
        powersetClasses: L.powersetMaxClasses ? L.numClasses : null,
        framesPerChunk: s.framesPerChunk,
        ep: s.model.ep,
        epNote: s.model.epNote,
      }),
      segment: (chunks, o) => s.segment(chunks, o),
      dispose: () => s.dispose(),
    };
    return seg;
  },
});
