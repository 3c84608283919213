/**
 * Optimisers (PyTorch update rules): SGD with momentum/Nesterov and weight decay; Adam (L2 weight
 * decay in the gradient) and AdamW (decoupled decay). State is saved in checkpoints.
 * @module
 */
import type { Tensor } from "../autodiff/tensor.ts";

/** Serialisable optimiser state: scalars plus named float arrays. */
export interface OptimizerState {
  kind: string;
  lr: number;
  step: number;
  buffers: Record<string, Float32Array>;
}

/** Shared optimiser behaviour. */
export abstract class Optimizer {
  /** Current learning rate (a schedule sets it before each step). */
  lr: number;
  /** Number of `step()` calls so far. */
  stepCount = 0;
  constructor(readonly params: Tensor[], lr: number) {
    if (!(lr >= 0)) throw new RangeError(`optimizer: lr must be >= 0, got ${lr}`);
    this.lr = lr;
  }
  /** Clears every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.params) p.grad = null;
  }
  /** Applies one update from the accumulated gradients (parameters without a gradient are skipped). */
  step(): void {
    this.stepCount++;
    this.params.forEach((p, i) => {
      if (p.grad) this.update(p, p.grad, i);
    });
  }
  protected abstract update(p: Tensor, g: Float32Array, i: number): void;
  protected abstract buffers(): Record<string, Float32Array>;
  /** Everything needed to resume exactly. */
  state(): OptimizerState {
    const buffers: Record<string, Float32Array> = {};
    for (const [k, v] of Object.entries(this.buffers())) buffers[k] = Float32Array.from(v);
    return { kind: this.constructor.name, lr: this.lr, step: this.stepCount, buffers };
  }
  /** Restores {@link state}; the parameter list must be the same. */
  loadState(st: OptimizerState): void {
    if (st.kind !== this.constructor.name) {
      throw new RangeError(`optimizer state is ${st.kind}, optimizer is ${this.constructor.name}`);
    }
    this.lr = st.lr;
    this.stepCount = st.step;
    const mine = this.buffers();
    for (const [k, v] of Object.entries(st.buffers)) {
      const idx = Number(k.split(".")[1]);
      if (!(idx < this.params.length) || v.length !== this.params[idx].size) {
        throw new RangeError(`optimizer state buffer '${k}' does not match the parameters`);
      }
      mine[k] = Float32Array.from(v);
    }
    this.restore(mine);
  }
  protected abstract restore(b: Record<string, Float32Array>): void;
}

