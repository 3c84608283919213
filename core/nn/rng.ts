/**
 * A seeded generator whose whole state can be saved and restored, so checkpoints resume with the
 * same dropout masks and shuffles. Same Mulberry32 stream as core/random.ts for a given seed.
 * @module
 */

/** Serialisable generator state. */
export interface RngState {
  s: number;
  spare: number | null;
}

/** Mulberry32 with exposed state. */
export class StatefulRng {
  #s: number;
  #spare: number | null = null;
  constructor(seed: number) {
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
  /** In-place Fisher-Yates shuffle. */
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
