/**
 * Reverberation by simulated room impulse responses (rir.ts): a seeded bank of rooms, and the
 * convolution WeSpeaker applies (`dataset/processor.py`): the response scaled to unit energy,
 * convolved with the crop, cut to the crop's length.
 * @module
 */
import { Rng } from "../random.ts";
import { fftConvolve } from "./fft.ts";
import { subSeed } from "./mix.ts";
import { imageSourceRir, randomRoom, type Room, type RoomRanges } from "./rir.ts";

/** x convolved with h / ||h||₂, first x.length samples. */
export function reverberate(x: Float32Array, rir: Float32Array): Float32Array {
  let e = 0;
  for (let i = 0; i < rir.length; i++) e += rir[i] * rir[i];
  if (!(e > 0)) throw new RangeError("reverberate: the impulse response is all zeros");
  const k = 1 / Math.sqrt(e);
  const h = new Float32Array(rir.length);
  for (let i = 0; i < h.length; i++) h[i] = rir[i] * k;
  return fftConvolve(x, h, x.length);
}

/** Options of {@link RirBank}. */
export interface RirBankOptions {
  /** Number of distinct rooms. */
  readonly size: number;
  /** Seed of the family: room i is drawn from subSeed(seed, i), whatever order rooms are used in. */
  readonly seed: number;
  readonly rooms?: RoomRanges;
  readonly sampleRate?: number;
  /** Cut responses at this many seconds (default: each room's RT60, the −60 dB point). */
  readonly maxSeconds?: number;
}

/** One simulated response and its room. */
export interface BankedRir {
  readonly index: number;
  readonly room: Room;
  readonly rir: Float32Array;
}

/**
 * A seeded family of simulated rooms, simulated on first use and kept (a response of RT60 0.5 s takes
 * ~0.1-0.3 s to simulate, so training draws from a bank, as Kaldi's recipes draw from a fixed set of
 * simulated RIRs).
 */
export class RirBank {
  readonly #cache = new Map<number, BankedRir>();
  constructor(readonly opts: RirBankOptions) {
    if (!(Number.isInteger(opts.size) && opts.size >= 1)) {
      throw new RangeError(`RirBank: size must be an integer >= 1, got ${opts.size}`);
    }
  }
  /** Room `i` (0 <= i < size). */
  at(i: number): BankedRir {
    let r = this.#cache.get(i);
    if (!r) {
      const room = randomRoom(new Rng(subSeed(this.opts.seed, i)), this.opts.rooms);
      const len = Math.min(room.rt60, this.opts.maxSeconds ?? Infinity);
      const rir = imageSourceRir(room, { sampleRate: this.opts.sampleRate ?? 16000, lengthSeconds: len });
      this.#cache.set(i, r = { index: i, room, rir });
    }
    return r;
  }
  /** A room drawn with `rng`. */
  draw(rng: Rng): BankedRir {
    return this.at(rng.int(this.opts.size));
  }
}
