/**
 * Tunes the default diarization rule (the number of speakers estimated, no count given) on the AMI debug
 * protocol of ../shared/data/ami, never on its test split, and writes what it chose with the evidence:
 *
 *   nice -n 10 deno run -A bench/diarize_tune.ts [--shared ../shared/data] [--work /tmp/embedkit-tune]
 *   nice -n 10 deno run -A bench/diarize_tune.ts --test     # once, after tuning: DER of the choice on test
 *
 * Procedure. Every system is VAD -> windows (length w, step w/2) -> embeddings -> [mean-sub] ->
 * clustering, the `diarize` recipe. For every (backbone, VAD, window) the 12 train + development
 * recordings are embedded once (stage cache in --work), centred (mean-sub) or not; then every rule is
 * applied to them: AHC (average linkage, cosine; centroid linkage on unit rows), each plain or with
 * pyannote's minimum cluster size (12, or 10 % of the windows), cut at thresholds on a grid (the
 * `ahc-large` clusterer), and spectral clustering's eigengap (NME-SC, no threshold). Oracle-K figures cut
 * the same clusterer to the true count. A rule's threshold is
 * the one with the lowest DER pooled over train + development (ties: the middle of the tied run); the
 * system with the lowest pooled DER is the CLI preset. The development DER is therefore not held out;
 * test is, and is scored once (--test) after the choice is written. For each backbone at the library's
 * own defaults (Silero at its default threshold, 1.5 s windows, centred), the best rule is the default
 * rule `diarize()` applies to that backbone. Scoring: collar 0.25 s each side (md-eval), overlap ignored.
 *
 * Output: bench/diarize_tune.results.json (`preset`, `rules`, `der`, `grid`); core/pipelines/
 * diarize_defaults.ts holds the same values (tests/diarize_defaults_test.ts checks they are equal).
 * @module
 */
import { benchArgs, SHARED_OPTION } from "./bench_args.ts";
import { join } from "node:path";
import "../plugins/mod.ts";
import { registry } from "../core/registry.ts";
import { diarize } from "../core/pipelines/diarize.ts";
import { diarizeOverlap } from "../core/pipelines/diarize_overlap.ts";
import { windowsToTurns } from "../core/diarization/segments.ts";
import type { Matrix } from "../core/matrix.ts";
import type { PluginSpec } from "../core/pipelines/stages/mod.ts";
import { type AmiFile, amiSplit, fileErrors, pooled, SCORING } from "./diarize_ami.ts";

const args = benchArgs({
  shared: SHARED_OPTION,
  work: { type: "string", default: "/tmp/embedkit-diarize-tune" },
  out: { type: "string", default: "bench/diarize_tune.results.json" },
  test: { type: "boolean", default: false },
});
const SEED = 1234;
const TDNN: PluginSpec = { name: "onnx-speaker", options: { model: "zoo:embedkit-tdnn-librispeech" } };
// zoo:embedkit-speaker is an alias; the rule names the model it was tuned with (a threshold belongs to one
// embedding space), and diarize_defaults.ts resolves the alias when it matches a backbone to a rule.
const ECAPA: PluginSpec = { name: "onnx-speaker", options: { model: "zoo:embedkit-ecapa-librispeech" } };
const BACKBONES: Record<string, PluginSpec> = {
  "fbank-stats": { name: "fbank-stats" },
  "embedkit-tdnn": TDNN,
  "embedkit-ecapa": ECAPA,
};
/** Backbones of the overlap-aware recipe's local embeddings (its tuning picks one). */
const OVERLAP_BACKBONES = ["embedkit-tdnn", "embedkit-ecapa"];
const VADS: Record<string, PluginSpec> = {
  "silero": { name: "silero" },
  "silero-0.35": { name: "silero", options: { threshold: 0.35 } },
  "silero-0.2": { name: "silero", options: { threshold: 0.2 } },
};
const WINDOWS = [1.5, 3];
const CENTER = [true, false];
const LIBRARY_DEFAULT = { vad: "silero", window: 1.5, center: true };
const grid = (a: number, b: number, s: number) =>
  Array.from({ length: Math.round((b - a) / s) + 1 }, (_, i) => +(a + i * s).toFixed(4));
