/**
 * NumPy-style broadcasting for the differentiable ops: the broadcast shape of two operands, the flat
 * source index of every output element, and the gather/scatter pair that moves values and gradients
 * along it (numpy.org/doc/stable/user/basics.broadcasting.html).
 * @module
 */
import { numel, Tensor } from "./tensor.ts";

/** NumPy broadcast of two shapes; throws naming both shapes when they are incompatible. */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1, y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) {
      throw new RangeError(`shapes [${a.join(",")}] and [${b.join(",")}] do not broadcast (dimension ${i})`);
    }
    out[i] = Math.max(x, y) === 0 ? 0 : Math.max(x, y);
  }
  return out;
}

/** For each element of `out` (row-major), the flat index of the broadcast element of `inp`. */
export function broadcastIndex(out: readonly number[], inp: readonly number[]): Int32Array {
  const n = numel(out), nd = out.length, off = nd - inp.length;
  const idx = new Int32Array(n);
  if (n === 0) return idx;
  if (nd === 0) return idx;
  const strides = new Array<number>(nd).fill(0);
  let s = 1;
  for (let d = nd - 1; d >= 0; d--) {
    const id = d - off;
    if (id >= 0) {
      if (inp[id] !== 1) strides[d] = s;
      s *= inp[id];
    }
  }
  // walk the outer dimensions with a counter; fill each run of the last dimension in a tight loop
  const L = out[nd - 1], sl = strides[nd - 1];
  const ctr = new Array<number>(nd).fill(0);
  let cur = 0;
  for (let i = 0; i < n; i += L) {
    if (sl === 0) idx.fill(cur, i, i + L);
    else for (let t = 0; t < L; t++) idx[i + t] = cur + t * sl;
    cur += odometerStep(ctr, out, strides, nd - 2);
  }
  return idx;
}

/**
 * Advances the row-major counter `ctr` over `shape` by one at dimension `from`, carrying into the outer
 * dimensions, and returns how far the flat offset under `strides` moved.
 */
export function odometerStep(
  ctr: number[],
  shape: readonly number[],
  strides: readonly number[],
  from: number,
): number {
  let delta = 0;
  for (let d = from; d >= 0; d--) {
    ctr[d]++;
    delta += strides[d];
    if (ctr[d] < shape[d]) break;
    delta -= strides[d] * shape[d];
    ctr[d] = 0;
  }
  return delta;
}

/** out[i] = src[idx[i]]. */
export function gather(src: Float32Array, idx: Int32Array): Float32Array {
  const out = new Float32Array(idx.length);
  for (let i = 0; i < idx.length; i++) out[i] = src[idx[i]];
  return out;
}

/** dst[idx[i]] += v[i] (dst[i] += v[i] without an index). */
export function scatterAdd(dst: Float32Array, idx: Int32Array | null, v: Float32Array): void {
  if (idx) { for (let i = 0; i < v.length; i++) dst[idx[i]] += v[i]; }
  else for (let i = 0; i < v.length; i++) dst[i] += v[i];
}

/** Whether two shapes are equal extent by extent. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** A tensor operand or a constant. */
export type Num = Tensor | number;

/** A constant as a 0-d tensor that needs no gradient; tensors pass through. */
export function asTensor(x: Num): Tensor {
  return typeof x === "number" ? new Tensor(Float32Array.of(x), [], false) : x;
}
