/**
 * The export stage of the training recipe: the trained weights as an ONNX model the onnx-speaker
 * backbone loads (front end declared in its metadata). The TDNN and the head go through the sequential
 * exporter; ResNet34 / ResNet34-SE / ECAPA through their architecture's graph builder (the network is
 * rebuilt from the same settings and given the trained weights). Not cached: the file is the deliverable.
 * @module
 */
import { type EmbedderExport, exportEmbedder, exportModule, type LayerSpec } from "../onnx/export.ts";
import type { StateDict } from "../onnx/layers.ts";
import { buildSpeakerNet, type SpeakerNetConfig } from "../nn/speaker_nets.ts";
import { StatefulRng } from "../nn/rng.ts";
import { EcapaTdnn } from "../nn/ecapa.ts";
import { ResNet } from "../nn/resnet.ts";
import type { Run } from "./stages/mod.ts";

/** The TDNN as layer specs (conv-ReLU-BN per layer, statistics pooling, embedding layer). */
function tdnnSpec(n: number, dilations: readonly number[]): LayerSpec[] {
  const layers: LayerSpec[] = [];
  for (let i = 0; i < n; i++) {
    layers.push(
      { type: "tdnn", name: `conv${i}`, dilation: dilations[i] },
      { type: "relu" },
      { type: "batchnorm", name: `bn${i}` },
    );
  }
  layers.push({ type: "statspool", unbiased: false }, { type: "linear", name: "embed" });
  return layers;
}

/** Writes the trained weights of `cfg`'s network (or head) as ONNX; returns the bytes and tensor names. */
async function exportWeights(
  cfg: SpeakerNetConfig & { readonly mode: string },
  trained: { readonly state: StateDict; readonly inputDim: number },
  out: string,
  metadata: Record<string, string>,
) {
  if (cfg.mode === "head" || cfg.arch === "tdnn") {
    const layers: LayerSpec[] = cfg.mode === "head"
      ? [{ type: "linear", name: "0" }, { type: "relu" }, { type: "linear", name: "2" }]
      : tdnnSpec(cfg.channels.length, cfg.dilations);
    return await exportModule({ stateDict: () => trained.state }, layers, {
      inputDim: trained.inputDim,
      path: out,
      metadata,
    });
  }
  const net = buildSpeakerNet(cfg, new StatefulRng(0));
  net.loadStateDict(trained.state);
  let spec: EmbedderExport;
  if (net instanceof EcapaTdnn) spec = { arch: "ecapa", config: net.cfg };
  else if (net instanceof ResNet) spec = { arch: "resnet", config: net.cfg };
  else throw new Error(`export: no ONNX builder for arch '${cfg.arch}'`);
  return await exportEmbedder({ stateDict: () => trained.state }, spec, { path: out, metadata });
}

/** Stage `export`: writes the model to `out`; returns where and what. */
export function exportTrained(
  run: Run,
  cfg: SpeakerNetConfig & { readonly mode: string },
  trained: { readonly state: StateDict; readonly inputDim: number },
  out: string,
  note: string,
): Promise<{ path: string; bytes: number; inputName: string; outputName: string; outputDim: number }> {
  return run.stages.stage("export", { config: { out }, inputs: [trained], noCache: true }, async () => {
    const e = await exportWeights(cfg, trained, out, { "embedkit.trained": note });
    return {
      path: out,
      bytes: e.bytes.length,
      inputName: e.inputName,
      outputName: e.outputName,
      outputDim: e.outputDim,
    };
  });
}
