/**
 * A small ONNX graph writer: build a graph node by node, add weights as initializers, encode a
 * ModelProto with protobufjs. Enough for the architectures embedkit builds (convolutions, pooling,
 * attention statistics, embedding heads) and for exporting the framework's trained heads.
 * @module
 */
import { AttrType, DataType, onnxProto } from "./proto.ts";

/** A dimension: a fixed size or a symbolic name ("B", "T"). */
export type Dim = number | string;

/** A float attribute (ONNX distinguishes 1 from 1.0; wrap floats with {@link f}). */
export interface FloatAttr {
  readonly float: number;
}
/** Attribute values: integers, float wrappers, int lists, float lists, strings. */
export type AttrValue =
  | number
  | FloatAttr
  | readonly number[]
  | { readonly floats: readonly number[] }
  | string;

/** Marks a number as a FLOAT attribute. */
export function f(x: number): FloatAttr {
  return { float: x };
}

/** Elements an initializer can hold. */
export type TensorData = Float32Array | BigInt64Array | Int32Array;

interface Initializer {
  name: string;
  dims: number[];
  data: TensorData;
}
interface NodeRec {
  opType: string;
  input: string[];
  output: string[];
  name: string;
  attribute: Record<string, unknown>[];
}
interface ValueRec {
  name: string;
  dims: Dim[];
  elemType: number;
}

/** Options for {@link Graph.encode}. */
export interface EncodeOptions {
  /** Default opset 17 (what Debian's python3-onnx 1.12 checker knows; onnxruntime runs 7..21). */
  readonly opset?: number;
  readonly producer?: string;
  readonly docString?: string;
  /** Written as ModelProto.metadata_props (sherpa-onnx and embedkit read front-end facts from here). */
  readonly metadata?: Record<string, string | number>;
}

const ELEM: Record<string, number> = { float: DataType.FLOAT, int64: DataType.INT64, int32: DataType.INT32 };

/** An ONNX graph under construction. Names are unique: {@link Graph.fresh} makes new ones. */
export class Graph {
  readonly #nodes: NodeRec[] = [];
  readonly #inits: Initializer[] = [];
  readonly #inputs: ValueRec[] = [];
  readonly #outputs: ValueRec[] = [];
  readonly #names = new Set<string>();
  readonly #counters = new Map<string, number>();

  constructor(readonly name = "embedkit") {}

  /** A name not used yet, built from `prefix`. */
  fresh(prefix: string): string {
    const name = this.#unused(prefix);
    this.#names.add(name);
    return name;
  }

  #unused(prefix: string): string {
    let n = this.#counters.get(prefix) ?? 0;
    let name = prefix;
    while (this.#names.has(name)) name = `${prefix}_${++n}`;
    this.#counters.set(prefix, n);
    return name;
  }

  #claim(name: string): string {
    if (this.#names.has(name)) {
      throw new Error(`onnx writer: name '${name}' is already used in graph '${this.name}'`);
    }
    this.#names.add(name);
    return name;
  }

  /** Declares a graph input. */
  input(name: string, dims: Dim[], elemType: "float" | "int64" | "int32" = "float"): string {
    this.#inputs.push({ name: this.#claim(name), dims, elemType: ELEM[elemType] });
    return name;
  }

  /** Declares an existing value as a graph output (renamed through Identity when needed). */
  output(
    value: string,
    name: string = value,
    dims: Dim[] = [],
    elemType: "float" | "int64" = "float",
  ): string {
    if (value !== name) this.op("Identity", [value], {}, [this.#claim(name)]);
    this.#outputs.push({ name, dims, elemType: ELEM[elemType] });
    return name;
  }

  /** Adds a weight; returns its name. Float data is checked for NaN/Inf so a broken export fails here. */
  init(name: string, dims: number[], data: TensorData): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (data.length !== size) {
      throw new RangeError(
        `onnx writer: initializer '${name}' has ${data.length} values, shape [${dims}] needs ${size}`,
      );
    }
    if (data instanceof Float32Array) {
      for (let i = 0; i < data.length; i++) {
        if (!Number.isFinite(data[i])) {
          throw new RangeError(`onnx writer: initializer '${name}' holds ${data[i]} at ${i}`);
        }
      }
    }
    this.#inits.push({ name: this.#claim(name), dims, data });
    return name;
  }

  /** An int64 constant initializer (shapes, axes, indices). */
  i64(values: readonly number[], prefix = "const_i64"): string {
    return this.init(this.#unused(prefix), [values.length], BigInt64Array.from(values.map((v) => BigInt(v))));
  }

  /** A float constant initializer: a scalar when `dims` is []. */
  f32(
    values: readonly number[],
    dims: number[] = values.length === 1 ? [] : [values.length],
    prefix = "const_f32",
  ): string {
    return this.init(this.#unused(prefix), dims, Float32Array.from(values));
  }

  /** Adds a node; returns its first output name (or all of them when `outputs` is a count > 1). */
  op(
    opType: string,
    inputs: string[],
    attrs: Record<string, AttrValue> = {},
    outputs: number | string[] = 1,
  ): string {
    const outs = typeof outputs === "number"
      ? Array.from({ length: outputs }, () => this.fresh(opType.toLowerCase()))
      : outputs;
    this.#nodes.push({
      opType,
      input: inputs,
      output: outs,
      name: this.fresh(`n_${opType}`),
      attribute: Object.entries(attrs).map(([k, v]) => encodeAttr(k, v)),
    });
    return outs[0];
  }

  /** Like {@link op} for nodes with several outputs. */
  opMulti(opType: string, inputs: string[], attrs: Record<string, AttrValue>, count: number): string[] {
    const outs = Array.from({ length: count }, () => this.fresh(opType.toLowerCase()));
    this.op(opType, inputs, attrs, outs);
    return outs;
  }

  /** Number of weights (float initializer elements). */
  get parameterCount(): number {
    return this.#inits.reduce((s, i) => s + (i.data instanceof Float32Array ? i.data.length : 0), 0);
  }

  /** Serialises the model (ModelProto bytes). */
  encode(opts: EncodeOptions = {}): Uint8Array {
    if (!this.#outputs.length) throw new Error(`onnx writer: graph '${this.name}' has no outputs`);
    const model = {
      irVersion: 8,
      opsetImport: [{ domain: "", version: opts.opset ?? 17 }],
      producerName: opts.producer ?? "embedkit",
      producerVersion: "0.1.0",
      docString: opts.docString ?? "",
      graph: {
        name: this.name,
        node: this.#nodes,
        initializer: this.#inits.map(encodeTensor),
        input: this.#inputs.map(encodeValueInfo),
        output: this.#outputs.map(encodeValueInfo),
      },
      metadataProps: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({
        key,
        value: String(value),
      })),
    };
    const msg = onnxProto.ModelProto.fromObject(model);
    return onnxProto.ModelProto.encode(msg).finish();
  }
}