/** Options of {@link SGD}. */
export interface SgdConfig {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

/** Stochastic gradient descent (torch.optim.SGD semantics). */
export class SGD extends Optimizer {
  #mom = new Map<number, Float32Array>();
  constructor(params: Tensor[], readonly cfg: SgdConfig) {
    super(params, cfg.lr);
  }
  protected update(p: Tensor, grad: Float32Array, i: number): void {
    const mu = this.cfg.momentum ?? 0, wd = this.cfg.weightDecay ?? 0, damp = this.cfg.dampening ?? 0;
    const n = p.size;
    let buf = this.#mom.get(i);
    const first = !buf;
    if (mu && !buf) this.#mom.set(i, buf = new Float32Array(n));
    for (let k = 0; k < n; k++) {
      let g = grad[k] + wd * p.data[k];
      if (mu) {
        buf![k] = first ? g : mu * buf![k] + (1 - damp) * g;
        g = this.cfg.nesterov ? g + mu * buf![k] : buf![k];
      }
      p.data[k] -= this.lr * g;
    }
  }
  protected buffers(): Record<string, Float32Array> {
    return Object.fromEntries([...this.#mom].map(([i, b]) => [`momentum.${i}`, b]));
  }
  protected restore(b: Record<string, Float32Array>): void {
    this.#mom = new Map(Object.entries(b).map(([k, v]) => [Number(k.split(".")[1]), v]));
  }
}

/** Options of {@link Adam}. */
export interface AdamConfig {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  /** true = AdamW (decay applied to the weights, not the gradient). */
  decoupled?: boolean;
}

/** Adam / AdamW (torch.optim semantics, bias-corrected). */
export class Adam extends Optimizer {
  #m = new Map<number, Float32Array>();
  #v = new Map<number, Float32Array>();
  #t = new Map<number, number>();
  constructor(params: Tensor[], readonly cfg: AdamConfig) {
    super(params, cfg.lr);
  }
  protected update(p: Tensor, grad: Float32Array, i: number): void {
    const b1 = this.cfg.beta1 ?? 0.9, b2 = this.cfg.beta2 ?? 0.999, eps = this.cfg.eps ?? 1e-8;
    const wd = this.cfg.weightDecay ?? 0, decoupled = this.cfg.decoupled ?? false;
    const n = p.size;
    if (!this.#m.has(i)) {
      this.#m.set(i, new Float32Array(n));
      this.#v.set(i, new Float32Array(n));
    }
    const m = this.#m.get(i)!, v = this.#v.get(i)!;
    const t = (this.#t.get(i) ?? 0) + 1;
    this.#t.set(i, t);
    const c1 = 1 - b1 ** t, c2 = 1 - b2 ** t;
    const lr = this.lr, pd = p.data; // locals: faster than reading p.data / this in the loop
    const l2 = wd && !decoupled ? wd : 0, shrink = wd && decoupled ? 1 - lr * wd : 1;
    // torch's form: p -= (lr / c1) · m / (sqrt(v) / sqrt(c2) + eps), with the per-step constants
    // hoisted (one square root and one division per value)
    const stepSize = lr / c1, rsc2 = 1 / Math.sqrt(c2);
    for (let k = 0; k < n; k++) {
      let g = grad[k];
      if (l2) g += l2 * pd[k];
      if (shrink !== 1) pd[k] *= shrink;
      const mk = b1 * m[k] + (1 - b1) * g, vk = b2 * v[k] + (1 - b2) * g * g;
      m[k] = mk;
      v[k] = vk;
      pd[k] -= (stepSize * Math.fround(mk)) / (Math.sqrt(Math.fround(vk)) * rsc2 + eps);
    }
  }
  protected buffers(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    for (const [i, b] of this.#m) out[`m.${i}`] = b;
    for (const [i, b] of this.#v) out[`v.${i}`] = b;
    for (const [i, t] of this.#t) out[`t.${i}`] = Float32Array.of(t);
    return out;
  }
  protected restore(b: Record<string, Float32Array>): void {
    this.#m.clear();
    this.#v.clear();
    this.#t.clear();
    for (const [k, v] of Object.entries(b)) {
      const [kind, idx] = k.split(".");
      const i = Number(idx);
      if (kind === "m") this.#m.set(i, v);
      else if (kind === "v") this.#v.set(i, v);
      else if (kind === "t") this.#t.set(i, v[0]);
    }
  }
  override loadState(st: OptimizerState): void {
    // t.* buffers hold one step count each, not a parameter-sized array
    const { buffers, ...rest } = st;
    const arrays = Object.fromEntries(Object.entries(buffers).filter(([k]) => !k.startsWith("t.")));
    super.loadState({ ...rest, buffers: arrays });
    for (const [k, v] of Object.entries(buffers)) {
      if (k.startsWith("t.")) this.#t.set(Number(k.split(".")[1]), v[0]);
    }
  }
}

/** Adam with decoupled weight decay (Loshchilov & Hutter); default decay 0.01 as in PyTorch. */
export class AdamW extends Adam {
  constructor(params: Tensor[], cfg: Omit<AdamConfig, "decoupled">) {
    super(params, { weightDecay: 0.01, ...cfg, decoupled: true });
  }
}

/** Scales all gradients so their global L2 norm is at most `maxNorm`; returns the norm before clipping. */
export function clipGradNorm(params: Tensor[], maxNorm: number): number {
  let s = 0;
  for (const p of params) if (p.grad) { for (const g of p.grad) s += g * g; }
  const norm = Math.sqrt(s);
  if (norm > maxNorm) {
    const k = maxNorm / (norm + 1e-6);
    for (const p of params) if (p.grad) { for (let i = 0; i < p.grad.length; i++) p.grad[i] *= k; }
  }
  return norm;
}

/** Clamps every gradient value into [-v, v]. */
export function clipGradValue(params: Tensor[], v: number): void {
  for (const p of params) {
    if (p.grad) { for (let i = 0; i < p.grad.length; i++) p.grad[i] = Math.max(-v, Math.min(v, p.grad[i])); }
  }
}
