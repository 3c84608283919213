/**
 * Differentiable shape ops: reshape, permute/transpose, gather (take, rows, pick), slice and concat.
 * Gathers scatter their gradient back, adding repeats (as torch.index_select / torch.cat).
 * @module
 */
import { numel, result, type Tensor } from "./tensor.ts";
import { odometerStep } from "./broadcast.ts";

/** Same data, new shape (one extent may be -1). */
export function reshape(a: Tensor, shape: readonly number[]): Tensor {
  const s = [...shape];
  const neg = s.indexOf(-1);
  if (neg >= 0) s[neg] = a.size / numel(s.filter((_, i) => i !== neg));
  if (numel(s) !== a.size) {
    throw new RangeError(`reshape: [${a.shape.join(",")}] cannot become [${shape.join(",")}]`);
  }
  return result(a.data, s, [a], (g) => {
    const ga = a.gradBuf();
    for (let i = 0; i < g.length; i++) ga[i] += g[i];
  });
}

/** Permutes axes: out.shape[i] = a.shape[perm[i]]. */
export function permute(a: Tensor, perm: readonly number[]): Tensor {
  const nd = a.shape.length;
  if (perm.length !== nd) throw new RangeError(`permute: ${perm.length} axes for a ${nd}-d tensor`);
  const shape = perm.map((p) => a.shape[p]);
  const inStrides = stridesOf(a.shape);
  const idx = new Int32Array(a.size);
  const ctr = new Array<number>(nd).fill(0);
  const st = perm.map((p) => inStrides[p]);
  let cur = 0;
  for (let i = 0; i < idx.length; i++) {
    idx[i] = cur;
    cur += odometerStep(ctr, shape, st, nd - 1);
  }
  return take(a, idx, shape);
}

/** Swaps the last two axes. */
export function transpose(a: Tensor): Tensor {
  const nd = a.shape.length;
  const perm = a.shape.map((_, i) => i);
  [perm[nd - 2], perm[nd - 1]] = [perm[nd - 1], perm[nd - 2]];
  return permute(a, perm);
}

function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

/** Gathers flat elements: out[i] = a.data[index[i]]; the gradient scatters back (adding repeats). */
export function take(a: Tensor, index: Int32Array, shape: readonly number[]): Tensor {
  if (numel(shape) !== index.length) {
    throw new RangeError(`take: ${index.length} indices for shape [${shape}]`);
  }
  const out = new Float32Array(index.length);
  for (let i = 0; i < index.length; i++) out[i] = a.data[index[i]];
  return result(out, shape, [a], (g) => {
    const ga = a.gradBuf();
    for (let i = 0; i < index.length; i++) ga[index[i]] += g[i];
  });
}

/** Rows of a 2-d (or [N, ...]) tensor selected along axis 0. */
export function rows(a: Tensor, idx: ArrayLike<number>): Tensor {
  const w = a.size / a.shape[0];
  const index = new Int32Array(idx.length * w);
  for (let r = 0; r < idx.length; r++) {
    if (idx[r] < 0 || idx[r] >= a.shape[0]) {
      throw new RangeError(`rows: index ${idx[r]} outside 0..${a.shape[0] - 1}`);
    }
    for (let k = 0; k < w; k++) index[r * w + k] = idx[r] * w + k;
  }
  return take(a, index, [idx.length, ...a.shape.slice(1)]);
}

/** out[b] = a[b, idx[b]] for a [B, C] tensor. */
export function pick(a: Tensor, idx: ArrayLike<number>): Tensor {
  const [B, C] = a.shape;
  if (idx.length !== B) throw new RangeError(`pick: ${idx.length} indices for ${B} rows`);
  const index = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    if (idx[b] < 0 || idx[b] >= C) {
      throw new RangeError(`pick: label ${idx[b]} outside 0..${C - 1} at row ${b}`);
    }
    index[b] = b * C + idx[b];
  }
  return take(a, index, [B]);
}

/** Slice [start, end) along `axis`. */
export function slice(a: Tensor, axis: number, start: number, end: number): Tensor {
  const ax = axis < 0 ? a.shape.length + axis : axis;
  const outer = numel(a.shape.slice(0, ax)), inner = numel(a.shape.slice(ax + 1)), n = a.shape[ax];
  if (start < 0 || end > n || start > end) {
    throw new RangeError(`slice: [${start}, ${end}) outside axis of size ${n}`);
  }
  const len = end - start;
  const index = new Int32Array(outer * len * inner);
  let p = 0;
  for (let o = 0; o < outer; o++) {
    for (let k = start; k < end; k++) {
      const base = (o * n + k) * inner;
      for (let i = 0; i < inner; i++) index[p++] = base + i;
    }
  }
  const shape = [...a.shape];
  shape[ax] = len;
  return take(a, index, shape);
}

/** Concatenates along `axis` (all other extents must match). */
export function concat(ts: Tensor[], axis: number): Tensor {
  const nd = ts[0].shape.length;
  const ax = axis < 0 ? nd + axis : axis;
  const outer = numel(ts[0].shape.slice(0, ax));
  const inner = numel(ts[0].shape.slice(ax + 1));
  for (const t of ts) {
    if (t.shape.length !== nd || t.shape.some((s, i) => i !== ax && s !== ts[0].shape[i])) {
      throw new RangeError(`concat: shapes [${ts[0].shape}] and [${t.shape}] differ off axis ${ax}`);
    }
  }
  const total = ts.reduce((s, t) => s + t.shape[ax], 0);
  const out = new Float32Array(outer * total * inner);
  const offs: number[] = [];
  let off = 0;
  for (const t of ts) {
    offs.push(off);
    const w = t.shape[ax] * inner;
    for (let o = 0; o < outer; o++) {
      out.set(t.data.subarray(o * w, (o + 1) * w), o * total * inner + off * inner);
    }
    off += t.shape[ax];
  }
  const shape = [...ts[0].shape];
  shape[ax] = total;
  return result(out, shape, ts, (g) => {
    ts.forEach((t, k) => {
      if (!t.requiresGrad) return;
      const gt = t.gradBuf(), w = t.shape[ax] * inner;
      for (let o = 0; o < outer; o++) {
        const src = o * total * inner + offs[k] * inner;
        for (let i = 0; i < w; i++) gt[o * w + i] += g[src + i];
      }
    });
  });
}
