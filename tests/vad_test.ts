/**
 * Silero VAD (model from the npm package @ricky0123/vad-web). Oracle: the human reference RTTM of
 * pyannote's 30 s sample conversation (speech = union of speaker turns), scored at 10 ms frames.
 */
import { assert, assertEquals, assertRejects } from "./assert.ts";
import { needsShared, shared } from "./helpers.ts";
import { SileroVad, speechTimestamps } from "../core/vad/silero.ts";

function readPcm16(path: string): { samples: Float32Array; sampleRate: number } {
  const b = Deno.readFileSync(path);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let off = 12, sampleRate = 0;
  while (off + 8 <= b.length) {
    const id = new TextDecoder().decode(b.subarray(off, off + 4));
    const size = dv.getUint32(off + 4, true);
    if (id === "fmt ") sampleRate = dv.getUint32(off + 12, true);
    if (id === "data") {
      const pcm = new Int16Array(b.buffer.slice(b.byteOffset + off + 8, b.byteOffset + off + 8 + size));
      return { samples: Float32Array.from(pcm, (v) => v / 32768), sampleRate };
    }
    off += 8 + size + (size & 1);
  }
  throw new Error(`${path}: no data chunk`);
}

Deno.test(
  needsShared(
    "silero vad: speech segments agree with the reference RTTM of pyannote's sample (10 ms frames)",
  ),
  async () => {
    const { samples, sampleRate } = readPcm16(shared("pyannote-sample", "sample.wav"));
    const vad = await SileroVad.create();
    const seg = await vad.segments(samples, sampleRate, "sample.wav");
    const N = Math.floor(samples.length / 160);
    const ref = new Uint8Array(N), hyp = new Uint8Array(N);
    for (const line of Deno.readTextFileSync(shared("pyannote-sample", "sample.rttm")).trim().split("\n")) {
      const f = line.split(/\s+/);
      for (let i = Math.round(+f[3] * 100); i < Math.min(N, Math.round((+f[3] + +f[4]) * 100)); i++) {
        ref[i] = 1;
      }
    }
    for (const s of seg) {
      for (let i = Math.round(s.start * 100); i < Math.min(N, Math.round(s.end * 100)); i++) hyp[i] = 1;
    }
    let agree = 0, miss = 0, fa = 0, speech = 0;
    for (let i = 0; i < N; i++) {
      agree += +(ref[i] === hyp[i]);
      miss += +(ref[i] === 1 && hyp[i] === 0);
      fa += +(ref[i] === 0 && hyp[i] === 1);
      speech += ref[i];
    }
    console.log(
      `silero vs RTTM: accuracy ${(agree / N).toFixed(4)}, miss ${(miss / speech).toFixed(4)}, false alarm ${
        (fa / speech).toFixed(4)
      }; ${seg.length} segments; ep ${vad.info().ep}`,
    );
    assert(agree / N > 0.95 && miss / speech < 0.05 && fa / speech < 0.05);
    // silence has no speech
    assertEquals(await vad.segments(new Float32Array(16000), 16000), []);
    await assertRejects(
      () => vad.segments(new Float32Array(8000), 8000, "phone.wav"),
      Error,
      "phone.wav: Silero VAD needs 16000 Hz",
    );
    await vad.dispose();
  },
);

Deno.test("silero vad: get_speech_timestamps rules (threshold, hysteresis, min silence, min speech, padding)", () => {
  const W = 512;
  const c = { threshold: 0.5, minSpeechMs: 250, minSilenceMs: 100, speechPadMs: 30 };
  // windows 10..29 speech (20 windows = 640 ms), a 2-window dip (64 ms < 100 ms min silence) at 20..21,
  // 0.4 (between neg 0.35 and 0.5) keeps a segment alive, 40..44 too short (160 ms < 250 ms).
  const p = new Float32Array(60);
  for (let i = 10; i < 30; i++) p[i] = 0.9;
  p[20] = p[21] = 0.1;
  p[30] = 0.4;
  for (let i = 40; i < 45; i++) p[i] = 0.9;
  const s = speechTimestamps(p, 60 * W, c);
  // segment starts at window 10, ends where the prob first fell below 0.35 for >= 100 ms: window 31; pad 480 samples.
  assertEquals(s, [{ start: 10 * W - 480, end: 31 * W + 480 }]);
});