function encodeAttr(name: string, v: AttrValue): Record<string, unknown> {
  if (typeof v === "string") return { name, type: AttrType.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === "number") {
    if (!Number.isInteger(v)) {
      throw new TypeError(`onnx writer: attribute '${name}'=${v}: wrap float attributes with f()`);
    }
    return { name, type: AttrType.INT, i: v };
  }
  if (Array.isArray(v)) return { name, type: AttrType.INTS, ints: [...v] };
  if ("float" in (v as FloatAttr)) return { name, type: AttrType.FLOAT, f: (v as FloatAttr).float };
  return { name, type: AttrType.FLOATS, floats: [...(v as { floats: number[] }).floats] };
}

function encodeTensor(t: Initializer): Record<string, unknown> {
  const dataType = t.data instanceof Float32Array
    ? DataType.FLOAT
    : t.data instanceof BigInt64Array
    ? DataType.INT64
    : DataType.INT32;
  // raw_data is little-endian; every platform Deno runs on is little-endian.
  const raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return { name: t.name, dims: t.dims, dataType, rawData: raw };
}

function encodeValueInfo(v: ValueRec): Record<string, unknown> {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: v.elemType,
        shape: { dim: v.dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** Inputs/outputs and metadata of an ONNX model, read without decoding its weights. */
export interface ModelHeader {
  readonly producer: string;
  readonly metadata: Record<string, string>;
  readonly inputs: { name: string; dims: Dim[]; elemType: number }[];
  readonly outputs: { name: string; dims: Dim[]; elemType: number }[];
}

interface RawValueInfo {
  name: string;
  type?: { tensorType?: { elemType?: number; shape?: { dim?: { dimValue?: number; dimParam?: string }[] } } };
}
interface RawHeader {
  producerName?: string;
  graph?: { input?: RawValueInfo[]; output?: RawValueInfo[] };
  metadataProps?: { key: string; value: string }[];
}

/** Reads metadata_props and the graph signature of any ONNX model (ours or a downloaded one). */
export function readModelHeader(bytes: Uint8Array): ModelHeader {
  const m = onnxProto.ModelHeaderProto.toObject(onnxProto.ModelHeaderProto.decode(bytes), {
    longs: Number,
  }) as RawHeader;
  const sig = (vs: RawValueInfo[] = []) =>
    vs.map((v) => ({
      name: v.name,
      elemType: v.type?.tensorType?.elemType ?? 0,
      dims: (v.type?.tensorType?.shape?.dim ?? []).map((d) => d.dimParam ?? d.dimValue ?? "?") as Dim[],
    }));
  return {
    producer: m.producerName ?? "",
    metadata: Object.fromEntries((m.metadataProps ?? []).map((e) => [e.key, e.value])),
    inputs: sig(m.graph?.input),
    outputs: sig(m.graph?.output),
  };
}
