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
 * Default systems: fbank-stats and the shipped models by zoo name (the previous TDNN and the model the
 * alias `embedkit-speaker` names). `--runs` attaches each system's training facts (epochs, seed, CPU
 * time) by label, else by the zoo name in `model`; `--merge` keeps the rows of systems not run now
 * (the sets and trials are seeded, so rows from separate runs compare). `--sets` picks sets (clean,
 * mix, noise, music, speech, reverb).
 * The results also name the pair the README compares (`compare`: the TDNN baseline and the shipped
 * recommended model, found by their zoo names in the specs), the trial counts and each corrupted set's
 * conditions and SNR range as drawn.
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
  type CorruptionRecord,
  corruptUtterances,
} from "../core/augment/corrupt.ts";
import { join } from "../core/paths.ts";
import { ZOO_ALIASES } from "../core/zoo/catalog.ts";

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
const BASELINE = "embedkit-tdnn-librispeech", SHIPPED = ZOO_ALIASES["embedkit-speaker"];
const systems = (values.system ?? [
  "fbank-stats=fbank-stats",
  `TDNN (${BASELINE})=onnx-speaker:model=zoo:${BASELINE}`,
  ...(SHIPPED !== BASELINE ? [`recommended (${SHIPPED})=onnx-speaker:model=zoo:${SHIPPED}`] : []),
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
const setInfo: Record<string, unknown> = {};
let counts: Record<string, number> | null = null;
const t0 = performance.now();
for (const name of setNames) {
  const conditions = ALL[name];
  if (conditions === undefined) throw new Error(`unknown set '${name}' (known: ${Object.keys(ALL)})`);
  const corrupted = conditions ? await corruptUtterances(clean, { seed, conditions, ...sources }) : null;
  const data = corrupted ? corrupted.utterances : clean;
  if (corrupted) setInfo[name] = describe(corrupted.records);
  const r = await verify({
    utterances: data,
    name,
    backbones: systems.map((s) => s.plugin),
    seed: 1234,
    quiet: true,
  });
  counts ??= { ...r.counts };
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
const specOf = (label: string) => allRows.find((r: { system: string }) => r.system === label)?.spec as string;
const zooIn = (spec: string | undefined, zoo: string) => new RegExp(`zoo:${zoo}(,|$)`).test(spec ?? "");
const named = (zoo: string) => order.find((l) => zooIn(specOf(l), zoo));
const compare = {
  baseline: named(BASELINE) ?? null,
  shipped: named("embedkit-speaker") ?? (SHIPPED !== BASELINE ? named(SHIPPED) : undefined) ?? null,
};
await Deno.writeTextFile(
  values.out!,
  JSON.stringify(
    {
      bench: "bench/corrupted_eer.ts",
      data: `LibriSpeech test-other (${counts?.speakers ?? old?.counts?.speakers} speakers, ${
        counts?.utterances ?? old?.counts?.utterances
      } utterances), trials seed 1234, cosine scoring`,
      counts: counts ?? old?.counts ?? null,
      corruption: {
        seed,
        snrDb: [0, 10],
        mix: "one condition per utterance, balanced: coloured noise (beta 0-2), music (MUSIC_SPLIT.test), " +
          "a competing AMI talker, reverberation (image-source rooms, RT60 0.3-1.0 s)",
        sets: { ...(old?.corruption?.sets ?? {}), ...setInfo },
      },
      compare,
      systems: order.map((label) => ({
        label,
        spec: allRows.find((r: { system: string }) => r.system === label)?.spec,
        training: runs.find((r) => r.label === label) ??
          runs.find((r) => typeof r.model === "string" && zooIn(specOf(label), r.model)) ?? null,
      })),
      rows: allRows,
      wallSeconds: Math.round((performance.now() - t0) / 1000),
      date: new Date().toISOString(),
    },
    null,
    2,
  ) + "\n",
);
console.error(`wrote ${values.out}`);

/** Conditions and the SNR / RT60 ranges drawn for one corrupted set (what the results record). */
function describe(records: CorruptionRecord[]): Record<string, unknown> {
  const by: Record<string, number> = {};
  for (const r of records) by[r.condition] = (by[r.condition] ?? 0) + 1;
  const range = (v: number[]) => v.length ? [Math.min(...v), Math.max(...v)].map((x) => +x.toFixed(2)) : null;
  return {
    conditions: by,
    snrDb: range(records.flatMap((r) => r.snrDb ?? [])),
    rt60: range(records.flatMap((r) => r.rt60 ?? [])),
  };
}
