/**
 * Room impulse responses by the image-source method (Allen & Berkley, "Image method for efficiently
 * simulating small-room acoustics", JASA 65(4), 1979) for a shoebox room with one reflection
 * coefficient on every wall, and seeded random rooms. No maintained npm package simulates rooms, so
 * this is written from the paper:
 *
 * - Images: for q ∈ {0,1}³ and n ∈ ℤ³ the image of the source is at ((1−2q)·s + 2n·L) per axis and
 *   reflects |n − q| + |n| times per axis; its contribution is β^(reflections) / (4π·d) at delay d/c.
 * - Fractional delays: each arrival is a Hann-windowed sinc of `taps` samples centred on its exact
 *   (non-integer) delay, as pyroomacoustics does, instead of A&B's rounding to the nearest sample;
 *   everything is delayed by (taps−1)/2 samples so no tap falls before t = 0.
 * - A&B's high-pass filter (zeros at z = 1 and z = e^−W, poles at e^−W·e^±jW, W = 2π·100 Hz / fs)
 *   removes the low-frequency build-up of the all-positive image amplitudes, which otherwise add
 *   coherently once several arrive per period and make the tail decay far slower than its energy.
 * - Absorption from RT60 by Eyring's formula, RT60 = 24·ln10·V / (c·S·(−ln(1−α))), β = √(1−α): the
 *   image-source energy decays by β² per reflection at c·S/(4V) reflections per second (the mean free
 *   path), which is Eyring's law, so the simulated decay matches the RT60 asked for (Sabine's formula,
 *   pyroomacoustics' `inverse_sabine`, overestimates α at high absorption).
 * - Length: arrivals up to `lengthSeconds` (default: the RT60, i.e. down to −60 dB).
 * @module
 */
import type { Rng } from "../random.ts";
import { uniform } from "./mix.ts";

/** A shoebox room with a source and a microphone (metres, seconds). */
export interface Room {
  /** Length, width, height (m). */
  readonly dims: readonly [number, number, number];
  readonly source: readonly [number, number, number];
  readonly mic: readonly [number, number, number];
  /** Reverberation time asked for (s), turned into one wall reflection coefficient by Eyring. */
  readonly rt60: number;
}

/** Simulation options. */
export interface RirOptions {
  /** Sample rate (Hz), default 16000. */
  readonly sampleRate?: number;
  /** Speed of sound (m/s), default 343. */
  readonly soundSpeed?: number;
  /** Odd length of the windowed-sinc fractional delay, default 33. */
  readonly taps?: number;
  /** Length of the response (s), default the RT60. */
  readonly lengthSeconds?: number;
}

/** Pressure reflection coefficient β of every wall for a room's RT60 by Eyring's formula. */
export function eyringReflection(dims: readonly number[], rt60: number, soundSpeed = 343): number {
  const [a, b, h] = dims;
  const V = a * b * h, S = 2 * (a * b + a * h + b * h);
  // 1 − α = exp(−24 ln10 · V / (c S RT60)); β = √(1 − α)
  return Math.exp((-12 * Math.LN10 * V) / (soundSpeed * S * rt60));
}

// Directions over one octant (the decay model is symmetric): a 64 x 64 midpoint grid in (cos θ, φ),
// which is uniform in solid angle; the β it gives is within 1e-4 of the converged value.
const GRID = 64;
const OCTANT: Float64Array = (() => {
  const out = new Float64Array(3 * GRID * GRID);
  let o = 0;
  for (let i = 0; i < GRID; i++) {
    const z = (i + 0.5) / GRID, r = Math.sqrt(1 - z * z);
    for (let j = 0; j < GRID; j++, o += 3) {
      const phi = ((j + 0.5) / GRID) * (Math.PI / 2);
      out[o] = r * Math.cos(phi);
      out[o + 1] = r * Math.sin(phi);
      out[o + 2] = z;
    }
  }
  return out;
})();

/**
 * The wall reflection coefficient β that gives the image-source model itself a T30 of `rt60`.
 * In a shoebox the images at distance r = c·t in direction u have undergone r·g(u) reflections,
 * g(u) = |ux|/Lx + |uy|/Ly + |uz|/Lz, so the late energy decays as mean_u β^(2·c·t·g(u)): a mixture
 * of exponentials, slower than Eyring's single exponential (which uses the mean of g, S/4V), because
 * near-axial directions reflect rarely. With β² = e^−k the backward-integrated decay
 * EDC(t) = mean_u e^(−k·c·t·g)/g / mean_u 1/g depends on k·t only, so the times of −5 and −35 dB are
 * s₅/k and s₃₅/k for two constants found once by bisection, and T30 = 2·(s₃₅ − s₅)/k = rt60 gives k.
 */
