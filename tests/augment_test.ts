// Augmentation: SNRs delivered (measured from the clean and the added parts), coloured-noise spectra,
// room impulse responses (Schroeder T30/T20 vs the RT60 asked for; an independent numpy/scipy image-source
// implementation, tests/golden/gen_rir.py), seeds, SpecAugment masks, speed perturbation, every augmenter
// plugin through the registry, and the corrupted test-set builder.
import assert from "#std/assert";
import "../plugins/mod.ts";
import { registry } from "../core/registry.ts";
import { Rng } from "../core/random.ts";
import { matrix } from "../core/matrix.ts";
import type { AppliedAugmentation, AugmentContext, Augmenter } from "../core/contracts/augment.ts";
import { addAtSnr, meanSquare, snrDb } from "../core/augment/mix.ts";
import { colouredNoise, namedNoise } from "../core/augment/noise.ts";
import { realSpectrum } from "../core/augment/fft.ts";
import { eyringReflection, imageSourceRir, ismReflection, randomRoom } from "../core/augment/rir.ts";
import { decayRt60 } from "../core/augment/decay.ts";
import { reverberate } from "../core/augment/reverb.ts";
import { addBabble, KALDI_BABBLE } from "../core/augment/babble.ts";
import { specAugment } from "../core/augment/specaugment.ts";
import { speedPerturb } from "../core/augment/speed.ts";
import { oneOf } from "../core/augment/chain.ts";
import { amiTalkerFiles, corruptUtterances } from "../core/augment/corrupt.ts";
import { MUSIC_SPLIT } from "../core/augment/sources.ts";
import { readAudio } from "../core/audio/read.ts";
import { golden, needsShared, shared } from "./helpers.ts";

/** A speech-like test signal: amplitude-modulated harmonics with pauses (no shared data needed). */
function speechLike(n: number, seed: number): Float32Array {
  const r = new Rng(seed), f0 = 100 + 80 * r.next();
  return Float32Array.from({ length: n }, (_, i) => {
    const t = i / 16000, env = Math.max(0, Math.sin(2 * Math.PI * 3 * t)) ** 2;
    let s = 0;
    for (let h = 1; h <= 8; h++) s += Math.sin(2 * Math.PI * f0 * h * t) / h;
    return 0.2 * env * s + 1e-3 * r.normal();
  });
}

function ctx(
  seed: number,
  extra: Partial<AugmentContext> = {},
): AugmentContext & { log: AppliedAugmentation[] } {
  return { sampleRate: 16000, rng: new Rng(seed), log: [], ...extra };
}

/** 10·log10(P_clean / P_(out − clean)): the SNR actually delivered. */
function measuredSnr(clean: Float32Array, out: Float32Array): number {
  const added = Float32Array.from(out, (v, i) => v - clean[i]);
  return snrDb(clean, added);
}

Deno.test("addAtSnr delivers the SNR asked for within 0.1 dB (every noise colour, -5..30 dB)", () => {
  const clean = speechLike(32000, 1);
  let worst = 0;
  for (const colour of ["white", "pink", "brown"] as const) {
    for (const snr of [-5, 0, 7.5, 15, 30]) {
      const m = addAtSnr(clean, namedNoise(clean.length, colour, new Rng(snr + 100)), snr);
      worst = Math.max(
        worst,
        Math.abs(measuredSnr(clean, m.samples) - snr),
        Math.abs(snrDb(clean, m.noise) - snr),
      );
    }
  }
  assert(worst < 0.1, `worst SNR error ${worst} dB`);
  assert.throws(() => addAtSnr(clean, new Float32Array(clean.length), 5), /silent/);
  assert.throws(() => addAtSnr(clean, new Float32Array(10), 5), /crop it first/);
});