const OVERLAP_THRESHOLDS = grid(0.3, 1.4, 0.025);
const OVERLAP_SCORING = { ...SCORING, skipOverlap: false };
/** Rules: ahc-large options (a threshold from the grid is added) or the eigengap (spectral, no threshold). */
const RULES: Record<string, { options: Record<string, unknown>; thresholds: number[] } | "eigengap"> = {
  "ahc-average": { options: { linkage: "average" }, thresholds: grid(0.1, 1.6, 0.025) },
  "ahc-centroid": { options: { linkage: "centroid" }, thresholds: grid(0.1, 1.4, 0.025) },
  // pyannote's AgglomerativeClustering: clusters under min(12, 10 % of the windows) join the closest one
  "ahc-average-min12": {
    options: { linkage: "average", minClusterSize: 12 },
    thresholds: grid(0.1, 1.6, 0.025),
  },
  "ahc-centroid-min12": {
    options: { linkage: "centroid", minClusterSize: 12 },
    thresholds: grid(0.1, 1.4, 0.025),
  },
  "spectral-eigengap": "eigengap",
};

interface Embedded {
  file: AmiFile;
  x: Matrix;
  windows: { start: number; end: number }[];
}

/** Embeddings of every recording of `files` for one (backbone, VAD, window), through the diarize recipe. */
async function embed(
  files: AmiFile[],
  bb: string,
  vad: string,
  window: number,
  center: boolean,
): Promise<Embedded[]> {
  const out: Embedded[] = [];
  for (const f of files) {
    const r = await diarize({
      audio: f.wav,
      file: f.turns[0].file,
      referenceTurns: f.turns,
      vad: VADS[vad],
      backbone: BACKBONES[bb],
      window,
      step: window / 2,
      center,
      numSpeakers: f.speakers,
      clusterers: ["ahc-large"],
      seed: SEED,
      workDir: join(args.values.work!, bb, vad, String(window), f.id),
      quiet: true,
    });
    out.push({ file: f, x: r.embeddings, windows: r.segments });
  }
  return out;
}

type Errors = { error: number; total: number; speakers: number; truth: number };

/** Per-file error components of a rule at threshold `t`, or cut to the true count (`oracle`). */
async function errors(emb: Embedded[], rule: string, t?: number, oracle = false): Promise<Errors[]> {
  const out = [];
  const r = RULES[rule];
  const c = r === "eigengap"
    ? await registry.create("clusterer", "spectral", {})
    : await registry.create("clusterer", "ahc-large", {
      ...r.options,
      metric: "cosine",
      threshold: t ?? null,
    });
  for (const e of emb) {
    const req = oracle ? { numClusters: e.file.speakers } : {};
    const labels = e.x.rows ? (await c.cluster(e.x, { ...req, seed: SEED })).labels : new Int32Array(0);
    const hyp = windowsToTurns(e.windows, labels, e.file.turns[0].file);
    out.push({ ...fileErrors(e.file.turns, hyp), speakers: new Set(labels).size, truth: e.file.speakers });
  }
  return out;
}

/** The threshold with the lowest pooled DER on `files` (ties: the middle of the tied run). */
async function tuneThreshold(files: Embedded[], rule: string): Promise<{ t?: number; curve: number[] }> {
  const r = RULES[rule];
  if (r === "eigengap") return { curve: [] };
  const curve: number[] = [];
  for (const t of r.thresholds) curve.push(pooled(await errors(files, rule, t)));
  const best = Math.min(...curve);
  const tied = curve.map((v, i) => (v <= best + 1e-9 ? i : -1)).filter((i) => i >= 0);
  return { t: r.thresholds[tied[Math.floor((tied.length - 1) / 2)]], curve };
}

const round = (v: number) => +v.toFixed(3);

function rulePlugin(rule: string, t?: number): PluginSpec {
  const r = RULES[rule];
  if (r === "eigengap") return { name: "spectral", options: {} };
  return { name: "ahc-large", options: { ...r.options, metric: "cosine", threshold: t } };
}

