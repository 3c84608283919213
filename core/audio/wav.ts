/**
 * RIFF/WAVE reader: PCM 8/16/24/32-bit integer, 32/64-bit float, A-law and mu-law, any channel count,
 * WAVE_FORMAT_EXTENSIBLE, RF64-style streaming sizes. Integers are scaled by 1/2^(bits-1), the
 * convention of Kaldi, torchaudio and soundfile, so that x * 32768 gives back the exact 16-bit values
 * Kaldi computes features on. (npm audio-decode divides positive samples by 32767, which shifts Kaldi
 * features by up to 0.02; so WAV is read here and every other format goes through audio-decode.)
 * @module
 */
import { InputError } from "../errors.ts";

/** Decoded audio: one Float32Array per channel. */
export interface DecodedAudio {
  channels: Float32Array[];
  sampleRate: number;
  /** Bits per sample of the source (0 when unknown). */
  bits: number;
}

/** True when the bytes start like a WAV file. */
export function isWav(b: Uint8Array): boolean {
  return b.length >= 12 && tag(b, 0) === "RIFF" && tag(b, 8) === "WAVE" ||
    b.length >= 12 && tag(b, 0) === "RF64" && tag(b, 8) === "WAVE";
}

function tag(b: Uint8Array, o: number): string {
  return String.fromCharCode(b[o], b[o + 1], b[o + 2], b[o + 3]);
}

/** Parses a WAV file; every error names the file and what is wrong. */
export function decodeWav(b: Uint8Array, file: string): DecodedAudio {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let fmt: { format: number; channels: number; rate: number; bits: number; align: number } | undefined;
  let data: { offset: number; size: number } | undefined;
  let o = 12;
  while (o + 8 <= b.length) {
    const id = tag(b, o);
    let size = dv.getUint32(o + 4, true);
    const body = o + 8;
    if (id === "fmt ") {
      if (size < 16 || body + 16 > b.length) {
        throw new InputError(file, "WAV 'fmt ' chunk is truncated; the file is damaged");
      }
      let format = dv.getUint16(body, true);
      const bits = dv.getUint16(body + 14, true);
      if (format === 0xfffe && size >= 40) format = dv.getUint16(body + 24, true); // extensible: subformat GUID
      fmt = {
        format,
        channels: dv.getUint16(body + 2, true),
        rate: dv.getUint32(body + 4, true),
        bits,
        align: dv.getUint16(body + 12, true),
      };
    } else if (id === "data") {
      // Streaming writers leave 0 or 0xFFFFFFFF; then the audio runs to the end of the file.
      if (size === 0xffffffff || (size === 0 && b.length > body)) size = b.length - body;
      if (body + size > b.length) {
        throw new InputError(
          file,
          `WAV is truncated: the header announces ${size} bytes of audio but only ${
            b.length - body
          } are present; re-export or re-download the file`,
        );
      }
      data = { offset: body, size };
      break;
    }
    o = body + size + (size & 1);
  }
  if (!fmt) throw new InputError(file, "WAV has no 'fmt ' chunk before the audio; the header is damaged");
  if (!data) {
    throw new InputError(file, "WAV has no 'data' chunk (no audio); the file is damaged or truncated");
  }
  const { format, channels: nch, rate, bits } = fmt;
  if (nch < 1) throw new InputError(file, `WAV declares ${nch} channels`);
  if (!(rate > 0)) throw new InputError(file, `WAV declares sample rate ${rate}`);
  const bytesPer = format === 6 || format === 7 ? 1 : bits / 8;
  const supported = (format === 1 && [8, 16, 24, 32].includes(bits)) ||
    (format === 3 && (bits === 32 || bits === 64)) ||
    ((format === 6 || format === 7) && bits === 8);
  if (!supported) {
    throw new InputError(
      file,
      `unsupported WAV encoding (format tag ${format}, ${bits} bits); supported: PCM 8/16/24/32-bit, float 32/64-bit, A-law, mu-law. Convert with: sox in.wav -b 16 out.wav`,
    );
  }
  const frame = bytesPer * nch;
  const n = Math.floor(data.size / frame);
  if (data.size % frame !== 0) {
    throw new InputError(
      file,
      `WAV audio ends mid-sample (${data.size} bytes is not a multiple of ${frame}); the file is truncated`,
    );
  }
  if (n === 0) throw new InputError(file, "WAV contains no audio samples (empty 'data' chunk)");
  const channels = Array.from({ length: nch }, () => new Float32Array(n));
  const base = data.offset;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < nch; c++) {
      const p = base + (i * nch + c) * bytesPer;
      let v: number;
      if (format === 3) v = bits === 32 ? dv.getFloat32(p, true) : dv.getFloat64(p, true);
      else if (format === 6) v = alaw(b[p]) / 32768;
      else if (format === 7) v = ulaw(b[p]) / 32768;
      else if (bits === 16) v = dv.getInt16(p, true) / 32768;
      else if (bits === 8) v = (b[p] - 128) / 128;
      else if (bits === 24) v = (((b[p + 2] << 24) | (b[p + 1] << 16) | (b[p] << 8)) >> 8) / 8388608;
      else v = dv.getInt32(p, true) / 2147483648;
      channels[c][i] = v;
    }
  }
  return { channels, sampleRate: rate, bits };
}

function ulaw(u: number): number {
  u = ~u & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return u & 0x80 ? 0x84 - t : t - 0x84;
}

function alaw(a: number): number {
  a ^= 0x55;
  let t = (a & 0x0f) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8;
  else if (seg === 1) t += 0x108;
  else t = (t + 0x108) << (seg - 1);
  return a & 0x80 ? t : -t;
}
