/**
 * Differentiable operations on {@link Tensor}. Binary element-wise ops broadcast NumPy-style;
 * reductions take an axis list. Each op's backward is covered by finite-difference tests
 * (tests/autodiff_test.ts).
 * @module
 */
import { numel, result, Tensor } from "./tensor.ts";
import { gemm, gemmNN, gemmNT, gemmTN } from "./gemm.ts";

// ---------------------------------------------------------------------------------------------
// Broadcasting

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
function broadcastIndex(out: readonly number[], inp: readonly number[]): Int32Array {
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
    for (let d = nd - 2; d >= 0; d--) {
      ctr[d]++;
      cur += strides[d];
      if (ctr[d] < out[d]) break;
      cur -= strides[d] * out[d];
      ctr[d] = 0;
    }
  }
  return idx;
}

function gather(src: Float32Array, idx: Int32Array): Float32Array {
  const out = new Float32Array(idx.length);
  for (let i = 0; i < idx.length; i++) out[i] = src[idx[i]];
  return out;
}

function scatterAdd(dst: Float32Array, idx: Int32Array | null, v: Float32Array): void {
  if (idx) { for (let i = 0; i < v.length; i++) dst[idx[i]] += v[i]; }
  else for (let i = 0; i < v.length; i++) dst[i] += v[i];
}

type Arith = "add" | "sub" | "mul" | "div";