/** Overlap-aware recipe with the oracle segmentation: per-file errors (overlap scored) at one setting. */
async function overlapErrors(
  files: AmiFile[],
  bb: string,
  center: boolean,
  t?: number,
): Promise<Errors[]> {
  const out = [];
  for (const f of files) {
    const r = await diarizeOverlap({
      audio: f.wav,
      file: f.turns[0].file,
      referenceTurns: f.turns,
      segmentation: "oracle",
      backbone: BACKBONES[bb],
      config: {
        embedding: { center },
        clustering: t === undefined ? { numSpeakers: f.speakers } : { threshold: t },
      },
      seed: SEED,
      workDir: join(args.values.work!, "overlap", bb, f.id),
      quiet: true,
    });
    const s = r.systems[0];
    out.push({
      ...fileErrors(f.turns, s.turns, OVERLAP_SCORING),
      speakers: s.numSpeakers,
      truth: f.speakers,
    });
  }
  return out;
}

/** The overlap-aware recipe's backbone, clustering threshold (centroid AHC of local embeddings), centring. */
async function tuneOverlap(train: AmiFile[], dev: AmiFile[]) {
  const rows = [];
  for (const bb of OVERLAP_BACKBONES) {
    for (const center of [true, false]) rows.push(await tuneOverlapOne(train, dev, bb, center));
  }
  const best = [...rows].sort((a, b) => a.der.trainDev - b.der.trainDev)[0];
  return {
    tuned: { backbone: BACKBONES[best.backbone], threshold: best.threshold, center: best.center },
    der: best.der,
    oracleK: best.oracleK,
    grid: rows,
  };
}

/** One (backbone, centring) of the overlap-aware recipe: its tuned threshold and the evidence. */
async function tuneOverlapOne(train: AmiFile[], dev: AmiFile[], bb: string, center: boolean) {
  const curve: number[] = [];
  for (const t of OVERLAP_THRESHOLDS) {
    curve.push(pooled(await overlapErrors([...train, ...dev], bb, center, t)));
  }
  const best = Math.min(...curve);
  const tied = curve.map((v, i) => (v <= best + 1e-9 ? i : -1)).filter((i) => i >= 0);
  const t = OVERLAP_THRESHOLDS[tied[Math.floor((tied.length - 1) / 2)]];
  const tr = await overlapErrors(train, bb, center, t), dv = await overlapErrors(dev, bb, center, t);
  const ot = await overlapErrors(train, bb, center), od = await overlapErrors(dev, bb, center);
  console.error(
    `[tune] overlap, ${bb}, centred ${center}: t=${t}, train ${pooled(tr).toFixed(2)} %, dev ${
      pooled(dv).toFixed(2)
    } %`,
  );
  return {
    backbone: bb,
    center,
    threshold: t,
    der: {
      train: round(pooled(tr)),
      development: round(pooled(dv)),
      trainDev: round(pooled([...tr, ...dv])),
    },
    oracleK: { train: round(pooled(ot)), development: round(pooled(od)) },
    speakers: {
      estimated: [...tr, ...dv].map((p) => p.speakers),
      truth: [...tr, ...dv].map((p) => p.truth),
    },
    curve: curve.map(round),
  };
}

