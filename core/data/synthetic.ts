/**
 * Self-generated data for when ../shared/data is absent: synthetic "speakers" (a voiced source with its
 * own pitch range, vocal-tract resonances and speaking rhythm) and a two-speaker "conversation" with its
 * reference RTTM. Not speech: it only lets every pipeline stage run end to end, and the demo says so.
 * @module
 */
import type { Turn } from "../diarization/rttm.ts";
import { Rng } from "../random.ts";

/** One synthetic speaker's voice parameters. */
export interface SyntheticVoice {
  readonly id: string;
  readonly f0: number;
  readonly formants: readonly number[];
  readonly bandwidths: readonly number[];
  /** Syllables per second. */
  readonly rate: number;
  readonly tilt: number;
}

/** Draws `n` distinct voices from a seed. */
export function syntheticVoices(n: number, seed: number): SyntheticVoice[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => ({
    id: `synth${String(i + 1).padStart(2, "0")}`,
    f0: 90 + rng.next() * 160,
    formants: [400 + rng.next() * 500, 1000 + rng.next() * 1200, 2200 + rng.next() * 1000],
    bandwidths: [60 + rng.next() * 60, 80 + rng.next() * 80, 100 + rng.next() * 120],
    rate: 3 + rng.next() * 3,
    tilt: 0.6 + rng.next() * 0.35,
  }));
}

/** Two-pole resonator coefficients for a formant at `freq` with bandwidth `bw`. */
function resonator(freq: number, bw: number, sr: number): [number, number, number] {
  const r = Math.exp(-Math.PI * bw / sr);
  const a1 = 2 * r * Math.cos(2 * Math.PI * freq / sr);
  const a2 = -r * r;
  return [1 - r, a1, a2];
}

/**
 * `seconds` of a voice at `sampleRate`: a glottal-like pulse train with jittered pitch, shaped by the
 * voice's resonances (with a per-utterance random shift, so utterances of one voice differ), gated by a
 * syllable rhythm, plus a little noise. Samples are in [-1, 1].
 */
export function synthesize(
  voice: SyntheticVoice,
  seconds: number,
  sampleRate: number,
  seed: number,
): Float32Array {
  const rng = new Rng(seed);
  const n = Math.round(seconds * sampleRate);
  const out = new Float32Array(n);
  const shift = 1 + (rng.next() - 0.5) * 0.06;
  const res = voice.formants.map((fq, k) =>
    resonator(Math.min(fq * shift, sampleRate * 0.45), voice.bandwidths[k], sampleRate)
  );
  const state = res.map(() => [0, 0]);
  let phase = 0, f0 = voice.f0 * (1 + (rng.next() - 0.5) * 0.1), glott = 0;
  let sylLen = sampleRate / voice.rate, sylPos = 0, voiced = true;
  for (let i = 0; i < n; i++) {
    if (sylPos >= sylLen) {
      sylPos = 0;
      sylLen = (sampleRate / voice.rate) * (0.6 + rng.next() * 0.8);
      voiced = rng.next() > 0.15;
      f0 = voice.f0 * (1 + (rng.next() - 0.5) * 0.15);
    }
    const env = voiced ? Math.sin(Math.PI * sylPos / sylLen) ** 2 : 0;
    sylPos++;
    phase += f0 / sampleRate;
    let src = 0;
    if (phase >= 1) {
      phase -= 1;
      src = 1;
    }
    glott = voice.tilt * glott + src; // spectral tilt of the source
    const excite = glott * env + (rng.next() - 0.5) * 0.02 * (0.2 + env);
    let y = 0;
    res.forEach(([g, a1, a2], k) => {
      const s = state[k];
      const v = g * excite + a1 * s[0] + a2 * s[1];
      s[1] = s[0];
      s[0] = v;
      y += v;
    });
    out[i] = y;
  }
  let peak = 0;
  for (const v of out) peak = Math.max(peak, Math.abs(v));
  const gain = peak > 0 ? 0.5 / peak : 1;
  for (let i = 0; i < n; i++) out[i] *= gain;
  return out;
}

/** One synthetic utterance. */
export interface SyntheticUtterance {
  readonly id: string;
  readonly speaker: string;
  readonly samples: Float32Array;
  readonly sampleRate: number;
}

/** `speakers` x `perSpeaker` utterances of 2.5-4 s at 16 kHz. */
export function syntheticCorpus(
  speakers: number,
  perSpeaker: number,
  seed: number,
  sampleRate = 16000,
): SyntheticUtterance[] {
  const voices = syntheticVoices(speakers, seed);
  const rng = new Rng(seed + 1);
  const out: SyntheticUtterance[] = [];
  for (const v of voices) {
    for (let u = 0; u < perSpeaker; u++) {
      const secs = 2.5 + rng.next() * 1.5;
      out.push({
        id: `${v.id}-u${u}`,
        speaker: v.id,
        samples: synthesize(v, secs, sampleRate, rng.int(2 ** 31)),
        sampleRate,
      });
    }
  }
  return out;
}

/** A synthetic conversation and its reference turns. */
export interface SyntheticConversation {
  readonly samples: Float32Array;
  readonly sampleRate: number;
  readonly turns: { start: number; end: number; speaker: string }[];
}

/** Two (or more) voices taking turns of 1.5-4 s with short pauses, `seconds` long. */
export function syntheticConversation(
  seconds: number,
  seed: number,
  speakers = 2,
  sampleRate = 16000,
): SyntheticConversation {
  const voices = syntheticVoices(speakers, seed + 17);
  const rng = new Rng(seed + 2);
  const samples = new Float32Array(Math.round(seconds * sampleRate));
  const turns: { start: number; end: number; speaker: string }[] = [];
  let t = 0.3, who = 0;
  while (t < seconds - 1) {
    const len = Math.min(1.5 + rng.next() * 2.5, seconds - t);
    const v = voices[who];
    const x = synthesize(v, len, sampleRate, rng.int(2 ** 31));
    samples.set(
      x.subarray(0, Math.min(x.length, samples.length - Math.round(t * sampleRate))),
      Math.round(t * sampleRate),
    );
    turns.push({
      start: Math.round(t * 1000) / 1000,
      end: Math.round((t + len) * 1000) / 1000,
      speaker: v.id,
    });
    t += len + 0.2 + rng.next() * 0.4;
    who = (who + 1 + (speakers > 2 ? rng.int(speakers - 1) : 0)) % speakers;
  }
  return { samples, sampleRate, turns };
}

/** A conversation's turns as reference RTTM turns of recording `file` (channel 1). */
export function conversationReference(conv: SyntheticConversation, file: string): Turn[] {
  return conv.turns.map((t) => ({
    file,
    channel: "1",
    onset: t.start,
    duration: t.end - t.start,
    speaker: t.speaker,
  }));
}
