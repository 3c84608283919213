/**
 * Reverse-mode automatic differentiation on float32 tensors.
 *
 * Every op returns a new {@link Tensor} that remembers its inputs and a closure that pushes the
 * output gradient back into them. `loss.backward()` orders the recorded graph (the tape) so each
 * node runs after everything that consumes it, then replays the closures in that order.
 * Gradients accumulate in `grad` (as in PyTorch) until an optimiser's `zeroGrad()`.
 * @module
 */
import { releaseBuffer, takeZeroed } from "./scratch.ts";

/** Product of a shape's extents. */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** A float32 tensor on the autodiff tape: the value type `V` of the loss contract. */
export class Tensor {
  /** Extents, outermost first (row-major). */
  readonly shape: number[];
  /** Values, row-major; `data.length === numel(shape)`. */
  data: Float32Array;
  /** Gradient of the last `backward()` root w.r.t. this tensor (same layout as data). */
  grad: Float32Array | null = null;
  /** True for parameters and for every result computed from one. */
  requiresGrad: boolean;
  /** Optional name (parameters get their state-dict key). */
  name?: string;
  /** @internal inputs of the op that produced this tensor. */
  readonly parents: Tensor[];
  /** @internal pushes `this.grad` into the parents' grads. */
  readonly backwardFn: (() => void) | null;

  /** Wraps `data` (not copied) with `shape`; ops pass their inputs as `parents` and a `backwardFn`. */
  constructor(
    data: Float32Array,
    shape: readonly number[],
    requiresGrad = false,
    parents: Tensor[] = [],
    backwardFn: (() => void) | null = null,
  ) {
    const n = numel(shape);
    if (data.length !== n) {
      throw new RangeError(
        `Tensor: data has ${data.length} values but shape [${shape.join(",")}] needs ${n}`,
      );
    }
    this.data = data;
    this.shape = [...shape];
    this.requiresGrad = requiresGrad;
    this.parents = parents;
    this.backwardFn = backwardFn;
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** The gradient buffer, allocated (zeros) on first use. */
  gradBuf(): Float32Array {
    if (!this.grad) this.grad = takeZeroed(this.data.length);
    return this.grad;
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.data.length !== 1) {
      throw new RangeError(`item(): tensor has ${this.data.length} elements, not 1`);
    }
    return this.data[0];
  }

  /** Same values, cut off from the tape (no gradient flows through). */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, false);
  }

  /**
   * Back-propagates from this tensor. A scalar gets seed gradient 1; otherwise pass `seed`
   * (same size). Intermediate gradients are released afterwards; leaf gradients accumulate.
   */
  backward(seed?: Float32Array): void {
    if (!this.requiresGrad) throw new Error("backward(): this tensor does not depend on any parameter");
    if (!seed && this.size !== 1) throw new RangeError("backward(): non-scalar output needs a seed gradient");
    const order = topoOrder(this);
    const g = this.gradBuf();
    if (seed) { for (let i = 0; i < g.length; i++) g[i] += seed[i]; }
    else g[0] += 1;
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      if (t.backwardFn && t.grad) t.backwardFn();
      if (t.backwardFn && t.grad) {
        // free interior gradients (leaves keep theirs): nothing else refers to them, so their
        // memory serves the next gradients of this or the next step
        releaseBuffer(t.grad);
        t.grad = null;
      }
    }
  }
}

/** Nodes that require grad, each after all its inputs (iterative DFS: deep graphs do not overflow). */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    if (i < t.parents.length) {
      top[1]++;
      const p = t.parents[i];
      if (p.requiresGrad && !seen.has(p)) {
        seen.add(p);
        stack.push([p, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order;
}

/** A constant tensor (no gradient). */
export function tensor(data: ArrayLike<number> | Float32Array, shape?: readonly number[]): Tensor {
  const d = data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
  return new Tensor(d, shape ?? [d.length], false);
}

/** A trainable leaf tensor. */
export function param(data: Float32Array, shape: readonly number[], name?: string): Tensor {
  const t = new Tensor(data, shape, true);
  if (name) t.name = name;
  return t;
}

/** Zeros of a shape. */
export function zeros(shape: readonly number[], requiresGrad = false): Tensor {
  return new Tensor(new Float32Array(numel(shape)), shape, requiresGrad);
}

/**
 * The result of an op: requires grad iff any input does; `backward(g)` gets the output gradient
 * and must add into the inputs' `gradBuf()` (only for inputs with requiresGrad).
 */
export function result(
  data: Float32Array,
  shape: readonly number[],
  parents: Tensor[],
  backward: (g: Float32Array) => void,
): Tensor {
  const needs = parents.some((p) => p.requiresGrad);
  if (!needs) return new Tensor(data, shape, false);
  // deno-lint-ignore prefer-const
  let out: Tensor;
  const fn = () => backward(out.grad!);
  out = new Tensor(data, shape, true, parents, fn);
  return out;
}