Deno.test("coloured noise has the spectral slope of its colour (PSD ∝ f^-β), zero mean and unit RMS", () => {
  for (const [beta, seed] of [[0, 1], [1, 2], [2, 3], [1.5, 4]]) {
    const n = 1 << 16, x = colouredNoise(n, beta, new Rng(seed));
    assert(Math.abs(meanSquare(x) - 1) < 1e-4, "unit RMS");
    const S = realSpectrum(x, n);
    // least-squares slope of log power vs log frequency over 50 Hz .. 5 kHz (in 1/16 kHz units)
    let sx = 0, sy = 0, sxx = 0, sxy = 0, k = 0;
    for (let i = Math.round(n * 50 / 16000); i < Math.round(n * 5000 / 16000); i++) {
      const lx = Math.log(i), ly = Math.log(S[2 * i] ** 2 + S[2 * i + 1] ** 2);
      sx += lx;
      sy += ly;
      sxx += lx * lx;
      sxy += lx * ly;
      k++;
    }
    const slope = (k * sxy - sx * sy) / (k * sxx - sx * sx);
    assert(Math.abs(slope + beta) < 0.05, `beta ${beta}: PSD slope ${slope}`);
  }
});

Deno.test("image-source RIRs decay at their RT60: Schroeder T30 within 10 %, T20 within 20 % (12 seeded rooms)", () => {
  const rng = new Rng(2024);
  const rows: string[] = [];
  for (let i = 0; i < 12; i++) {
    const room = randomRoom(rng, { rt60: [0.2, 0.6] });
    const h = imageSourceRir(room, { lengthSeconds: room.rt60 * 1.1 });
    const t30 = decayRt60(h, 16000).rt60, t20 = decayRt60(h, 16000, -5, -25).rt60;
    rows.push(
      `${room.dims.map((v) => v.toFixed(1)).join("x")} RT60 ${room.rt60.toFixed(3)}: T30 ${
        t30.toFixed(3)
      } T20 ${t20.toFixed(3)}`,
    );
    assert(
      Math.abs(t30 / room.rt60 - 1) < 0.1,
      `room ${i}: T30 ${t30} for RT60 ${room.rt60}\n${rows.join("\n")}`,
    );
    assert(
      Math.abs(t20 / room.rt60 - 1) < 0.2,
      `room ${i}: T20 ${t20} for RT60 ${room.rt60}\n${rows.join("\n")}`,
    );
  }
  // the calibration matters: Eyring's coefficient decays too slowly in a shoebox image model
  const room = {
    dims: [4.3, 4.0, 2.7] as const,
    source: [1, 1.5, 1.2] as const,
    mic: [3, 2.5, 1.5] as const,
    rt60: 0.5,
  };
  assert(ismReflection(room.dims, room.rt60) < eyringReflection(room.dims, room.rt60));
  assert.throws(() => imageSourceRir({ ...room, mic: [5, 1, 1] }), /outside the room/);
});

Deno.test("image-source RIR equals an independent numpy/scipy implementation (tests/golden/gen_rir.py)", () => {
  const g = golden<{
    rooms: {
      dims: [number, number, number];
      source: [number, number, number];
      mic: [number, number, number];
      rt60: number;
      beta: number;
      t30: number;
      length: number;
      energy: number;
      rirHead: number[];
    }[];
  }>("rir.json");
  for (const r of g.rooms) {
    const beta = ismReflection(r.dims, r.rt60);
    assert(Math.abs(beta - r.beta) < 3e-4 * r.beta, `beta ${beta} vs ${r.beta}`);
    const h = imageSourceRir(r);
    assert.equal(h.length, r.length);
    let peak = 0, err = 0;
    for (let i = 0; i < r.rirHead.length; i++) {
      peak = Math.max(peak, Math.abs(r.rirHead[i]));
      err = Math.max(err, Math.abs(h[i] - r.rirHead[i]));
    }
    // beta differs by the two direction grids (64² vs 400²) by ~1e-4; every reflection carries it
    assert(err < 1e-3 * peak, `RIR differs by ${err} (peak ${peak})`);
    let direct = 0;
    for (let i = 0; i < 200; i++) direct = Math.max(direct, Math.abs(h[i] - r.rirHead[i]));
    assert(direct < 2e-4 * peak, `direct sound and first reflections differ by ${direct} (peak ${peak})`);
    const t30 = decayRt60(h, 16000).rt60;
    assert(Math.abs(t30 - r.t30) < 2e-3 * r.t30, `T30 ${t30} vs numpy ${r.t30}`);
    assert(Math.abs(meanSquare(h) * h.length / r.energy - 1) < 3e-3, "energy");
  }
});

