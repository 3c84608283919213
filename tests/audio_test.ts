/**
 * readAudio: every WAV encoding (written here byte by byte, checked against the integers we wrote),
 * FLAC (torchaudio/soundfile scaling), resampling 8 kHz -> 16 kHz (sine frequency preserved), and
 * clear InputErrors for empty, corrupt and truncated files.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { decodeAudio, readAudio } from "../core/audio/read.ts";
import { InputError } from "../core/errors.ts";
import { needsShared, ROOT, shared, withTempDir } from "./helpers.ts";

/** Builds a WAV: `format` 1 PCM / 3 float / 7 mu-law, interleaved `frames` (per channel values). */
function wav(format: number, bits: number, rate: number, chans: number[][], extensible = false): Uint8Array {
  const n = chans[0].length, nch = chans.length, bps = bits / 8;
  const fmtSize = extensible ? 40 : 16;
  const dataSize = n * nch * bps;
  const buf = new Uint8Array(12 + 8 + fmtSize + 8 + dataSize);
  const dv = new DataView(buf.buffer);
  const tag = (o: number, s: string) => [...s].forEach((c, i) => (buf[o + i] = c.charCodeAt(0)));
  tag(0, "RIFF");
  dv.setUint32(4, buf.length - 8, true);
  tag(8, "WAVE");
  tag(12, "fmt ");
  dv.setUint32(16, fmtSize, true);
  dv.setUint16(20, extensible ? 0xfffe : format, true);
  dv.setUint16(22, nch, true);
  dv.setUint32(24, rate, true);
  dv.setUint32(28, rate * nch * bps, true);
  dv.setUint16(32, nch * bps, true);
  dv.setUint16(34, bits, true);
  if (extensible) {
    dv.setUint16(36, 22, true);
    dv.setUint16(44, format, true); // subformat GUID starts with the format tag
  }
  const d = 20 + fmtSize;
  tag(d, "data");
  dv.setUint32(d + 4, dataSize, true);
  let p = d + 8;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < nch; c++) {
      const v = chans[c][i];
      if (format === 3 && bits === 32) dv.setFloat32(p, v, true);
      else if (format === 3) dv.setFloat64(p, v, true);
      else if (bits === 8) buf[p] = v;
      else if (bits === 16) dv.setInt16(p, v, true);
      else if (bits === 24) {
        buf[p] = v & 0xff;
        buf[p + 1] = (v >> 8) & 0xff;
        buf[p + 2] = (v >> 16) & 0xff;
      } else dv.setInt32(p, v, true);
      p += bps;
    }
  }
  return buf;
}

Deno.test("WAV PCM 8/16/24/32-bit and float 32/64, mono and stereo, extensible: exact scaling", async () => {
  const ints16 = [0, 1, -1, 32767, -32768, 12345];
  let a = await decodeAudio(wav(1, 16, 16000, [ints16]), "t16.wav");
  assert.deepEqual(Array.from(a.samples, (v) => v * 32768), ints16);
  a = await decodeAudio(wav(1, 8, 8000, [[0, 128, 255]]), "t8.wav");
  assert.deepEqual(Array.from(a.samples), [-1, 0, 127 / 128]);
  assert.equal(a.sampleRate, 8000);
  const i24 = [0, 8388607, -8388608, -1, 4660];
  a = await decodeAudio(wav(1, 24, 16000, [i24], true), "t24.wav");
  assert.deepEqual(Array.from(a.samples, (v) => Math.round(v * 8388608)), i24);
  a = await decodeAudio(wav(1, 32, 16000, [[2147483647, -2147483648, 65536]]), "t32.wav");
  assert.deepEqual(Array.from(a.samples), [Math.fround(2147483647 / 2147483648), -1, 65536 / 2147483648]);
  a = await decodeAudio(wav(3, 32, 44100, [[0.5, -0.25]]), "f32.wav");
  assert.deepEqual(Array.from(a.samples), [0.5, -0.25]);
  a = await decodeAudio(wav(3, 64, 22050, [[0.125, -1]]), "f64.wav");
  assert.deepEqual(Array.from(a.samples), [0.125, -1]);
  // stereo: mix = average, or pick a channel
  const st = wav(1, 16, 16000, [[1000, 2000], [3000, -2000]]);
  assert.deepEqual(Array.from((await decodeAudio(st, "st.wav")).samples, (v) => v * 32768), [2000, 0]);
  assert.deepEqual(Array.from((await decodeAudio(st, "st.wav", { channel: 1 })).samples, (v) => v * 32768), [
    3000,
    -2000,
  ]);
  await assert.rejects(decodeAudio(st, "st.wav", { channel: 2 }), /channel 2 requested but the file has 2/);
});

