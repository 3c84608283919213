/**
 * Low-memory reading of long WAV files: the samples of a mono 16-bit PCM or 32-bit float WAV are read
 * block by block straight into one Float32Array, so a 4 h recording at 16 kHz costs its 0.9 GB of
 * float32 samples and a 4 MiB block, not the file's bytes plus the decoded copy (core/audio/read.ts
 * holds both at once). Same scaling as core/audio/wav.ts (x / 32768). Anything else (other encodings,
 * several channels, another rate) returns undefined, and the caller decodes the whole file as usual.
 * @module
 */
import { InputError } from "../errors.ts";

const BLOCK = 4 * 2 ** 20;

/** Format and data position of a WAV file, read from its first 64 KiB. */
async function header(f: Deno.FsFile, path: string) {
  const head = new Uint8Array(65536);
  const got = (await f.read(head)) ?? 0;
  const b = head.subarray(0, got), dv = new DataView(b.buffer, 0, got);
  const tag = (o: number) => String.fromCharCode(b[o], b[o + 1], b[o + 2], b[o + 3]);
  if (got < 12 || tag(0) !== "RIFF" || tag(8) !== "WAVE") return undefined;
  let o = 12, fmt: { format: number; channels: number; rate: number; bits: number } | undefined;
  while (o + 8 <= got) {
    const id = tag(o), size = dv.getUint32(o + 4, true);
    if (id === "fmt " && o + 24 <= got) {
      fmt = {
        format: dv.getUint16(o + 8, true),
        channels: dv.getUint16(o + 10, true),
        rate: dv.getUint32(o + 12, true),
        bits: dv.getUint16(o + 22, true),
      };
    } else if (id === "data") {
      const total = (await f.stat()).size;
      const bytes = size === 0 || size === 0xffffffff ? total - (o + 8) : Math.min(size, total - (o + 8));
      if (!fmt) throw new InputError(path, "WAV has no 'fmt ' chunk before the audio; the header is damaged");
      return { ...fmt, offset: o + 8, bytes };
    }
    o += 8 + size + (size & 1);
  }
  return undefined;
}

/**
 * Mono samples of `path` when it is a mono PCM16 or float32 WAV at `sampleRate`, read in blocks;
 * undefined for any other file (decode it with readAudio).
 */
export async function readLongWav(path: string, sampleRate: number): Promise<Float32Array | undefined> {
  let f: Deno.FsFile;
  try {
    f = await Deno.open(path);
  } catch {
    return undefined; // the full reader reports the error
  }
  try {
    const h = await header(f, path);
    if (!h || h.channels !== 1 || h.rate !== sampleRate) return undefined;
    const pcm16 = h.format === 1 && h.bits === 16, f32 = h.format === 3 && h.bits === 32;
    if (!pcm16 && !f32) return undefined;
    const width = pcm16 ? 2 : 4, n = Math.floor(h.bytes / width);
    if (n === 0) return undefined;
    const out = new Float32Array(n);
    await f.seek(h.offset, Deno.SeekMode.Start);
    const buf = new Uint8Array(BLOCK);
    let done = 0, carry = 0;
    while (done < n) {
      const r = await f.read(buf.subarray(carry));
      if (r === null) break;
      const have = carry + r, whole = Math.floor(have / width), dv = new DataView(buf.buffer, 0, have);
      const take = Math.min(whole, n - done);
      for (let i = 0; i < take; i++) {
        const v = pcm16 ? dv.getInt16(i * width, true) / 32768 : dv.getFloat32(i * width, true);
        if (!Number.isFinite(v)) {
          throw new InputError(
            path,
            `sample ${done + i} is ${v}: the audio holds NaN/Inf values; repair the file`,
          );
        }
        out[done + i] = v;
      }
      done += take;
      carry = have - whole * width;
      if (carry) buf.copyWithin(0, whole * width, have);
    }
    if (done < n) throw new InputError(path, `WAV is truncated: ${done} of ${n} samples could be read`);
    return out;
  } finally {
    f.close();
  }
}