Deno.test("reverberate convolves with the unit-energy response and keeps the length", () => {
  const room = randomRoom(new Rng(5), { rt60: [0.3, 0.3] });
  const h = imageSourceRir(room);
  const impulse = new Float32Array(4000);
  impulse[0] = 1;
  const y = reverberate(impulse, h);
  assert.equal(y.length, 4000);
  const e = Math.sqrt(meanSquare(h) * h.length);
  let err = 0;
  for (let i = 0; i < 4000; i++) err = Math.max(err, Math.abs(y[i] - h[i] / e));
  assert(err < 1e-6, `impulse response through reverberate differs by ${err}`);
});

Deno.test("babble: 3-7 talkers, each at 13-20 dB within 0.1 dB, never the crop's own speaker, parts sum to the output", () => {
  const clean = speechLike(16000, 3);
  const pool = Array.from(
    { length: 12 },
    (_, i) => ({ speaker: `s${i % 6}`, samples: speechLike(20000 + i * 977, 10 + i) }),
  );
  for (let seed = 0; seed < 20; seed++) {
    const b = addBabble(clean, pool, KALDI_BABBLE, new Rng(seed), "s0");
    assert(b.parts.length >= 3 && b.parts.length <= 7, `${b.parts.length} talkers`);
    assert(b.talkers.every((i) => pool[i].speaker !== "s0"), "own speaker excluded");
    assert.equal(new Set(b.talkers).size, b.talkers.length, "distinct talkers");
    b.parts.forEach((p, k) => {
      assert(b.snrs[k] >= 13 && b.snrs[k] <= 20);
      assert(Math.abs(snrDb(clean, p) - b.snrs[k]) < 0.1, `talker ${k}: ${snrDb(clean, p)} vs ${b.snrs[k]}`);
    });
    let err = 0;
    for (let i = 0; i < clean.length; i++) {
      err = Math.max(err, Math.abs(clean[i] + b.parts.reduce((s, p) => s + p[i], 0) - b.samples[i]));
    }
    assert(err < 1e-6);
  }
  assert.throws(() => addBabble(clean, pool.slice(0, 1), KALDI_BABBLE, new Rng(1), "s0"), /no talker left/);
});

Deno.test("SpecAugment masks have the configured counts and widths and mask exactly their cells", () => {
  const x = matrix(200, 80, Float32Array.from({ length: 16000 }, (_, i) => 1 + (i % 13)));
  const cfg = { numTimeMasks: 2, maxTimeWidth: 10, numFreqMasks: 3, maxFreqWidth: 8, value: 0 };
  const widths = { time: new Set<number>(), freq: new Set<number>() };
  for (let seed = 0; seed < 200; seed++) {
    const { features, masks } = specAugment(x, cfg, new Rng(seed));
    assert.equal(masks.filter((m) => m.axis === "time").length, 2);
    assert.equal(masks.filter((m) => m.axis === "freq").length, 3);
    for (const m of masks) {
      const max = m.axis === "time" ? 10 : 8, size = m.axis === "time" ? 200 : 80;
      assert(m.width >= 1 && m.width <= max && m.end === Math.min(size, m.start + m.width));
      widths[m.axis].add(m.width);
    }
    for (let r = 0; r < 200; r++) {
      for (let c = 0; c < 80; c++) {
        const masked = masks.some((m) =>
          m.axis === "time" ? r >= m.start && r < m.end : c >= m.start && c < m.end
        );
        assert.equal(features.data[r * 80 + c], masked ? 0 : x.data[r * 80 + c]);
      }
    }
  }
  assert.equal(widths.time.size, 10, "every time width 1..10 occurs");
  assert.equal(widths.freq.size, 8, "every frequency width 1..8 occurs");
});

Deno.test("speed perturbation: length / factor samples, pitch scaled by the factor", () => {
  const x = Float32Array.from({ length: 16000 }, (_, i) => Math.sin(2 * Math.PI * 1000 * i / 16000));
  for (const f of [0.9, 1.1]) {
    const y = speedPerturb(x, f);
    assert.equal(y.length, Math.floor(16000 / f));
    let zc = 0;
    for (let i = 1; i < y.length; i++) if (y[i - 1] < 0 && y[i] >= 0) zc++;
    const hz = zc / (y.length / 16000);
    assert(Math.abs(hz - 1000 * f) < 5, `factor ${f}: ${hz} Hz`);
  }
});