export function ismReflection(dims: readonly number[], rt60: number, soundSpeed = 343): number {
  const n = OCTANT.length / 3, g = new Float64Array(n);
  let s0 = 0;
  for (let i = 0; i < n; i++) {
    g[i] = soundSpeed * (OCTANT[3 * i] / dims[0] + OCTANT[3 * i + 1] / dims[1] + OCTANT[3 * i + 2] / dims[2]);
    s0 += 1 / g[i];
  }
  const edcDb = (s: number) => {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += Math.exp(-s * g[i]) / g[i];
    return 10 * Math.log10(acc / s0);
  };
  const at = (db: number) => {
    let lo = 0, hi = 1;
    while (edcDb(hi) > db) hi *= 2;
    for (let it = 0; it < 60; it++) {
      const mid = (lo + hi) / 2;
      if (edcDb(mid) > db) lo = mid;
      else hi = mid;
    }
    return (lo + hi) / 2;
  };
  const k = (2 * (at(-35) - at(-5))) / rt60;
  return Math.exp(-k / 2);
}

/** Checks that the source and mic are inside the room. */
function checkRoom(r: Room): void {
  if (!(r.rt60 > 0)) throw new RangeError(`RIR: rt60 must be > 0 s, got ${r.rt60}`);
  for (let i = 0; i < 3; i++) {
    if (!(r.dims[i] > 0)) throw new RangeError(`RIR: room dimension ${i} must be > 0 m, got ${r.dims[i]}`);
    for (const [what, p] of [["source", r.source], ["mic", r.mic]] as const) {
      if (!(p[i] > 0 && p[i] < r.dims[i])) {
        throw new RangeError(
          `RIR: ${what} coordinate ${i} = ${p[i]} m is outside the room (0, ${r.dims[i]})`,
        );
      }
    }
  }
}

/** The impulse response from `room.source` to `room.mic` (see the module notes). */
export function imageSourceRir(room: Room, o: RirOptions = {}): Float32Array {
  checkRoom(room);
  const fs = o.sampleRate ?? 16000, c = o.soundSpeed ?? 343, taps = o.taps ?? 33;
  if (!(taps % 2 === 1 && taps >= 3)) throw new RangeError(`RIR: taps must be odd and >= 3, got ${taps}`);
  const H = (taps - 1) / 2;
  const T = o.lengthSeconds ?? room.rt60;
  const len = Math.ceil(T * fs) + taps;
  const h = new Float64Array(len);
  const beta = ismReflection(room.dims, room.rt60, c);
  const maxDist = c * T, maxDist2 = maxDist * maxDist;
  const [L0, L1, L2] = room.dims, [s0, s1, s2] = room.source, [m0, m1, m2] = room.mic;
  const N = [0, 1, 2].map((i) => Math.ceil(maxDist / (2 * room.dims[i])) + 1);
  const powB: number[] = [];
  const pw = (k: number) => {
    while (powB.length <= k) powB.push(beta ** powB.length);
    return powB[k];
  };
  const invC = fs / c;
  for (let nx = -N[0]; nx <= N[0]; nx++) {
    for (let qx = 0; qx <= 1; qx++) {
      const dx = (1 - 2 * qx) * s0 + 2 * nx * L0 - m0;
      const dx2 = dx * dx;
      if (dx2 > maxDist2) continue;
      const rx = Math.abs(nx - qx) + Math.abs(nx);
      for (let ny = -N[1]; ny <= N[1]; ny++) {
        for (let qy = 0; qy <= 1; qy++) {
          const dy = (1 - 2 * qy) * s1 + 2 * ny * L1 - m1;
          const dxy2 = dx2 + dy * dy;
          if (dxy2 > maxDist2) continue;
          const rxy = rx + Math.abs(ny - qy) + Math.abs(ny);
          for (let nz = -N[2]; nz <= N[2]; nz++) {
            for (let qz = 0; qz <= 1; qz++) {
              const dz = (1 - 2 * qz) * s2 + 2 * nz * L2 - m2;
              const d2 = dxy2 + dz * dz;
              if (d2 > maxDist2) continue;
              const d = Math.sqrt(d2);
              const amp = pw(rxy + Math.abs(nz - qz) + Math.abs(nz)) / (4 * Math.PI * d);
              addArrival(h, d * invC + H, amp, H);
            }
          }
        }
      }
    }
  }
  return Float32Array.from(highPass(h, fs));
}

