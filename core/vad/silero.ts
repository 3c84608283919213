/**
 * Silero VAD (v5) on onnxruntime: 16 kHz samples -> speech segments in seconds. The model file ships
 * inside the npm package @ricky0123/vad-web (silero_vad_v5.onnx, MIT weights from snakers4/silero-vad),
 * so nothing is downloaded. Frame probabilities follow silero-vad's OnnxWrapper (512-sample windows with
 * a 64-sample context, recurrent state [2,1,128]); segments follow its get_speech_timestamps()
 * (threshold, neg_threshold = threshold - 0.15, min speech / min silence / speech padding).
 * @module
 */
import type { Region } from "../contracts/vad.ts";
import { ConfigError, InputError } from "../errors.ts";
import { type EpChoice, loadOnnx, type OnnxModel } from "../onnx/runtime.ts";
import { type ConfigOf, opt, resolveConfig } from "../options.ts";
import { zooModel } from "../zoo/catalog.ts";
import { installedPath } from "../zoo/store.ts";

/** VAD options (silero-vad's get_speech_timestamps defaults), declared once. */
export const SILERO_OPTIONS = {
  threshold: opt.number(0.5, "speech probability threshold (negative threshold = threshold - 0.15)", {
    min: 0.15,
    max: 1,
  }),
  minSpeechMs: opt.number(250, "drop speech shorter than this (ms)", { min: 0 }),
  minSilenceMs: opt.number(100, "silence shorter than this does not end a segment (ms)", { min: 0 }),
  speechPadMs: opt.number(30, "pad segments by this much on each side (ms)", { min: 0 }),
  modelPath: opt.string("", "model file; '' = silero_vad_v5.onnx from the npm package @ricky0123/vad-web"),
  ep: opt.string("wasm", "execution provider (see core/onnx/runtime.ts)"),
};

/** Silero VAD config. */
export type SileroVadConfig = ConfigOf<typeof SILERO_OPTIONS>;

const SR = 16000, WINDOW = 512, CONTEXT = 64;

/** A loaded Silero VAD. */
export class SileroVad {
  private constructor(readonly config: SileroVadConfig, readonly model: OnnxModel) {}

  /** Loads the model (validating options); close with dispose(). */
  static async create(options: Partial<SileroVadConfig> = {}): Promise<SileroVad> {
    const c = resolveConfig("silero-vad", SILERO_OPTIONS, options);
    // the npm package's file is a zoo entry: its sha256 is checked on load (core/zoo/store.ts)
    const path = c.modelPath || await installedPath(zooModel("silero-vad"));
    if (!path) {
      throw new ConfigError(
        "silero-vad",
        "cannot find silero_vad_v5.onnx in the npm package @ricky0123/vad-web; run 'deno install' or set modelPath",
      );
    }
    const bytes = await Deno.readFile(path).catch((e) => {
      throw new InputError(path, `cannot read the Silero VAD model: ${e.message}`);
    });
    const probe = {
      input: { dims: [1, WINDOW + CONTEXT], data: new Float32Array(WINDOW + CONTEXT) },
      state: { dims: [2, 1, 128], data: new Float32Array(256) },
      sr: { dims: [], data: BigInt64Array.of(16000n) },
    };
    return new SileroVad(c, await loadOnnx(bytes, { ep: c.ep as EpChoice, probe }));
  }

  /** Execution provider facts for outputs. */
  info(): Record<string, unknown> {
    return { vad: "silero-v5", ...this.config, ep: this.model.ep, epNote: this.model.epNote };
  }

  /** Speech probability of every 512-sample window (32 ms). */
  async probabilities(samples: Float32Array, sampleRate: number, id = "audio"): Promise<Float32Array> {
    if (sampleRate !== SR) {
      throw new InputError(id, `Silero VAD needs ${SR} Hz audio, got ${sampleRate} Hz; resample first`);
    }
    const n = Math.ceil(samples.length / WINDOW);
    const probs = new Float32Array(n);
    let state: Float32Array = new Float32Array(256);
    const buf = new Float32Array(WINDOW + CONTEXT);
    const sr = BigInt64Array.of(16000n);
    for (let i = 0; i < n; i++) {
      buf.copyWithin(0, WINDOW, WINDOW + CONTEXT); // context = tail of the previous window
      buf.fill(0, CONTEXT);
      buf.set(samples.subarray(i * WINDOW, (i + 1) * WINDOW), CONTEXT);
      const out = await this.model.run({
        input: { dims: [1, WINDOW + CONTEXT], data: buf },
        state: { dims: [2, 1, 128], data: state },
        sr: { dims: [], data: sr },
      });
      probs[i] = out.output.data[0];
      state = out.stateN.data;
    }
    return probs;
  }

  /** Speech regions (seconds) of 16 kHz mono samples. */
  async segments(samples: Float32Array, sampleRate: number, id = "audio"): Promise<Region[]> {
    const probs = await this.probabilities(samples, sampleRate, id);
    return speechTimestamps(probs, samples.length, this.config).map((s) => ({
      start: s.start / SR,
      end: s.end / SR,
    }));
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}

/** silero-vad's get_speech_timestamps() on window probabilities; returns sample indices. */
export function speechTimestamps(
  probs: ArrayLike<number>,
  length: number,
  c: Pick<SileroVadConfig, "threshold" | "minSpeechMs" | "minSilenceMs" | "speechPadMs">,
): { start: number; end: number }[] {
  const neg = Math.max(c.threshold - 0.15, 0.01);
  const minSpeech = (SR * c.minSpeechMs) / 1000,
    minSilence = (SR * c.minSilenceMs) / 1000,
    pad = (SR * c.speechPadMs) / 1000;
  const speeches: { start: number; end: number }[] = [];
  let triggered = false, tempEnd = 0, start = -1;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i], cur = WINDOW * i;
    if (p >= c.threshold && tempEnd) tempEnd = 0;
    if (p >= c.threshold && !triggered) {
      triggered = true;
      start = cur;
      continue;
    }
    if (p < neg && triggered) {
      if (!tempEnd) tempEnd = cur;
      if (cur - tempEnd < minSilence) continue;
      if (tempEnd - start > minSpeech) speeches.push({ start, end: tempEnd });
      tempEnd = 0;
      start = -1;
      triggered = false;
    }
  }
  if (start >= 0 && length - start > minSpeech) speeches.push({ start, end: length });
  for (let i = 0; i < speeches.length; i++) {
    const s = speeches[i];
    if (i === 0) s.start = Math.max(0, s.start - pad);
    if (i < speeches.length - 1) {
      const next = speeches[i + 1];
      const silence = next.start - s.end;
      if (silence < 2 * pad) {
        s.end += Math.floor(silence / 2);
        next.start = Math.max(0, next.start - Math.floor(silence / 2));
      } else {
        s.end = Math.min(length, s.end + pad);
        next.start = Math.max(0, next.start - pad);
      }
    } else s.end = Math.min(length, s.end + pad);
  }
  return speeches;
}
