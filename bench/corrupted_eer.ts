/**
 * Clean vs corrupted speaker-verification EER on LibriSpeech test-other (the shared data folder): the
 * corrupted copies come from core/augment/corrupt.ts (test-side sources only, seeded): one copy with a
 * balanced mix of the four conditions (coloured noise, music, a competing AMI talker at 0-10 dB SNR,
 * reverberation at RT60 0.3-1.0 s), and one copy per condition. Runs the verify pipeline in memory, the
 * same trials (seed 1234) for every set and system. Writes bench/corrupted_eer.results.json, which the
 * README's `corrupted-eer` block is generated from (bench/readme_numbers.ts).
 *
 *   deno run -A bench/corrupted_eer.ts [--system LABEL=SPEC]... [--runs bench/train_bench.runs.json]
 *     [--shared ../shared/data] [--seed 4242] [--merge] [--out bench/corrupted_eer.results.json]
 *
 * Default systems: fbank-stats and the shipped models by zoo name. `--runs` attaches each system's
 * training facts (epochs, seed, CPU time) by label; `--merge` keeps the rows of systems not run now
 * (the sets and trials are seeded, so rows from separate runs compare).
 * @module
 */
import "../plugins/mod.ts";
import { parseArgs } from "node:util";
import { verify } from "../core/pipelines/verify.ts";
import { loadDataDir } from "../core/data/datasets.ts";
import { readAudio } from "../core/audio/read.ts";
import {
  amiTalkerFiles,
  type AudioUtterance,
  type Condition,
  corruptUtterances,
} from "../core/augment/corrupt.ts";
import { join } from "../core/paths.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    system: { type: "string", multiple: true },
    runs: { type: "string", default: join(ROOT, "bench", "train_bench.runs.json") },
    seed: { type: "string", default: "4242" },
    shared: { type: "string", default: join(ROOT, "..", "shared", "data") },
    merge: { type: "boolean", default: false },
    sets: { type: "string", default: "clean,mix,noise,music,speech,reverb" },
    out: { type: "string", default: join(ROOT, "bench", "corrupted_eer.results.json") },
  },
});
const systems = (values.system ?? [
  "fbank-stats=fbank-stats",
  "TDNN (embedkit-tdnn-librispeech)=onnx-speaker:model=zoo:embedkit-tdnn-librispeech",
]).map((s) => {
  const i = s.indexOf("=");
  const [label, text] = [s.slice(0, i), s.slice(i + 1)];
  const [name, ...rest] = text.split(":");
  const options: Record<string, unknown> = {};
  for (const kv of rest.join(":").split(",").filter(Boolean)) {
    const j = kv.indexOf("=");
    options[kv.slice(0, j)] = kv.slice(j + 1);
  }
  return { label, spec: text, plugin: { name, options, label } };
});
const seed = Number(values.seed), shared = values.shared!;
const runs: Record<string, unknown>[] = await Deno.readTextFile(values.runs!).then(
  (t) => JSON.parse(t).runs,
  () => [],
);

const { utts } = await loadDataDir(join(shared, "librispeech", "test-other"));
const clean: AudioUtterance[] = [];
for (const u of utts) {
  const a = await readAudio(u.path!, { sampleRate: 16000 });
  clean.push({ id: u.id, speaker: u.speaker, samples: a.samples, sampleRate: 16000 });
}
const sources = {
  musicDir: join(shared, "augment", "music"),
  competing: await amiTalkerFiles(join(shared, "ami")),
};
const ALL: Record<string, Condition[] | null> = {
  clean: null,
  mix: ["noise", "music", "speech", "reverb"],
  noise: ["noise"],
  music: ["music"],
  speech: ["speech"],
  reverb: ["reverb"],
};
const setNames = values.sets!.split(",");
const rows: Record<string, unknown>[] = [];
for (const name of setNames) {
  const conditions = ALL[name];
  if (conditions === undefined) throw new Error(`unknown set '${name}' (known: ${Object.keys(ALL)})`);
  const data = conditions
    ? (await corruptUtterances(clean, { seed, conditions, ...sources })).utterances
    : clean;
  const r = await verify({
    utterances: data,
    name,
    backbones: systems.map((s) => s.plugin),
    seed: 1234,
    quiet: true,
  });
  r.systems.forEach((sys, i) => {
    const row = { set: name, system: systems[i].label, spec: systems[i].spec, ...sys.metrics };
    rows.push(row);
    console.log(JSON.stringify(row));
  });
}
const old = values.merge ? await Deno.readTextFile(values.out!).then((t) => JSON.parse(t), () => null) : null;
const labels = new Set(systems.map((s) => s.label));
const kept = (old?.rows ?? []).filter((r: { system: string; set: string }) =>
  !(labels.has(r.system) && setNames.includes(r.set))
);
const allRows = [...kept, ...rows];
const order = [...new Set(allRows.map((r: { system: string }) => r.system))];
await Deno.writeTextFile(
  values.out!,
  JSON.stringify(
    {
      bench: "bench/corrupted_eer.ts",
      data: "LibriSpeech test-other (10 speakers x 10 utterances), trials seed 1234, cosine scoring",
      corruption: {
        seed,
        snrDb: [0, 10],
        mix: "one condition per utterance, balanced: coloured noise (beta 0-2), music (MUSIC_SPLIT.test), " +
          "a competing AMI talker, reverberation (image-source rooms, RT60 0.3-1.0 s)",
      },
      systems: order.map((label) => ({
        label,
        spec: allRows.find((r: { system: string }) => r.system === label)?.spec,
        training: runs.find((r) => r.label === label) ?? null,
      })),
      rows: allRows,
      date: new Date().toISOString(),
    },
    null,
    2,
  ) + "\n",
);
console.error(`wrote ${values.out}`);
