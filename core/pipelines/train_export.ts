/**
 * The export stage of the training recipe: the trained weights as an ONNX model the onnx-speaker
 * backbone loads (front end declared in its metadata). Not cached: the file is the deliverable.
 * @module
 */
import { exportModule, type LayerSpec } from "../onnx/export.ts";
import type { StateDict } from "../onnx/layers.ts";
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

/** Stage `export`: writes the model to `out`; returns where and what. */
export function exportTrained(
  run: Run,
  cfg: {
    readonly mode: "tdnn" | "head";
    readonly channels: readonly number[];
    readonly dilations: readonly number[];
  },
  trained: { readonly state: StateDict; readonly inputDim: number },
  out: string,
  note: string,
): Promise<{ path: string; bytes: number; inputName: string; outputName: string; outputDim: number }> {
  return run.stages.stage("export", { config: { out }, inputs: [trained], noCache: true }, async () => {
    const layers: LayerSpec[] = cfg.mode === "tdnn"
      ? tdnnSpec(cfg.channels.length, cfg.dilations)
      : [{ type: "linear", name: "0" }, { type: "relu" }, { type: "linear", name: "2" }];
    const e = await exportModule({ stateDict: () => trained.state }, layers, {
      inputDim: trained.inputDim,
      path: out,
      metadata: { "embedkit.trained": note },
    });
    return {
      path: out,
      bytes: e.bytes.length,
      inputName: e.inputName,
      outputName: e.outputName,
      outputDim: e.outputDim,
    };
  });
}
