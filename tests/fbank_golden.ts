/**
 * The every-frame fbank goldens (tests/golden/gen_fbank_float64.py -> fbank_float64.npz/.json) decoded,
 * and our features' max abs error against them per case. Shared by tests/fbank_test.ts and
 * bench/fbank_accuracy.ts (which writes the numbers the README shows).
 * @module
 */
import { readAudio } from "../core/audio/read.ts";
import { fbank, FBANK_PRESETS, type FbankOptions } from "../core/features/fbank.ts";
import { type NpyArray, readNpz } from "../core/io/npz.ts";
import { GOLDEN, golden, shared } from "./helpers.ts";

export interface F64Case {
  key: string;
  file: string;
  sample_rate: number;
  preset: keyof typeof FBANK_PRESETS;
  frames: number;
  bins: number;
  torchaudio_vs_float64_max_abs: number;
}
export interface F64Golden {
  quantisation: { F: number; T_minus_F: number };
  cases: F64Case[];
  kaldi_arks: { file: string; kaldi_vs_float64_max_abs: number }[];
}

/** One golden case: the float64 oracle F and torchaudio's T, decoded from fbank_float64.npz. */
function decodeCase(npz: Map<string, NpyArray>, c: F64Case, q: F64Golden["quantisation"]) {
  const planes = npz.get(`${c.key}__F`)!.data, d = npz.get(`${c.key}__D`)!.data;
  const n = c.frames * c.bins;
  const f = new Float64Array(n), t = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // 4 byte planes of a little-endian int32 (tests/golden/gen_fbank_float64.py)
    const v = planes[i] | (planes[n + i] << 8) | (planes[2 * n + i] << 16) | (planes[3 * n + i] << 24);
    f[i] = v / q.F;
    t[i] = f[i] + d[i] / q.T_minus_F;
  }
  return { f, t };
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Our options for a golden case: the preset without dither and CMN, at the file's rate (40 bins at 8 kHz). */
export function presetOptions(c: F64Case): Partial<FbankOptions> {
  return {
    ...FBANK_PRESETS[c.preset],
    dither: 0,
    cmn: "none",
    sampleRate: c.sample_rate,
    numMelBins: c.bins,
  };
}

/** Max abs errors of one case: ours vs torchaudio, ours vs float64, torchaudio vs float64. */
export interface FrameErrors {
  c: F64Case;
  oursVsTorch: number;
  oursVsF64: number;
  torchVsF64: number;
}

/** Max abs errors per golden case, computed once for the tests below: ours vs torchaudio / float64. */
export async function everyFrameErrors(): Promise<{ g: F64Golden; rows: FrameErrors[] }> {
  const g = golden<F64Golden>("fbank_float64.json");
  const npz = await readNpz(`${GOLDEN}/fbank_float64.npz`);
  const rows: FrameErrors[] = [];
  for (const c of g.cases) {
    const { samples, sampleRate } = await readAudio(shared(c.file));
    if (sampleRate !== c.sample_rate) {
      throw new Error(`${c.key}: read at ${sampleRate} Hz, golden ${c.sample_rate}`);
    }
    const m = fbank(samples, presetOptions(c));
    if (m.rows !== c.frames || m.cols !== c.bins) {
      throw new Error(`${c.key}: ${m.rows} x ${m.cols} features, golden has ${c.frames} x ${c.bins}`);
    }
    const { f, t } = decodeCase(npz, c, g.quantisation);
    rows.push({ c, oursVsTorch: maxAbs(m.data, t), oursVsF64: maxAbs(m.data, f), torchVsF64: maxAbs(t, f) });
  }
  return { g, rows };
}
