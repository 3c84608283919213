/**
 * Element-wise differentiable ops: broadcasting binary arithmetic (+ - * /, max, min, where) and unary
 * maps (relu, tanh, exp, log, ...), each with its analytic backward (checked by finite differences in
 * tests/autodiff_test.ts).
 * @module
 */
import { numel, result, type Tensor } from "./tensor.ts";
import {
  asTensor,
  broadcastIndex,
  broadcastShape,
  gather,
  type Num,
  sameShape,
  scatterAdd,
} from "./broadcast.ts";

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
