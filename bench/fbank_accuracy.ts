/**
 * Fbank accuracy on EVERY frame of real speech, written as a results file for the README
 * (bench/readme_numbers.ts, block `fbank-accuracy`):
 *
 *   deno run --allow-read --allow-write=out bench/fbank_accuracy.ts [--out out/bench/fbank_accuracy.json]
 *
 * Per recording and preset (before CMN, dither 0; each preset with its own FFT arithmetic, `fft`:
 * "kaldi-float32" for kaldi, "float64" for the others): max abs error of our features against
 * torchaudio.compliance.kaldi.fbank and against the float64 Kaldi oracle of tests/golden/gen_fbank_float64.py,
 * and torchaudio's own distance from float64; plus ours against real Kaldi compute-fbank-feats arks (the
 * kaldi preset's target: Kaldi's own float32 arithmetic) and those arks' distance from float64.
 * Needs ../shared/data. Accuracy, not speed: one run, no anchor needed.
 * @module
 */
import { parseArgs } from "node:util";
import { readAudio } from "../core/audio/read.ts";
import { fbank, FBANK_PRESETS, type FbankOptions } from "../core/features/fbank.ts";
import { writeFileAtomic } from "../core/atomic.ts";
import { shared } from "../tests/helpers.ts";
import { everyFrameErrors } from "../tests/fbank_golden.ts";

const { values } = parseArgs({ args: Deno.args, options: { out: { type: "string" } } });
const out = values.out ?? "out/bench/fbank_accuracy.json";

/** Real Kaldi text arks (kaldi-fbank-reference) vs our kaldi preset, every frame. */
async function kaldiArks(): Promise<{ file: string; oursVsKaldi: number }[]> {
  const ref = shared("kaldi-fbank-reference");
  const { samples } = await readAudio(`${ref}/test.wav`);
  const cases: [string, Partial<FbankOptions>][] = [
    ["test.txt", {}],
    ["test-40.txt", { numMelBins: 40 }],
    ["test-40-no-snip-edges.txt", { numMelBins: 40, snipEdges: false }],
  ];
  return await Promise.all(cases.map(async ([file, o]) => {
    const rows = (await Deno.readTextFile(`${ref}/${file}`)).split("\n").slice(1)
      .map((l) => l.replace("]", "").trim()).filter(Boolean).map((l) => l.split(/\s+/).map(Number));
    const m = fbank(samples, { ...o, dither: 0 });
    let e = 0;
    rows.forEach((r, i) => r.forEach((v, j) => (e = Math.max(e, Math.abs(v - m.data[i * m.cols + j])))));
    return { file, oursVsKaldi: e };
  }));
}

const { g, rows } = await everyFrameErrors();
const ours = await kaldiArks();
const result = {
  bench: "bench/fbank_accuracy.ts",
  date: new Date().toISOString(),
  golden: "tests/golden/fbank_float64.npz (tests/golden/gen_fbank_float64.py)",
  cases: rows.map((r) => ({
    key: r.c.key,
    file: r.c.file,
    sampleRate: r.c.sample_rate,
    preset: r.c.preset,
    fft: FBANK_PRESETS[r.c.preset].fft,
    frames: r.c.frames,
    bins: r.c.bins,
    oursVsTorchaudio: r.oursVsTorch,
    oursVsFloat64: r.oursVsF64,
    torchaudioVsFloat64: r.torchVsF64,
  })),
  kaldiArks: g.kaldi_arks.map((k) => ({
    file: k.file,
    kaldiVsFloat64: k.kaldi_vs_float64_max_abs,
    oursVsKaldi: ours.find((o) => o.file === k.file)?.oursVsKaldi,
  })),
};
await writeFileAtomic(out, JSON.stringify(result, null, 2) + "\n");
console.log(`wrote ${out}`);
