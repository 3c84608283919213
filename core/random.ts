/**
 * Seeded randomness. Every random choice in embedkit goes through an Rng made from a recorded seed.
 * The whole generator state can be saved and restored, so training checkpoints resume with the same
 * dropout masks and shuffles (core/nn/checkpoint.ts).
 * @module
 */

/** Serialisable generator state (what checkpoints store). */
export interface RngState {
  /** The Mulberry32 counter (uint32). */
  s: number;
  /** The second Box-Muller normal waiting to be returned, if any. */
  spare: number | null;
}

/** Mulberry32-based generator with normal and integer helpers. Deterministic for a given seed. */
export class Rng {
  #s: number;
  #spare: number | null = null;
  /** The seed is kept so outputs can record it. */
  constructor(readonly seed: number) {
    this.#s = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Standard normal (Box-Muller). */
  normal(): number {
    if (this.#spare !== null) {
      const s = this.#spare;
      this.#spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
  /** In-place Fisher-Yates shuffle of any indexable (array or typed array). */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = a[i];
      a[i] = a[j];
      a[j] = tmp;
    }
    return a;
  }
  /** Current state (copy). */
  getState(): RngState {
    return { s: this.#s, spare: this.#spare };
  }
  /** Restores a state from {@link getState}. */
  setState(st: RngState): void {
    this.#s = st.s >>> 0;
    this.#spare = st.spare;
  }
}