async function tune(): Promise<void> {
  const shared = args.values.shared!;
  const train = await amiSplit(shared, "train"), dev = await amiSplit(shared, "development");
  const rows = [];
  for (const bb of Object.keys(BACKBONES)) {
    for (const vad of Object.keys(VADS)) {
      for (const window of WINDOWS) {
        for (const center of CENTER) {
          console.error(`[tune] ${bb} / ${vad} / ${window} s windows / centred ${center}`);
          const et = await embed(train, bb, vad, window, center),
            ed = await embed(dev, bb, vad, window, center);
          for (const rule of Object.keys(RULES)) {
            const oracle = {
              train: pooled(await errors(et, rule, undefined, true)),
              dev: pooled(await errors(ed, rule, undefined, true)),
            };
            const { t, curve } = await tuneThreshold([...et, ...ed], rule);
            const tr = await errors(et, rule, t), dv = await errors(ed, rule, t);
            rows.push({
              backbone: bb,
              vad,
              window,
              center,
              rule,
              threshold: t ?? null,
              der: {
                train: round(pooled(tr)),
                development: round(pooled(dv)),
                trainDev: round(pooled([...tr, ...dv])),
              },
              oracleK: { train: round(oracle.train), development: round(oracle.dev) },
              speakers: {
                estimated: [...tr, ...dv].map((p) => p.speakers),
                truth: [...tr, ...dv].map((p) => p.truth),
              },
              curve: curve.map(round),
            });
            console.error(
              `  ${rule} t=${t ?? "-"}: train ${pooled(tr).toFixed(2)} %, dev ${pooled(dv).toFixed(2)} %`,
            );
          }
        }
      }
    }
  }
  const best = [...rows].sort((a, b) => a.der.trainDev - b.der.trainDev)[0];
  const rules: Record<string, unknown> = {};
  for (const bb of Object.keys(BACKBONES)) {
    const r = rows.filter((x) =>
      x.backbone === bb && x.vad === LIBRARY_DEFAULT.vad && x.window === LIBRARY_DEFAULT.window &&
      x.center === LIBRARY_DEFAULT.center
    ).sort((a, b) =>
      a.der.trainDev - b.der.trainDev
    )[0];
    rules[bb] = {
      backbone: BACKBONES[bb],
      clusterer: rulePlugin(r.rule, r.threshold ?? undefined),
      der: r.der,
    };
  }
  const result = {
    generatedBy: "bench/diarize_tune.ts",
    generatedAt: new Date().toISOString(),
    data: "AMI debug (pyannote.audio tests/data): train 10 x 30 s, development 2 x 30 s; test untouched",
    scoring:
      "DER %, pooled over files; collar 0.25 s each side (md-eval), overlapped reference speech ignored",
    seed: SEED,
    selection: "threshold and system: lowest DER pooled over train + development",
    preset: {
      vad: VADS[best.vad],
      backbone: BACKBONES[best.backbone],
      window: best.window,
      step: best.window / 2,
      center: best.center,
      clusterer: rulePlugin(best.rule, best.threshold ?? undefined),
    },
    presetName: `${best.backbone} / ${best.vad} / ${best.window} s / centred ${best.center} / ${best.rule}`,
    der: {
      train: best.der.train,
      development: best.der.development,
      trainDev: best.der.trainDev,
      oracleK: best.oracleK,
    },
    speakers: best.speakers,
    rules,
    overlap: {
      recipe:
        "oracle segmentation (10 s chunks every 1 s, 3 local speakers) -> local embeddings (TDNN or ECAPA) -> centroid AHC",
      scoring: "collar 0.25 s each side (md-eval), overlapped speech scored",
      ...await tuneOverlap(train, dev),
    },
    grid: rows,
  };
  await Deno.writeTextFile(args.values.out!, JSON.stringify(result, null, 2) + "\n");
  console.error(
    `[tune] preset ${result.presetName}: train ${best.der.train} %, dev ${best.der.development} %`,
  );
}

/** Once: the chosen preset on the test split (recorded beside the tuning, never fed back). */
async function test(): Promise<void> {
  const res = JSON.parse(await Deno.readTextFile(args.values.out!));
  if (res.der.test !== undefined) {
    console.error(`test was evaluated already (${res.der.test} %, ${res.testEvaluatedAt}); not again`);
    return;
  }
  const files = await amiSplit(args.values.shared!, "test");
  const p = res.preset;
  const key = (o: unknown) => JSON.stringify(o);
  const bb = Object.keys(BACKBONES).find((k) => key(BACKBONES[k]) === key(p.backbone))!;
  const vad = Object.keys(VADS).find((k) => key(VADS[k]) === key(p.vad))!;
  const e = await embed(files, bb, vad, p.window, p.center);
  const rule = res.grid.find((g: { rule: string }) => res.presetName.endsWith(` / ${g.rule}`)).rule;
  const parts = await errors(e, rule, p.clusterer.options?.threshold);
  const oracle = await errors(e, rule, undefined, true);
  res.der.test = round(pooled(parts));
  res.der.oracleK.test = round(pooled(oracle));
  const o = res.overlap.tuned;
  const obb = Object.keys(BACKBONES).find((k) => key(BACKBONES[k]) === key(o.backbone))!;
  res.overlap.der.test = round(pooled(await overlapErrors(files, obb, o.center, o.threshold)));
  res.overlap.oracleK.test = round(pooled(await overlapErrors(files, obb, o.center)));
  res.testSpeakers = { estimated: parts.map((x) => x.speakers), truth: parts.map((x) => x.truth) };
  res.testEvaluatedAt = new Date().toISOString();
  await Deno.writeTextFile(args.values.out!, JSON.stringify(res, null, 2) + "\n");
  console.error(`[tune] test: ${res.der.test} % (oracle K ${res.der.oracleK.test} %)`);
}

if (args.values.test) await test();
else await tune();
