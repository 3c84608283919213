/**
 * Export of modules trained by the framework: a sequence of layers whose weights come from the
 * module's `stateDict()` (PyTorch naming: `<name>.weight` [out, in] / [out, in, k], `<name>.bias`,
 * BN `<name>.running_mean` ...). Shapes are read from the state dict, so a layer spec only names things.
 * The result loads in onnxruntime (web and node) and in embedkit's onnx-speaker backbone.
 * @module
 */
import { Graph } from "./writer.ts";
import { writeFileAtomic } from "../atomic.ts";
import { batchNorm, conv1d, linear, relu, type StateDict, statsPool, WeightSource } from "./layers.ts";
import { buildResNet, type ResNetOptions } from "./models/resnet.ts";
import { buildEcapa, type EcapaOptions } from "./models/ecapa.ts";

/** One exported layer. */
export type LayerSpec =
  | { readonly type: "linear"; readonly name: string }
  | { readonly type: "tdnn"; readonly name: string; readonly dilation?: number; readonly pad?: number }
  | { readonly type: "batchnorm"; readonly name: string; readonly eps?: number }
  | { readonly type: "relu" }
  | { readonly type: "tanh" }
  | { readonly type: "statspool"; readonly unbiased?: boolean; readonly eps?: number }
  | { readonly type: "l2norm" };

/** Export options. */
export interface ExportOptions {
  /** Feature size of the input: [B, inputDim] for heads, [B, T, inputDim] when the first layer is tdnn. */
  readonly inputDim: number;
  readonly inputName?: string;
  readonly outputName?: string;
  readonly metadata?: Record<string, string | number>;
}

/** Result of an export. */
export interface Exported {
  readonly bytes: Uint8Array;
  readonly inputName: string;
  readonly outputName: string;
  readonly outputDim: number;
}

/**
 * Writes an ONNX graph for `layers` with weights from `state`. Refuses unknown or mis-shaped weights
 * and weights the layers never use (a sign the spec and the module disagree).
 */
export function exportSequential(layers: readonly LayerSpec[], state: StateDict, o: ExportOptions): Exported {
  const g = new Graph("embedkit-export");
  const w = new WeightSource(undefined, state);
  const used = new Set<string>();
  const shapeOf = (name: string) => {
    const t = state[name];
    if (!t) throw new Error(`export: state dict has no '${name}'; keys: ${Object.keys(state).join(", ")}`);
    used.add(name);
    return t.shape;
  };
  const sequence = layers[0]?.type === "tdnn";
  const inputName = o.inputName ?? (sequence ? "feats" : "x");
  const outputName = o.outputName ?? "embedding";
  let x = g.input(inputName, sequence ? ["B", "T", o.inputDim] : ["B", o.inputDim]);
  if (sequence) x = g.op("Transpose", [x], { perm: [0, 2, 1] });
  let dim = o.inputDim;
  let seq = sequence;
  for (const [i, l] of layers.entries()) {
    const where = `export: layer ${i} (${l.type}${"name" in l ? ` '${l.name}'` : ""})`;
    switch (l.type) {
      case "linear": {
        if (seq) throw new Error(`${where}: add a statspool layer before a linear layer`);
        const [out, inp] = shapeOf(`${l.name}.weight`);
        if (inp !== dim) {
          throw new Error(`${where}: weight expects ${inp} inputs, the previous layer gives ${dim}`);
        }
        const bias = `${l.name}.bias` in state;
        if (bias) used.add(`${l.name}.bias`);
        x = linear(g, w, l.name, x, inp, out, bias);
        dim = out;
        break;
      }
      case "tdnn": {
        if (!seq) throw new Error(`${where}: tdnn layers need a [B, T, F] input (before statspool)`);
        const [out, inp, k] = shapeOf(`${l.name}.weight`);
        if (inp !== dim) {
          throw new Error(`${where}: weight expects ${inp} channels, the previous layer gives ${dim}`);
        }
        const bias = `${l.name}.bias` in state;
        if (bias) used.add(`${l.name}.bias`);
        x = conv1d(g, w, l.name, x, inp, out, k, { dilation: l.dilation ?? 1, pad: l.pad ?? 0, bias });
        dim = out;
        break;
      }
      case "batchnorm":
        for (const p of ["weight", "bias", "running_mean", "running_var"]) shapeOf(`${l.name}.${p}`);
        x = batchNorm(g, w, l.name, x, dim, l.eps ?? 1e-5);
        break;
      case "relu":
        x = relu(g, x);
        break;
      case "tanh":
        x = g.op("Tanh", [x]);
        break;
      case "statspool":
        if (!seq) throw new Error(`${where}: statspool needs a sequence input`);
        x = statsPool(g, x, l.unbiased ?? true, l.eps ?? 1e-7);
        dim *= 2;
        seq = false;
        break;
      case "l2norm": {
        const norm = g.op("ReduceL2", [x], { axes: [seq ? 1 : -1], keepdims: 1 });
        x = g.op("Div", [x, g.op("Max", [norm, g.f32([1e-12])])]);
        break;
      }
      default:
        throw new Error(`export: unknown layer type '${(l as { type: string }).type}'`);
    }
  }
  if (seq) throw new Error("export: the network ends on a sequence; add a statspool layer");
  const unused = Object.keys(state).filter((k) => !used.has(k) && !k.endsWith("num_batches_tracked"));
  if (unused.length) {
    throw new Error(`export: the layer spec does not use these weights: ${unused.join(", ")}`);
  }
  g.output(x, outputName, ["B", dim]);
  return {
    bytes: g.encode({ metadata: { "embedkit.export": "sequential", output_dim: dim, ...o.metadata } }),
    inputName,
    outputName,
    outputDim: dim,
  };
}