/** Broadcasting + - * / with one monomorphic loop per op (the hot element-wise path). */
function arith(a: Num, b: Num, op: Arith): Tensor {
  const A = asTensor(a), B = asTensor(b);
  const shape = sameShape(A.shape, B.shape) ? A.shape : broadcastShape(A.shape, B.shape);
  const n = numel(shape);
  const ia = A.size === n && sameShape(A.shape, shape) ? null : broadcastIndex(shape, A.shape);
  const ib = B.size === n && sameShape(B.shape, shape) ? null : broadcastIndex(shape, B.shape);
  const xa = ia ? gather(A.data, ia) : A.data, xb = ib ? gather(B.data, ib) : B.data;
  const out = new Float32Array(n);
  if (op === "add") { for (let i = 0; i < n; i++) out[i] = xa[i] + xb[i]; }
  else if (op === "sub") { for (let i = 0; i < n; i++) out[i] = xa[i] - xb[i]; }
  else if (op === "mul") { for (let i = 0; i < n; i++) out[i] = xa[i] * xb[i]; }
  else for (let i = 0; i < n; i++) out[i] = xa[i] / xb[i];
  return result(out, shape, [A, B], (g) => {
    if (A.requiresGrad) {
      let t = g;
      if (op === "mul") {
        t = new Float32Array(n);
        for (let i = 0; i < n; i++) t[i] = g[i] * xb[i];
      } else if (op === "div") {
        t = new Float32Array(n);
        for (let i = 0; i < n; i++) t[i] = g[i] / xb[i];
      }
      scatterAdd(A.gradBuf(), ia, t);
    }
    if (B.requiresGrad) {
      let t = g;
      if (op !== "add") {
        t = new Float32Array(n);
        if (op === "sub") { for (let i = 0; i < n; i++) t[i] = -g[i]; }
        else if (op === "mul") { for (let i = 0; i < n; i++) t[i] = g[i] * xa[i]; }
        else for (let i = 0; i < n; i++) t[i] = (-g[i] * out[i]) / xb[i];
      }
      scatterAdd(B.gradBuf(), ib, t);
    }
  });
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

type Num = Tensor | number;
function asTensor(x: Num): Tensor {
  return typeof x === "number" ? new Tensor(Float32Array.of(x), [], false) : x;
}

/**
 * Generic broadcasting binary op. `f(x, y)` is the value; `dfx(x, y, z)` and `dfy(x, y, z)` the
 * partial derivatives given the output z.
 */
function binary(
  a: Num,
  b: Num,
  f: (x: number, y: number) => number,
  dfx: (x: number, y: number, z: number) => number,
  dfy: (x: number, y: number, z: number) => number,
): Tensor {
  const A = asTensor(a), B = asTensor(b);
  const shape = sameShape(A.shape, B.shape) ? A.shape : broadcastShape(A.shape, B.shape);
  const n = numel(shape);
  const ia = A.size === n && sameShape(A.shape, shape) ? null : broadcastIndex(shape, A.shape);
  const ib = B.size === n && sameShape(B.shape, shape) ? null : broadcastIndex(shape, B.shape);
  const ad = A.data, bd = B.data;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = f(ad[ia ? ia[i] : i], bd[ib ? ib[i] : i]);
  return result(out, shape, [A, B], (g) => {
    if (A.requiresGrad) {
      const ga = A.gradBuf();
      for (let i = 0; i < n; i++) {
        const p = ia ? ia[i] : i;
        ga[p] += g[i] * dfx(ad[p], bd[ib ? ib[i] : i], out[i]);
      }
    }
    if (B.requiresGrad) {
      const gb = B.gradBuf();
      for (let i = 0; i < n; i++) {
        const q = ib ? ib[i] : i;
        gb[q] += g[i] * dfy(ad[ia ? ia[i] : i], bd[q], out[i]);
      }
    }
  });
}

/** a + b (broadcast). */
export function add(a: Num, b: Num): Tensor {
  return arith(a, b, "add");
}
/** a - b (broadcast). */
export function sub(a: Num, b: Num): Tensor {
  return arith(a, b, "sub");
}
/** a * b (broadcast). */
export function mul(a: Num, b: Num): Tensor {
  return arith(a, b, "mul");
}
/** a / b (broadcast). */
export function div(a: Num, b: Num): Tensor {
  return arith(a, b, "div");
}
/** Element-wise max(a, b); ties send the gradient to `a`. */
export function maximum(a: Num, b: Num): Tensor {
  return binary(a, b, (x, y) => (x >= y ? x : y), (x, y) => (x >= y ? 1 : 0), (x, y) => (x >= y ? 0 : 1));
}
/** Element-wise min(a, b); ties send the gradient to `a`. */
export function minimum(a: Num, b: Num): Tensor {
  return binary(a, b, (x, y) => (x <= y ? x : y), (x, y) => (x <= y ? 1 : 0), (x, y) => (x <= y ? 0 : 1));
}

/**
 * Picks `a` where `cond` (a constant 0/1 mask broadcastable to the result) is non-zero, else `b`.
 */
export function where(cond: Float32Array | Uint8Array, a: Num, b: Num): Tensor {
  const A = asTensor(a), B = asTensor(b);
  const shape = broadcastShape(A.shape, B.shape);
  if (cond.length !== numel(shape)) {
    throw new RangeError(`where: mask has ${cond.length} values, result ${numel(shape)}`);
  }
  const ia = broadcastIndex(shape, A.shape), ib = broadcastIndex(shape, B.shape);
  const out = new Float32Array(cond.length);
  for (let i = 0; i < out.length; i++) out[i] = cond[i] ? A.data[ia[i]] : B.data[ib[i]];
  return result(out, shape, [A, B], (g) => {
    if (A.requiresGrad) {
      const ga = A.gradBuf();
      for (let i = 0; i < out.length; i++) if (cond[i]) ga[ia[i]] += g[i];
    }
    if (B.requiresGrad) {
      const gb = B.gradBuf();
      for (let i = 0; i < out.length; i++) if (!cond[i]) gb[ib[i]] += g[i];
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Unary

function unary(a: Tensor, f: (x: number) => number, df: (x: number, y: number) => number): Tensor {
  const n = a.size, ad = a.data;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = f(ad[i]);
  return result(out, a.shape, [a], (g) => {
    const ga = a.gradBuf();
    for (let i = 0; i < n; i++) ga[i] += g[i] * df(ad[i], out[i]);
  });
}

/** -a */
export function neg(a: Tensor): Tensor {
  return scale(a, -1);
}
/** c * a for a constant c. */
export function scale(a: Tensor, c: number): Tensor {
  const n = a.size, out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = a.data[i] * c;
  return result(out, a.shape, [a], (g) => {
    const ga = a.gradBuf();
    for (let i = 0; i < n; i++) ga[i] += g[i] * c;
  });
}
/** a + c for a constant c. */
export function addScalar(a: Tensor, c: number): Tensor {
  const n = a.size, out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = a.data[i] + c;
  return result(out, a.shape, [a], (g) => {
    const ga = a.gradBuf();
    for (let i = 0; i < n; i++) ga[i] += g[i];
  });
}
/** max(a, 0). */
export function relu(a: Tensor): Tensor {
  const n = a.size, out = new Float32Array(n), ad = a.data;
  // branch-free (sign masks): with random signs a data-dependent branch mispredicts half the time
  const ai = new Int32Array(ad.buffer, ad.byteOffset, n), oi = new Int32Array(out.buffer, 0, n);
  for (let i = 0; i < n; i++) {
    const v = ai[i];
    oi[i] = v & ~(v >> 31);
  }
  return result(out, a.shape, [a], (g) => {
    const ga = a.gradBuf();
    for (let i = 0; i < n; i++) ga[i] += g[i] * +(ad[i] > 0);
  });
}
/** x for x > 0, slope * x otherwise. */
export function leakyRelu(a: Tensor, slope = 0.01): Tensor {
  return unary(a, (x) => (x > 0 ? x : slope * x), (x) => (x > 0 ? 1 : slope));
}
/** tanh(a). */
export function tanh(a: Tensor): Tensor {
  return unary(a, Math.tanh, (_x, y) => 1 - y * y);
}
/** 1 / (1 + e^-a). */
export function sigmoid(a: Tensor): Tensor {
  return unary(a, (x) => 1 / (1 + Math.exp(-x)), (_x, y) => y * (1 - y));
}
/** e^a. */
export function exp(a: Tensor): Tensor {
  return unary(a, Math.exp, (_x, y) => y);
}
/** Natural log. */
export function log(a: Tensor): Tensor {
  return unary(a, Math.log, (x) => 1 / x);
}
/** log(1 + a), accurate near 0. */
export function log1p(a: Tensor): Tensor {
  return unary(a, Math.log1p, (x) => 1 / (1 + x));
}
/** Square root. */
export function sqrt(a: Tensor): Tensor {
  return unary(a, Math.sqrt, (_x, y) => 0.5 / y);
}
/** a². */
export function square(a: Tensor): Tensor {
  return unary(a, (x) => x * x, (x) => 2 * x);
}
/** Clamps into [lo, hi]; the gradient is zero outside. */
export function clamp(a: Tensor, lo = -Infinity, hi = Infinity): Tensor {
  return unary(a, (x) => (x < lo ? lo : x > hi ? hi : x), (x) => (x < lo || x > hi ? 0 : 1));
}

// ---------------------------------------------------------------------------------------------
// Shape

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
    for (let d = nd - 1; d >= 0; d--) {
      ctr[d]++;
      cur += st[d];
      if (ctr[d] < shape[d]) break;
      cur -= st[d] * shape[d];
      ctr[d] = 0;
    }
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

// ---------------------------------------------------------------------------------------------
// Reductions

function keptShape(shape: readonly number[], axes: number[] | undefined): number[] {
  if (!axes) return shape.map(() => 1);
  const ax = axes.map((a) => (a < 0 ? shape.length + a : a));
  return shape.map((s, i) => (ax.includes(i) ? 1 : s));
}

function dropAxes(shape: readonly number[], axes: number[] | undefined): number[] {
  if (!axes) return [];
  const ax = axes.map((a) => (a < 0 ? shape.length + a : a));
  return shape.filter((_, i) => !ax.includes(i));
}

/** Sum over `axes` (all when omitted). */
export function sum(a: Tensor, axes?: number | number[], keepdim = false): Tensor {
  const ax = typeof axes === "number" ? [axes] : axes;
  const kept = keptShape(a.shape, ax);
  const m = numel(kept), n = a.size;
  const out = new Float32Array(m);
  let idx: Int32Array | null = null;
  if (m === 1) {
    let s = 0;
    for (let i = 0; i < n; i++) s += a.data[i];
    out[0] = s;
  } else {
    idx = broadcastIndex(a.shape, kept);
    const acc = new Float64Array(m);
    for (let i = 0; i < n; i++) acc[idx[i]] += a.data[i];
    out.set(acc);
  }
  const shape = keepdim ? kept : dropAxes(a.shape, ax);
  return result(out, shape, [a], (g) => {
    const ga = a.gradBuf();
    if (!idx) { for (let i = 0; i < n; i++) ga[i] += g[0]; }
    else for (let i = 0; i < n; i++) ga[i] += g[idx[i]];
  });
}

/** Mean over `axes` (all when omitted). */
export function mean(a: Tensor, axes?: number | number[], keepdim = false): Tensor {
  const s = sum(a, axes, keepdim);
  return scale(s, s.size / a.size);
}

/** Max along the last axis; the gradient goes to the (first) arg-max. */
export function maxLast(a: Tensor): Tensor {
  const C = a.shape[a.shape.length - 1], R = a.size / C;
  const out = new Float32Array(R), arg = new Int32Array(R);
  for (let r = 0; r < R; r++) {
    let best = -Infinity, bi = 0;
    for (let c = 0; c < C; c++) {
      const v = a.data[r * C + c];
      if (v > best) [best, bi] = [v, c];
    }
    out[r] = best;
    arg[r] = r * C + bi;
  }
  return result(out, a.shape.slice(0, -1), [a], (g) => {
    const ga = a.gradBuf();
    for (let r = 0; r < R; r++) ga[arg[r]] += g[r];
  });
}

/** Softmax along the last axis. */
export function softmax(a: Tensor): Tensor {
  const C = a.shape[a.shape.length - 1], R = a.size / C;
  const out = new Float32Array(a.size);
  for (let r = 0; r < R; r++) {
    const o = r * C;
    let mx = -Infinity;
    for (let c = 0; c < C; c++) mx = Math.max(mx, a.data[o + c]);
    let s = 0;
    for (let c = 0; c < C; c++) s += out[o + c] = Math.exp(a.data[o + c] - mx);
    for (let c = 0; c < C; c++) out[o + c] /= s;
  }
  return result(out, a.shape, [a], (g) => {
    const ga = a.gradBuf();
    for (let r = 0; r < R; r++) {
      const o = r * C;
      let dot = 0;
      for (let c = 0; c < C; c++) dot += g[o + c] * out[o + c];
      for (let c = 0; c < C; c++) ga[o + c] += out[o + c] * (g[o + c] - dot);
    }
  });
}

/** log-softmax along the last axis (stable). */
export function logSoftmax(a: Tensor): Tensor {
  const C = a.shape[a.shape.length - 1], R = a.size / C;
  const out = new Float32Array(a.size);
  for (let r = 0; r < R; r++) {
    const o = r * C;
    let mx = -Infinity;
    for (let c = 0; c < C; c++) mx = Math.max(mx, a.data[o + c]);
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(a.data[o + c] - mx);
    const lse = mx + Math.log(s);
    for (let c = 0; c < C; c++) out[o + c] = a.data[o + c] - lse;
  }
  return result(out, a.shape, [a], (g) => {
    const ga = a.gradBuf();
    for (let r = 0; r < R; r++) {
      const o = r * C;
      let gs = 0;
      for (let c = 0; c < C; c++) gs += g[o + c];
      for (let c = 0; c < C; c++) ga[o + c] += g[o + c] - Math.exp(out[o + c]) * gs;
    }
  });
}

/** log Σ exp along the last axis (stable), dropping that axis. */
export function logSumExp(a: Tensor): Tensor {
  const C = a.shape[a.shape.length - 1], R = a.size / C;
  const out = new Float32Array(R);
  for (let r = 0; r < R; r++) {
    const o = r * C;
    let mx = -Infinity;
    for (let c = 0; c < C; c++) mx = Math.max(mx, a.data[o + c]);
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(a.data[o + c] - mx);
    out[r] = mx + Math.log(s);
  }
  return result(out, a.shape.slice(0, -1), [a], (g) => {
    const ga = a.gradBuf();
    for (let r = 0; r < R; r++) {
      const o = r * C;
      for (let c = 0; c < C; c++) ga[o + c] += g[r] * Math.exp(a.data[o + c] - out[r]);
    }
  });
}

/** Mean cross-entropy of logits [B, C] against integer labels. */
export function crossEntropy(logits: Tensor, labels: ArrayLike<number>): Tensor {
  return neg(mean(pick(logSoftmax(logits), labels)));
}

// ---------------------------------------------------------------------------------------------
// Matrix products

/** 2-d product a[M,K]·b[K,N], with optional transposes (a^T is [K,M] stored, b^T is [N,K] stored). */
export function matmul(a: Tensor, b: Tensor, opts: { transA?: boolean; transB?: boolean } = {}): Tensor {
  if (a.shape.length !== 2 || b.shape.length !== 2) {
    throw new RangeError(`matmul: needs 2-d tensors, got [${a.shape}] and [${b.shape}]`);
  }
  const tA = !!opts.transA, tB = !!opts.transB;
  const M = tA ? a.shape[1] : a.shape[0], K = tA ? a.shape[0] : a.shape[1];
  const Kb = tB ? b.shape[1] : b.shape[0], N = tB ? b.shape[0] : b.shape[1];
  if (K !== Kb) {
    throw new RangeError(
      `matmul: inner dimensions differ: [${a.shape}]${tA ? "^T" : ""} · [${b.shape}]${tB ? "^T" : ""}`,
    );
  }
  const out = new Float32Array(M * N);
  gemm(tA, tB, M, N, K, a.data, b.data, out, false);
  return result(out, [M, N], [a, b], (g) => {
    // C = op(A) op(B): dop(A) = G op(B)^T, dop(B) = op(A)^T G
    if (a.requiresGrad) {
      if (!tA) gemm(false, !tB, M, K, N, g, b.data, a.gradBuf(), true); // dA[M,K] = G[M,N] op(B)^T
      else gemm(tB, true, K, M, N, b.data, g, a.gradBuf(), true); // dA[K,M] = op(B) G^T
    }
    if (b.requiresGrad) {
      if (!tB) gemm(!tA, false, K, N, M, a.data, g, b.gradBuf(), true); // dB[K,N] = op(A)^T G
      else gemm(true, tA, N, K, M, g, a.data, b.gradBuf(), true); // dB[N,K] = G^T op(A)
    }
  });
}

/** Batched product over a leading axis: a[G,M,K]·b[G,K,N] (or b^T stored [G,N,K] with transB). */
export function bmm(a: Tensor, b: Tensor, transB = false): Tensor {
  const [G, M, K] = a.shape;
  const N = transB ? b.shape[1] : b.shape[2];
  const Kb = transB ? b.shape[2] : b.shape[1];
  if (b.shape[0] !== G || Kb !== K) {
    throw new RangeError(`bmm: [${a.shape}] · [${b.shape}]${transB ? "^T" : ""}`);
  }
  const out = new Float32Array(G * M * N);
  const sa = M * K, sb = K * N, sc = M * N;
  for (let g = 0; g < G; g++) {
    gemm(
      false,
      transB,
      M,
      N,
      K,
      a.data.subarray(g * sa, (g + 1) * sa),
      b.data.subarray(g * sb, (g + 1) * sb),
      out.subarray(g * sc, (g + 1) * sc),
      false,
    );
  }
  return result(out, [G, M, N], [a, b], (gr) => {
    for (let g = 0; g < G; g++) {
      const gg = gr.subarray(g * sc, (g + 1) * sc);
      const ad = a.data.subarray(g * sa, (g + 1) * sa), bd = b.data.subarray(g * sb, (g + 1) * sb);
      if (a.requiresGrad) {
        gemm(false, !transB, M, K, N, gg, bd, a.gradBuf().subarray(g * sa, (g + 1) * sa), true);
      }
      if (b.requiresGrad) {
        const gb = b.gradBuf().subarray(g * sb, (g + 1) * sb);
        if (!transB) gemm(true, false, K, N, M, ad, gg, gb, true);
        else gemm(true, false, N, K, M, gg, ad, gb, true);
      }
    }
  });
}

/** y = x·Wᵀ + b for x [..., in], W [out, in], b [out] (fused; the layout PyTorch's Linear uses). */
export function linear(x: Tensor, w: Tensor, b?: Tensor): Tensor {
  const [O, I] = w.shape;
  if (x.shape[x.shape.length - 1] !== I) {
    throw new RangeError(`linear: input has ${x.shape[x.shape.length - 1]} features, weight expects ${I}`);
  }
  const R = x.size / I;
  const out = new Float32Array(R * O);
  gemmNT(R, O, I, x.data, w.data, out, false);
  if (b) { for (let r = 0; r < R; r++) for (let o = 0; o < O; o++) out[r * O + o] += b.data[o]; }
  const shape = [...x.shape.slice(0, -1), O];
  return result(out, shape, b ? [x, w, b] : [x, w], (g) => {
    if (x.requiresGrad) gemmNN(R, I, O, g, w.data, x.gradBuf(), true);
    if (w.requiresGrad) gemmTN(O, I, R, g, x.data, w.gradBuf(), true);
    if (b?.requiresGrad) {
      const gb = b.gradBuf();
      for (let r = 0; r < R; r++) for (let o = 0; o < O; o++) gb[o] += g[r * O + o];
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Composites used across layers and losses

/** Rows scaled to unit L2 norm along the last axis: x / max(||x||, eps) (as torch F.normalize). */
export function l2normalize(x: Tensor, eps = 1e-12): Tensor {
  const C = x.shape[x.shape.length - 1], R = x.size / C;
  const out = new Float32Array(x.size), norms = new Float32Array(R);
  for (let r = 0; r < R; r++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += x.data[r * C + c] ** 2;
    const n = Math.max(Math.sqrt(s), eps);
    norms[r] = n;
    for (let c = 0; c < C; c++) out[r * C + c] = x.data[r * C + c] / n;
  }
  return result(out, x.shape, [x], (g) => {
    const gx = x.gradBuf();
    for (let r = 0; r < R; r++) {
      const o = r * C, n = norms[r];
      let dot = 0;
      for (let c = 0; c < C; c++) dot += g[o + c] * out[o + c];
      const clamped = n <= eps;
      for (let c = 0; c < C; c++) gx[o + c] += clamped ? g[o + c] / n : (g[o + c] - out[o + c] * dot) / n;
    }
  });
}

/** Cosine similarity matrix of the rows of a [N, D] and b [M, D]: [N, M]. */
export function cosineMatrix(a: Tensor, b: Tensor): Tensor {
  return matmul(l2normalize(a), l2normalize(b), { transB: true });
}

/** Squared Euclidean distances between rows of a [N, D] and b [M, D]: [N, M] (clamped at 0). */
export function sqDistMatrix(a: Tensor, b: Tensor): Tensor {
  const aa = sum(square(a), 1, true); // [N,1]
  const bb = reshape(sum(square(b), 1), [1, b.shape[0]]); // [1,M]
  return relu(add(sub(aa, scale(matmul(a, b, { transB: true }), 2)), bb));
}

/** Forward identity, backward multiplies the gradient by -lambda (gradient reversal layer, Ganin & Lempitsky). */
export function gradReverse(x: Tensor, lambda = 1): Tensor {
  return result(x.data, x.shape, [x], (g) => {
    const gx = x.gradBuf();
    for (let i = 0; i < g.length; i++) gx[i] -= lambda * g[i];
  });
}