Deno.test("empty, corrupt and truncated files give InputErrors naming the file", async () => {
  await assert.rejects(
    decodeAudio(new Uint8Array(0), "zero.wav"),
    (e) => e instanceof InputError && /empty \(0 bytes\)/.test(e.message) && /zero\.wav/.test(e.message),
  );
  const good = wav(1, 16, 16000, [[1, 2, 3, 4, 5, 6, 7, 8]]);
  await assert.rejects(decodeAudio(good.slice(0, good.length - 6), "cut.wav"), /cut\.wav: WAV is truncated/);
  await assert.rejects(decodeAudio(good.slice(0, good.length - 1), "odd.wav"), /truncated/);
  await assert.rejects(decodeAudio(good.slice(0, 30), "hdr.wav"), InputError);
  const noData = wav(1, 16, 16000, [[]]);
  await assert.rejects(decodeAudio(noData, "nodata.wav"), /no audio samples|no 'data'/);
  await assert.rejects(decodeAudio(wav(1, 12, 16000, [[]]), "b12.wav"), /unsupported WAV encoding/);
  const junk = new TextEncoder().encode("this is not audio at all, just text ".repeat(20));
  await assert.rejects(
    decodeAudio(junk, "junk.mp3"),
    (e) => e instanceof InputError && /junk\.mp3/.test(e.message),
  );
  await assert.rejects(readAudio("/nonexistent/x.wav"), /no such audio file/);
  await withTempDir(async (dir) => {
    const p = join(dir, "nan.wav");
    await Deno.writeFile(p, wav(3, 32, 16000, [[0, NaN]]));
    await assert.rejects(readAudio(p), /NaN/);
  });
});

Deno.test(
  needsShared("AMI empty.wav, float32 WAV with a 'fact' chunk, FLAC: read without surprises"),
  async () => {
    // empty.wav holds 1 s of non-speech (16-bit PCM): it reads as 16000 samples, no crash.
    const e = await readAudio(shared("ami", "empty.wav"));
    assert.equal(e.samples.length, 16000);
    assert.equal(e.sampleRate, 16000);
    const f = await readAudio(shared("ami", "trn01.wav"));
    assert.equal(f.samples.length, 480001);
    assert.equal(Math.round(f.samples[0] * 32768), 25); // torchaudio.load gives 25/32768 too
    // FLAC: 16-bit integers / 32768 exactly, like soundfile and torchaudio (648, 649, 651 for this file)
    const fl = await readAudio(shared("librispeech", "test-other", "1688", "1688-142285-0001.flac"));
    assert.deepEqual(Array.from(fl.samples.subarray(0, 3), (v) => v * 32768), [648, 649, 651]);
    assert.equal(fl.samples.length, 202000);
  },
);

Deno.test(needsShared("8 kHz telephone prompt resampled to 16 kHz keeps duration and content"), async () => {
  const p = shared("asterisk", "en_US_f_Allison", "agent-alreadyon.wav");
  const a8 = await readAudio(p);
  const a16 = await readAudio(p, { sampleRate: 16000 });
  assert.equal(a8.sampleRate, 8000);
  assert.equal(a16.sourceRate, 8000);
  assert.ok(Math.abs(a16.samples.length - 2 * a8.samples.length) <= 2);
  // energy preserved (band-limited signal), samples at even indices close to the originals
  const en = (x: Float32Array) => x.reduce((s, v) => s + v * v, 0) / x.length;
  assert.ok(Math.abs(en(a16.samples) / en(a8.samples) - 1) < 0.02);
});

Deno.test("MP3 and Ogg Vorbis decode (1 kHz tone fixtures): rate, length, and the tone is there", async () => {
  for (const f of ["tone_1k.mp3", "tone_1k.ogg"]) {
    const a = await readAudio(join(ROOT, "tests", "fixtures", "audio", f));
    const x = a.samples;
    assert.equal(a.sampleRate, 16000, f);
    assert.ok(x.length >= 16000 && x.length < 18000, `${f}: ${x.length} samples`); // MP3 keeps encoder padding
    const power = (hz: number) => {
      let c = 0, s = 0;
      for (let i = 0; i < x.length; i++) {
        c += x[i] * Math.cos((2 * Math.PI * hz * i) / 16000);
        s += x[i] * Math.sin((2 * Math.PI * hz * i) / 16000);
      }
      return (c * c + s * s) / x.length ** 2;
    };
    assert.ok(power(1000) > 0.04, `${f}: 1 kHz power ${power(1000)} (0.0625 for the ideal tone)`);
    assert.ok(power(500) < 1e-6 && power(2000) < 1e-6, `${f}: energy where there should be none`);
  }
});

Deno.test("resampling a 1 kHz tone from 8 kHz to 16 kHz keeps it at 1 kHz", async () => {
  const n = 8000, x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = 0.5 * Math.sin((2 * Math.PI * 1000 * i) / 8000);
  const b = wav(3, 32, 8000, [Array.from(x)]);
  const y = (await decodeAudio(b, "tone.wav", { sampleRate: 16000 })).samples;
  assert.ok(Math.abs(y.length - 16000) <= 2);
  // correlate the middle against the ideal 16 kHz tone (allowing for filter delay via best lag)
  let best = 0;
  for (let lag = -40; lag <= 40; lag++) {
    let s = 0, q = 0;
    for (let i = 4000; i < 12000; i++) {
      const r = 0.5 * Math.sin((2 * Math.PI * 1000 * (i + lag)) / 16000);
      s += y[i] * r;
      q += r * r;
    }
    best = Math.max(best, s / q);
  }
  assert.ok(best > 0.99, `tone correlation ${best}`);
});