/** Options of each augmenter for the registry tests (music and babble need ../shared/data). */
async function pluginOptions(): Promise<Record<string, Record<string, unknown>>> {
  const train = shared("librispeech", "train-clean-100");
  const talkers: { speaker: string; path: string }[] = [];
  for await (const e of Deno.readDir(train)) {
    if (e.isFile && e.name.endsWith(".flac")) {
      talkers.push({ speaker: e.name.split("-")[0], path: `${train}/${e.name}` });
    }
  }
  talkers.sort((a, b) => a.path.localeCompare(b.path)).splice(10);
  return {
    noise: {},
    music: { dir: shared("augment", "music") },
    babble: { talkers, maxSeconds: 6 },
    reverb: { rooms: 4, rt60: [0.2, 0.4] },
    speed: {},
    specaugment: { prob: 1 },
  };
}

Deno.test(
  needsShared(
    "every augmenter plugin through the registry: contract, logged SNRs delivered, seeds reproduce",
  ),
  async () => {
    const opts = await pluginOptions();
    const clean = (await readAudio(shared("librispeech", "test-other", "1688", await firstFlac("1688")), {
      sampleRate: 16000,
    })).samples.slice(16000, 48000);
    for (const [name, o] of Object.entries(opts)) {
      const a: Augmenter = await registry.create("augmenter", name, o);
      assert.equal(a.role, "augment");
      if (a.domain === "features") {
        const x = matrix(200, 80, Float32Array.from({ length: 16000 }, (_, i) => Math.sin(i)));
        const c1 = ctx(7), y1 = a.features!(x, c1), y2 = a.features!(x, ctx(7)), y3 = a.features!(x, ctx(8));
        assert.deepEqual(y1.data, y2.data, `${name}: same seed, same output`);
        assert.notDeepEqual(y1.data, y3.data, `${name}: another seed, another output`);
        assert.equal(c1.log[0].augmenter, name);
        continue;
      }
      const c1 = ctx(7, { speaker: "103" });
      const y1 = a.wave!(clean, c1), y2 = a.wave!(clean, ctx(7, { speaker: "103" }));
      assert.deepEqual(y1, y2, `${name}: same seed, same output`);
      // another seed that draws differently (a small room bank or 3 speed factors can repeat a draw)
      let y3 = y1;
      for (let seed = 8; seed < 40 && y3 === y1; seed++) {
        const c3 = ctx(seed, { speaker: "103" }), y = a.wave!(clean, c3);
        if (JSON.stringify(c3.log) !== JSON.stringify(c1.log)) y3 = y;
      }
      assert.notDeepEqual(y1, y3, `${name}: another seed, another output`);
      const applied = c1.log[0];
      assert.equal(applied.augmenter, name);
      if (name === "noise" || name === "music") {
        const snr = applied.snrDb as number;
        assert(
          name === "noise" ? snr >= 0 && snr <= 15 : snr >= 5 && snr <= 15,
          `${name}: SNR ${snr} outside its range`,
        );
        assert(
          Math.abs(measuredSnr(clean, y1) - snr) < 0.1,
          `${name}: delivered ${measuredSnr(clean, y1)} dB, logged ${snr}`,
        );
      }
      if (name === "music") assert((MUSIC_SPLIT.train as readonly string[]).includes(applied.file as string));
      if (name === "babble") {
        const spk = applied.talkers as string[];
        assert(spk.length >= 3 && spk.length <= 7 && !spk.includes("103"), `babble talkers ${spk}`);
      }
      if (name === "speed") assert.equal(y1.length, Math.floor(clean.length / (applied.factor as number)));
      else assert.equal(y1.length, clean.length);
      if (name === "reverb") assert((applied.rt60 as number) >= 0.2 && (applied.rt60 as number) <= 0.4);
    }
    await assert.rejects(() => registry.create("augmenter", "noise", { snrDb: [10, 5] }), /lo <= hi/);
    await assert.rejects(
      () => registry.create("augmenter", "noise", { colours: ["purple"] }),
      /colours must be among/,
    );
    await assert.rejects(() => registry.create("augmenter", "babble", {}), /at least 2 speakers/);
    await assert.rejects(() => registry.create("augmenter", "music", {}), /give 'dir'/);
  },
);

