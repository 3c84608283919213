/**
 * readAudio(path, {sampleRate}): any WAV, FLAC, MP3, OGG, ... as mono float32 at the rate asked for.
 * WAV is parsed here (exact Kaldi/torchaudio integer scaling, see wav.ts); other formats go through
 * npm audio-decode; resampling uses libsamplerate (npm @alexanderolsen/libsamplerate-js, sinc best
 * quality), which is what sox-style pipelines produce.
 * @module
 */
import decodeAny from "audio-decode";
import LibSampleRate from "@alexanderolsen/libsamplerate-js";
import { InputError } from "../errors.ts";
import { type DecodedAudio, decodeWav, isWav } from "./wav.ts";

/** How to reduce several channels to one: average them, or take channel `n` (0-based). */
export type ChannelChoice = "mix" | number;

/** Options of readAudio. */
export interface ReadAudioOptions {
  /** Resample to this rate (Hz); absent = keep the file's rate. */
  sampleRate?: number;
  /** Multi-channel files: "mix" (average, default) or a channel index. */
  channel?: ChannelChoice;
  /** libsamplerate converter: "best" (default), "medium", "fastest", "linear". */
  quality?: "best" | "medium" | "fastest" | "linear";
}

/** Mono audio and its rate. */
export interface Audio {
  samples: Float32Array;
  sampleRate: number;
  /** The file's own rate and channel count, before conversion. */
  sourceRate: number;
  sourceChannels: number;
}

/** Reads, decodes, mixes down and resamples one file. Every failure is an InputError naming the file. */
export async function readAudio(path: string, opts: ReadAudioOptions = {}): Promise<Audio> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new InputError(path, "no such audio file; check the path (and wav.scp)");
    }
    throw new InputError(path, `cannot read: ${(e as Error).message}`);
  }
  return await decodeAudio(bytes, path, opts);
}

/** Same as readAudio for bytes already in memory; `name` is used in error messages. */
export async function decodeAudio(
  bytes: Uint8Array,
  name: string,
  opts: ReadAudioOptions = {},
): Promise<Audio> {
  if (bytes.length === 0) {
    throw new InputError(name, "the audio file is empty (0 bytes); re-create or drop it");
  }
  const dec = isWav(bytes) ? decodeWav(bytes, name) : await decodeOther(bytes, name);
  const nch = dec.channels.length;
  const ch = opts.channel ?? "mix";
  let mono: Float32Array;
  if (ch === "mix") {
    mono = nch === 1 ? dec.channels[0] : new Float32Array(dec.channels[0].length);
    if (nch > 1) {
      for (const c of dec.channels) for (let i = 0; i < mono.length; i++) mono[i] += c[i] / nch;
    }
  } else {
    if (!Number.isInteger(ch) || ch < 0 || ch >= nch) {
      throw new InputError(name, `channel ${ch} requested but the file has ${nch} channel(s) (0-based)`);
    }
    mono = dec.channels[ch];
  }
  for (let i = 0; i < mono.length; i++) {
    if (!Number.isFinite(mono[i])) {
      throw new InputError(
        name,
        `sample ${i} is ${mono[i]}: the audio holds NaN/Inf values; repair the file`,
      );
    }
  }
  const rate = opts.sampleRate ?? dec.sampleRate;
  if (!(rate > 0) || !Number.isFinite(rate)) {
    throw new RangeError(`readAudio: sampleRate must be positive, got ${rate}`);
  }
  const samples = rate === dec.sampleRate
    ? mono
    : await resample(mono, dec.sampleRate, rate, opts.quality ?? "best");
  return { samples, sampleRate: rate, sourceRate: dec.sampleRate, sourceChannels: nch };
}

async function decodeOther(bytes: Uint8Array, name: string): Promise<DecodedAudio> {
  let out: { channelData: Float32Array[]; sampleRate: number };
  try {
    out = await decodeAny(bytes) as unknown as { channelData: Float32Array[]; sampleRate: number };
  } catch (e) {
    throw new InputError(
      name,
      `cannot decode audio (${
        (e as Error).message
      }); supported: WAV, FLAC, MP3, OGG/Opus/Vorbis and what npm audio-decode reads. The file may be corrupt or truncated`,
    );
  }
  if (!out?.channelData?.length || out.channelData[0].length === 0) {
    throw new InputError(name, "decoded to no audio samples; the file is empty or truncated");
  }
  const bits = flacBits(bytes);
  if (bits > 0) {
    const total = flacTotalSamples(bytes), got = out.channelData[0].length;
    if (total > 0 && got < total) {
      throw new InputError(
        name,
        `FLAC is truncated: its header announces ${total} samples but only ${got} could be decoded; re-download or re-encode the file`,
      );
    }
    restoreIntegerScale(out.channelData, bits);
  }
  return { channels: out.channelData, sampleRate: out.sampleRate, bits };
}

/** Bits per sample from a FLAC STREAMINFO block, or 0. */
function flacBits(b: Uint8Array): number {
  if (b.length < 22 || String.fromCharCode(b[0], b[1], b[2], b[3]) !== "fLaC") return 0;
  return (((b[20] & 1) << 4) | (b[21] >> 4)) + 1;
}

/** Total samples per channel from a FLAC STREAMINFO block (0 = unknown). */
function flacTotalSamples(b: Uint8Array): number {
  if (b.length < 26) return 0;
  return (b[21] & 0x0f) * 2 ** 32 + (((b[22] << 24) | (b[23] << 16) | (b[24] << 8) | b[25]) >>> 0);
}

/**
 * The FLAC decoder scales integers by 1/(2^(b-1) - 1); Kaldi, torchaudio and soundfile use 1/2^(b-1).
 * Recover the integers and rescale (only when they are recovered exactly).
 */
function restoreIntegerScale(chs: Float32Array[], bits: number): void {
  const from = 2 ** (bits - 1) - 1, to = 2 ** (bits - 1);
  for (const c of chs) {
    for (let i = 0; i < c.length; i++) {
      const v = c[i] * from;
      if (Math.abs(v - Math.round(v)) > 0.05) return; // not the convention we expect: leave as decoded
    }
  }
  for (const c of chs) for (let i = 0; i < c.length; i++) c[i] = Math.round(c[i] * from) / to;
}

interface Src {
  simple(x: Float32Array): Float32Array;
  destroy(): void;
}
const LSR = LibSampleRate as unknown as {
  create(ch: number, from: number, to: number, o: { converterType: number }): Promise<Src>;
  ConverterType: Record<string, number>;
};

/** Band-limited resampling with libsamplerate. */
export async function resample(
  x: Float32Array,
  from: number,
  to: number,
  quality: "best" | "medium" | "fastest" | "linear" = "best",
): Promise<Float32Array> {
  if (from === to) return x;
  const type = {
    best: LSR.ConverterType.SRC_SINC_BEST_QUALITY,
    medium: LSR.ConverterType.SRC_SINC_MEDIUM_QUALITY,
    fastest: LSR.ConverterType.SRC_SINC_FASTEST,
    linear: LSR.ConverterType.SRC_LINEAR,
  }[quality];
  const src = await LSR.create(1, from, to, { converterType: type });
  try {
    return src.simple(x);
  } finally {
    src.destroy();
  }
}