/** Anything that exposes its weights the way the framework's trainable modules do. */
export interface HasStateDict {
  stateDict(): StateDict;
}

/**
 * Exports a trained module (its `stateDict()`) as ONNX and optionally writes it atomically to `path`.
 * A TDNN-first spec gets WeSpeaker conventions (`feats` [B,T,F] -> `embs`, front-end metadata) so the
 * onnx-speaker backbone can load it directly.
 */
export async function exportModule(
  module: HasStateDict,
  layers: readonly LayerSpec[],
  o: ExportOptions & { readonly path?: string; readonly frontend?: string },
): Promise<Exported> {
  const speaker = layers[0]?.type === "tdnn";
  const e = exportSequential(layers, module.stateDict(), {
    ...o,
    inputName: o.inputName ?? (speaker ? "feats" : undefined),
    outputName: o.outputName ?? (speaker ? "embs" : undefined),
    metadata: {
      ...(speaker
        ? {
          framework: "wespeaker",
          sample_rate: 16000,
          normalize_samples: 0,
          "embedkit.frontend": o.frontend ?? "wespeaker",
        }
        : {}),
      ...o.metadata,
    },
  });
  if (o.path) await writeFileAtomic(o.path, e.bytes);
  return e;
}

/** A trained embedder to export through its architecture's builder (core/onnx/models). */
export type EmbedderExport =
  | { readonly arch: "resnet"; readonly config: Omit<ResNetOptions, "state" | "seed" | "metadata"> }
  | { readonly arch: "ecapa"; readonly config: Omit<EcapaOptions, "state" | "seed" | "metadata"> };

/**
 * Exports a trained ResNet / ResNet-SE (core/nn/resnet.ts) or ECAPA-TDNN (core/nn/ecapa.ts) with the
 * same builders that make the random-weight models (one graph definition per architecture), taking
 * every weight from the module's state dict; WeSpeaker conventions (`feats` [B, T, F] -> `embs`,
 * front-end metadata) so onnx-speaker loads it with the right front end. Refuses state-dict entries
 * the graph does not use (the module and the builder disagree). Writes atomically to `path` if given.
 */
export async function exportEmbedder(
  module: HasStateDict,
  spec: EmbedderExport,
  o: { readonly path?: string; readonly metadata?: Record<string, string | number> } = {},
): Promise<Exported & { readonly parameters: number }> {
  const state = module.stateDict();
  const used = new Set<string>();
  const tracked = new Proxy(state, {
    get(t, k, r) {
      if (typeof k === "string") used.add(k);
      return Reflect.get(t, k, r);
    },
  });
  const metadata: Record<string, string> = {
    url: "trained with embedkit (core/nn)",
    "embedkit.export": spec.arch,
    ...Object.fromEntries(Object.entries(o.metadata ?? {}).map(([k, v]) => [k, String(v)])),
  };
  const built = spec.arch === "resnet"
    ? buildResNet({ ...spec.config, state: tracked, metadata })
    : buildEcapa({ ...spec.config, state: tracked, metadata });
  const unused = Object.keys(state).filter((k) => !used.has(k) && !k.endsWith("num_batches_tracked"));
  if (unused.length) {
    throw new Error(`export: the ${spec.arch} graph does not use these weights: ${unused.join(", ")}`);
  }
  if (o.path) await writeFileAtomic(o.path, built.bytes);
  return {
    bytes: built.bytes,
    inputName: built.inputName,
    outputName: built.outputName,
    outputDim: built.embedDim,
    parameters: built.parameters,
  };
}