async function firstFlac(spk: string): Promise<string> {
  const names: string[] = [];
  for await (const e of Deno.readDir(shared("librispeech", "test-other", spk))) {
    if (e.name.endsWith(".flac")) names.push(e.name);
  }
  return names.sort()[0];
}

Deno.test("oneOf applies one augmenter with the given probability and weights, logging each choice", async () => {
  const noise = await registry.create("augmenter", "noise", {});
  const speed = await registry.create("augmenter", "speed", { factors: [0.9] });
  const chain = oneOf([{ name: "noise", augmenter: noise, weight: 3 }, {
    name: "speed",
    augmenter: speed,
    weight: 1,
  }], 0.6);
  const x = speechLike(1600, 4), counts: Record<string, number> = {};
  const c = ctx(11);
  for (let i = 0; i < 2000; i++) chain.wave!(x, c);
  for (const l of c.log) counts[l.augmenter] = (counts[l.augmenter] ?? 0) + 1;
  assert.equal(c.log.length, 2000);
  assert(Math.abs(counts.none / 2000 - 0.4) < 0.04, JSON.stringify(counts));
  assert(Math.abs(counts.noise / (counts.noise + counts.speed) - 0.75) < 0.04, JSON.stringify(counts));
  assert.throws(() => oneOf([], 0.5), /at least one/);
});

Deno.test(
  needsShared(
    "corrupted test set: one seeded condition per utterance, SNRs delivered, test-side sources only",
  ),
  async () => {
    const utts: { id: string; speaker: string; samples: Float32Array; sampleRate: number }[] = [];
    for (const spk of ["1688", "1998"]) {
      const names: string[] = [];
      for await (const e of Deno.readDir(shared("librispeech", "test-other", spk))) {
        if (e.name.endsWith(".flac")) names.push(e.name);
      }
      for (const name of names.sort().slice(0, 4)) {
        const a = await readAudio(shared("librispeech", "test-other", spk, name), { sampleRate: 16000 });
        utts.push({ id: name, speaker: spk, samples: a.samples.slice(0, 48000), sampleRate: 16000 });
      }
    }
    const sources = { musicDir: shared("augment", "music"), competing: await amiTalkerFiles(shared("ami")) };
    const r1 = await corruptUtterances(utts, { seed: 3, ...sources });
    const r2 = await corruptUtterances(utts, { seed: 3, ...sources });
    assert.deepEqual(r1.records, r2.records);
    assert.deepEqual(r1.utterances.map((u) => u.samples), r2.utterances.map((u) => u.samples));
    const conds = r1.records.map((r) => r.condition);
    for (const c of ["noise", "music", "speech", "reverb"]) {
      assert.equal(
        conds.filter((x) => x === c).length,
        2,
        `${conds}`,
      );
    }
    const ami = new Set(sources.competing.map((t) => t.speaker));
    r1.records.forEach((rec, i) => {
      const clean = utts[i].samples, out = r1.utterances[i].samples;
      assert.equal(out.length, clean.length);
      if (rec.condition === "reverb") {
        assert(rec.rt60! >= 0.3 && rec.rt60! <= 1.0);
        return;
      }
      assert(rec.snrDb! >= 0 && rec.snrDb! <= 10);
      assert(
        Math.abs(measuredSnr(clean, out) - rec.snrDb!) < 0.1,
        `${rec.condition}: ${measuredSnr(clean, out)} vs ${rec.snrDb}`,
      );
      if (rec.condition === "music") assert((MUSIC_SPLIT.test as readonly string[]).includes(rec.source!));
      if (rec.condition === "speech") assert(ami.has(rec.source!), rec.source);
    });
    const other = await corruptUtterances(utts, { seed: 4, ...sources });
    // core/ knows no data location: a condition without its source is refused, naming what to give
    await assert.rejects(() => corruptUtterances(utts, { conditions: ["music"] }), /musicDir/);
    await assert.rejects(() => corruptUtterances(utts, { conditions: ["speech"] }), /competing/);
    assert.notDeepEqual(other.records, r1.records);
  },
);
