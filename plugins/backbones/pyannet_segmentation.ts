/**
 * `pyannet-segmentation` (backbone role `segmentation`): any pyannote-style segmentation ONNX model
 * (layout read from its metadata, see core/diarization/segmentation/onnx_segmenter.ts):
 * `model=random:pyannet[@SEED]` builds the architecture-faithful PyanNet with seeded random weights
 * (core/onnx/models/pyannet.ts; `random:pyannet-small` is a tiny variant for tests),
 * `model=zoo:pyannote-segmentation-3.0` loads the pulled sherpa-onnx export, or a path to an .onnx file.
 * @module
 */
import type { Segmenter } from "../../core/contracts/segmentation.ts";
import { definePlugin, opt } from "../../core/plugin.ts";
import { buildRandomPyanNet } from "../../core/onnx/models/pyannet.ts";
import { EP_CHOICES } from "../../core/onnx/runtime.ts";
import { OnnxSegmenter } from "../../core/diarization/segmentation/onnx_segmenter.ts";
import type { ZooModel } from "../../core/zoo/catalog.ts";
import { modelSource } from "../../core/zoo/model_source.ts";

const C = "backbone 'pyannet-segmentation'";

/** How the plugin reads `model=` (core/zoo/model_source.ts). */
const MODEL_RULES = {
  component: C,
  random: (spec: string) => buildRandomPyanNet(spec).bytes,
  unusable: (
    m: ZooModel,
  ) => (m.kind !== "segmentation" ? `it is a ${m.kind} model, not a segmentation model` : undefined),
  forms: "a path to an .onnx file, zoo:pyannote-segmentation-3.0 (after 'models pull'), or random:pyannet",
};

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
    ep: opt.oneOf(
      EP_CHOICES,
      "auto",
      "execution provider (core/onnx/runtime.ts; auto = the fastest that loads)",
    ),
    threads: opt.integer(0, "CPU threads (0 = runtime default)", { min: 0 }),
    batchSize: opt.integer(32, "chunks per model call", { min: 1 }),
  },
  async create(c) {
    const { bytes } = await modelSource(c.model, MODEL_RULES);
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
