/**
 * Module base: named parameters and buffers, train/eval mode, and a state dict that the ONNX
 * writer (core/onnx) and checkpoints read.
 * @module
 */
import { param, type Tensor } from "../autodiff/tensor.ts";
import type { StatefulRng } from "./rng.ts";

/** One entry of a state dict. */
export interface StateEntry {
  shape: number[];
  data: Float32Array;
}

/** A named collection of arrays (parameters and buffers), PyTorch-style dotted keys. */
export type StateDict = Record<string, StateEntry>;

/** Base class of every layer and network. */
export abstract class Module {
  /** Training mode (dropout active, batch norm uses batch statistics). */
  training = true;
  readonly #params = new Map<string, Tensor>();
  readonly #buffers = new Map<string, StateEntry>();
  readonly #children = new Map<string, Module>();

  /** Registers a trainable parameter under `name`. */
  protected addParam(name: string, data: Float32Array, shape: number[]): Tensor {
    const t = param(data, shape, name);
    this.#params.set(name, t);
    return t;
  }
  /** Registers a non-trainable array saved in the state dict (e.g. running statistics). */
  protected addBuffer(name: string, data: Float32Array, shape: number[]): Float32Array {
    this.#buffers.set(name, { shape, data });
    return data;
  }
  /** Registers a sub-module under `name`. */
  protected addModule<M extends Module>(name: string, m: M): M {
    this.#children.set(name, m);
    return m;
  }

  /** `[dotted name, tensor]` for every parameter, in registration order. */
  namedParameters(prefix = ""): [string, Tensor][] {
    const out: [string, Tensor][] = [...this.#params].map(([k, v]) => [prefix + k, v]);
    for (const [k, m] of this.#children) out.push(...m.namedParameters(`${prefix}${k}.`));
    return out;
  }
  /** Every trainable parameter. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }
  /** Total number of trainable values. */
  numParameters(): number {
    return this.parameters().reduce((s, t) => s + t.size, 0);
  }
  /** Parameters and buffers by dotted name (copies). */
  stateDict(prefix = ""): StateDict {
    const out: StateDict = {};
    for (const [k, t] of this.#params) {
      out[prefix + k] = { shape: [...t.shape], data: Float32Array.from(t.data) };
    }
    for (const [k, b] of this.#buffers) {
      out[prefix + k] = { shape: [...b.shape], data: Float32Array.from(b.data) };
    }
    for (const [k, m] of this.#children) Object.assign(out, m.stateDict(`${prefix}${k}.`));
    return out;
  }
  /** Copies values in; every key must be present with the same shape (names the first that is not). */
  loadStateDict(sd: StateDict, prefix = ""): void {
    const put = (key: string, shape: readonly number[], dst: Float32Array) => {
      const e = sd[key];
      if (!e) throw new RangeError(`loadStateDict: missing '${key}'`);
      if (e.shape.length !== shape.length || e.shape.some((s, i) => s !== shape[i])) {
        throw new RangeError(`loadStateDict: '${key}' has shape [${e.shape}], model expects [${shape}]`);
      }
      dst.set(e.data);
    };
    for (const [k, t] of this.#params) put(prefix + k, t.shape, t.data);
    for (const [k, b] of this.#buffers) put(prefix + k, b.shape, b.data);
    for (const [k, m] of this.#children) m.loadStateDict(sd, `${prefix}${k}.`);
  }
  /** Sets training (true) or evaluation mode on this module and all children. */
  train(on = true): this {
    this.training = on;
    for (const m of this.#children.values()) m.train(on);
    return this;
  }
  /** Evaluation mode. */
  eval(): this {
    return this.train(false);
  }
  /** The forward pass. */
  abstract forward(x: Tensor): Tensor;
}

/** Uniform(-b, b) initial values. */
export function uniformInit(n: number, bound: number, rng: StatefulRng): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (rng.next() * 2 - 1) * bound;
  return a;
}

/** Normal(0, std) initial values. */
export function normalInit(n: number, std: number, rng: StatefulRng): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal() * std;
  return a;
}
