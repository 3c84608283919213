/**
 * `fbank-stats`: a training-free speaker embedding baseline: the mean and standard deviation over
 * speech frames of the log-mel filterbank (Kaldi fbank, WeSpeaker preset), optionally with the frames
 * mean-normalised first (then only the std carries information). Frames quieter than a quantile of
 * the utterance's frame energies are dropped, a crude energy VAD.
 * It is what a long-term average spectrum gives: a weak but honest baseline to compare trained models against.
 * @module
 */
import type { Backbone, BackboneInput } from "../../core/contracts/mod.ts";
import { type ConfigOf, definePlugin, opt } from "../../core/plugin.ts";
import { ConfigError, InputError } from "../../core/errors.ts";
import { applyCmn, fbank, FBANK_PRESETS } from "../../core/features/fbank.ts";

const OPTIONS = {
  numMelBins: opt.integer(40, "mel filterbank bins (the embedding has 2x this with mean+std)", {
    min: 4,
    max: 256,
  }),
  sampleRate: opt.number(16000, "sample rate (Hz) the input audio must have", { gt: 0 }),
  stats: opt.oneOf(
    ["mean+std", "mean", "std"] as const,
    "mean+std",
    "pooled statistics: mean+std, mean or std",
  ),
  cmn: opt.boolean(
    false,
    "subtract the utterance mean per bin before pooling (then the mean part is zero: use stats=std)",
  ),
  dropQuantile: opt.number(
    0.3,
    "drop frames quieter than this quantile of the utterance (energy VAD; 0 keeps all)",
    { min: 0, max: 0.95 },
  ),
  logStd: opt.boolean(true, "log-compress the standard deviations (log(std + 1e-3), on the means' scale)"),
};

/** Options of the fbank-stats backbone. */
export type FbankStatsConfig = ConfigOf<typeof OPTIONS>;

/** Pools one utterance's fbank into a stats vector. */
export function poolStats(
  feats: { rows: number; cols: number; data: Float32Array },
  c: FbankStatsConfig,
): Float32Array {
  const { rows, cols, data } = feats;
  // energy VAD: keep frames whose mean log-mel is at or above the dropQuantile of the utterance
  const energy = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += data[i * cols + j];
    energy[i] = s / cols;
  }
  let thr = -Infinity;
  if (c.dropQuantile > 0 && rows > 10) {
    const sorted = Float64Array.from(energy).sort();
    thr = sorted[Math.min(rows - 1, Math.floor(c.dropQuantile * rows))];
  }
  const mean = new Float64Array(cols), sq = new Float64Array(cols);
  let n = 0;
  for (let i = 0; i < rows; i++) {
    if (energy[i] < thr) continue;
    n++;
    for (let j = 0; j < cols; j++) {
      const v = data[i * cols + j];
      mean[j] += v;
      sq[j] += v * v;
    }
  }
  const dim = c.stats === "mean+std" ? 2 * cols : cols;
  const out = new Float32Array(dim);
  if (!n) return out;
  for (let j = 0; j < cols; j++) {
    const m = mean[j] / n;
    const sd = Math.sqrt(Math.max(0, sq[j] / n - m * m));
    const s = c.logStd ? Math.log(sd + 1e-3) : sd;
    if (c.stats === "mean") out[j] = m;
    else if (c.stats === "std") out[j] = s;
    else {
      out[j] = m;
      out[cols + j] = s;
    }
  }
  return out;
}

/** `fbank-stats` backbone plugin. */
export const fbankStatsBackbone = definePlugin({
  kind: "backbone",
  name: "fbank-stats",
  description: "training-free baseline: mean and std of log-mel fbank over speech frames (no model weights)",
  module: import.meta.url,
  options: OPTIONS,
  validate(c, component) {
    if (c.cmn && c.stats === "mean") {
      throw new ConfigError(component, "cmn=true zeroes the means: use stats=std or mean+std");
    }
  },
  create(c, _ctx, component): Backbone {
    const opts = {
      ...FBANK_PRESETS.wespeaker,
      numMelBins: c.numMelBins,
      sampleRate: c.sampleRate,
      cmn: "none" as const,
    };
    return {
      dim: c.stats === "mean+std" ? 2 * c.numMelBins : c.numMelBins,
      modality: "audio",
      info: () => ({
        model: "fbank-stats (no weights)",
        frontEnd: `fbank wespeaker preset, ${c.numMelBins} bins`,
        ...c,
      }),
      embed(inputs: readonly BackboneInput[]): Promise<Float32Array[]> {
        // errors reject the promise (a Promise-returning method should not throw synchronously)
        return new Promise((resolve) =>
          resolve(inputs.map((inp) => {
            if (!inp.samples) throw new ConfigError(component, `input '${inp.id}' has no audio samples`);
            if (inp.sampleRate !== undefined && inp.sampleRate !== c.sampleRate) {
              throw new ConfigError(
                component,
                `input '${inp.id}' is ${inp.sampleRate} Hz but the backbone expects ${c.sampleRate} Hz; resample it or set sampleRate`,
              );
            }
            let feats = fbank(inp.samples, opts);
            if (feats.rows === 0) {
              // pooling no frames would give an all-zero embedding, which scores as NaN/0 downstream
              throw new InputError(
                inp.id,
                `${inp.samples.length} samples is shorter than one fbank frame (${opts.frameLength} ms); drop it`,
              );
            }
            if (c.cmn) feats = applyCmn(feats);
            return poolStats(feats, c);
          }))
        );
      },
    };
  },
});