/** Allen & Berkley's second-order high-pass (see the module notes), cut-off 100 Hz. */
function highPass(x: Float64Array, fs: number): Float64Array {
  const W = (2 * Math.PI * 100) / fs, R = Math.exp(-W);
  const b1 = 2 * R * Math.cos(W), b2 = -R * R, a1 = -(1 + R);
  const y = new Float64Array(x.length);
  let w1 = 0, w2 = 0; // the recursive part's previous two outputs
  for (let i = 0; i < x.length; i++) {
    const w0 = x[i] + b1 * w1 + b2 * w2;
    y[i] = w0 + a1 * w1 + R * w2;
    w2 = w1;
    w1 = w0;
  }
  return y;
}

/**
 * Adds amp · w(t − tau) · sinc(t − tau) for the integer t within H of tau, w the Hann window of
 * half-width H + 1. sin(π(k − f)) for integer k is (−1)^(k+1)·sin(πf) (one sine per arrival), and the
 * window's cosine advances by a fixed angle per tap (a rotation instead of a cosine per tap).
 */
function addArrival(h: Float64Array, tau: number, amp: number, H: number): void {
  const k0 = Math.floor(tau), f = tau - k0;
  const sf = Math.sin(Math.PI * f);
  const W = H + 1, step = Math.PI / W;
  const cs = Math.cos(step), sn = Math.sin(step);
  // angle of tap j = −H: π(−H − f)/W
  let c = Math.cos(step * (-H - f)), s = Math.sin(step * (-H - f));
  const a = (amp * 0.5 * sf) / Math.PI;
  const jEnd = Math.min(H + 1, h.length - 1 - k0);
  for (let j = -H; j <= H + 1; j++) {
    const t = k0 + j;
    if (j <= jEnd && t >= 0) {
      const x = j - f; // t − tau, |x| < W except the last tap when f = 0 (where the window is 0)
      if (x === 0) h[t] += amp;
      else h[t] += ((j & 1 ? a : -a) * (1 + c)) / x;
    }
    const c2 = c * cs - s * sn;
    s = s * cs + c * sn;
    c = c2;
  }
}

/** Ranges random rooms are drawn from (uniform). */
export interface RoomRanges {
  /** Length and width (m), default [3, 10]. */
  readonly size?: readonly [number, number];
  /** Height (m), default [2.5, 4]. */
  readonly height?: readonly [number, number];
  /** RT60 (s), default [0.2, 0.8]. */
  readonly rt60?: readonly [number, number];
  /** Source and mic keep this far from every wall (m), default 0.5. */
  readonly wallMargin?: number;
  /** Smallest source-mic distance (m), default 1. */
  readonly minDistance?: number;
}

/** The default ranges (documented in {@link RoomRanges}). */
export const DEFAULT_ROOMS: Required<RoomRanges> = {
  size: [3, 10],
  height: [2.5, 4],
  rt60: [0.2, 0.8],
  wallMargin: 0.5,
  minDistance: 1,
};

/** A random room, source and mic position and RT60 from `rng`. */
export function randomRoom(rng: Rng, ranges: RoomRanges = {}): Room {
  const r = { ...DEFAULT_ROOMS, ...ranges };
  const dims = [uniform(rng, ...r.size), uniform(rng, ...r.size), uniform(rng, ...r.height)] as const;
  const at = () =>
    [0, 1, 2].map((i) => uniform(rng, r.wallMargin, dims[i] - r.wallMargin)) as unknown as [
      number,
      number,
      number,
    ];
  let source = at(), mic = at();
  for (let tries = 0; Math.hypot(...source.map((v, i) => v - mic[i])) < r.minDistance; tries++) {
    if (tries > 100) throw new RangeError("randomRoom: rooms too small for minDistance; widen the ranges");
    source = at();
    mic = at();
  }
  return { dims, source, mic, rt60: uniform(rng, ...r.rt60) };
}
