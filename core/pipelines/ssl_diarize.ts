/**
 * Self-supervised diarization (after Singh & Ganapathy's deep-clustering representation learning): a
 * DRLM, a 4-layer DNN (512-256-64-30) with L2-normalised output, is trained on the segment embeddings
 * of one recording with pseudo-labels: FINCH gives the initial clusters, each iteration trains the DRLM
 * on pairs (contrastive loss: same/different pseudo-speaker) or labelled batches (triplet loss), then
 * AHC on the DRLM embeddings halves the number of clusters down to the target. It stops when the number
 * of clusters equals the target and loss / initial loss <= `lossRatio` (0.5), or after `maxIterations`.
 * DER (AHC with the target count on the current DRLM embeddings) is reported per iteration against
 * plain AHC on the same input embeddings. Every clusterer, loss and metric comes from the registry.
 * `drlm: "conformer"` swaps the DNN for the conformer-lite DRLM over each segment and its neighbours in
 * time (see drlm.ts).
 * @module
 */
import { l2normalize, type Tensor } from "../autodiff/mod.ts";
import type { Clusterer } from "../contracts/clusterer.ts";
import type { Metric } from "../contracts/scorer.ts";
import { formatRttm, type Turn } from "../diarization/rttm.ts";
import { check } from "../config.ts";
import { ConfigError } from "../errors.ts";
import { l2NormalizeRows } from "../kernels/distance.ts";
import { applyModule, batchOf } from "../nn/head.ts";
import { Adam } from "../nn/optim.ts";
import { StatefulRng } from "../nn/rng.ts";
import { Pipeline, type StageRecord } from "../pipeline/runner.ts";
import { status } from "../progress.ts";
import type { Registry } from "../registry.ts";
import { type PluginSpec, reg, spec } from "./common.ts";
import { diarize, type DiarizeOptions } from "./diarize.ts";
import {
  CONFORMER_DRLM_DEFAULTS,
  ConformerDrlm,
  type ConformerDrlmConfig,
  contextRows,
  dnnDrlm,
  DRLM_KINDS,
  type DrlmKind,
  validateConformerDrlm,
} from "./drlm.ts";
import { windowsToTurns } from "./segments.ts";

/** Options of {@link sslDiarize}. */
export interface SslDiarizeOptions {
  /** Where the segment embeddings come from (audio or precomputed ark + segments) and the reference. */
  readonly input: Omit<DiarizeOptions, "clusterers" | "numSpeakers" | "workDir" | "quiet" | "registry">;
  /** Target number of speakers (the stopping count). */
  readonly numSpeakers: number;
  /** Pair loss: contrastive (default, on pseudo-label pairs) or triplet (on labelled batches). */
  readonly loss?: string | PluginSpec;
  /** DRLM variant: the paper's DNN (default) or the conformer-lite over neighbouring segments. */
  readonly drlm?: DrlmKind;
  /** DNN DRLM layer widths (default 512, 256, 64, 30); the conformer's embedding size is the last one. */
  readonly layers?: readonly number[];
  /** Conformer DRLM options (defaults: {@link CONFORMER_DRLM_DEFAULTS}). */
  readonly conformer?: Partial<ConformerDrlmConfig>;
  /** Initial FINCH clusters: at least this many times the target (default 5). */
  readonly initialFactor?: number;
  readonly maxIterations?: number;
  /** Epochs of DRLM training per iteration (default 1: more over-fits the pseudo-labels). */
  readonly epochs?: number;
  /** Pairs (contrastive) or rows (triplet) per epoch (default 4096). */
  readonly samplesPerEpoch?: number;
  readonly batchSize?: number;
  readonly lr?: number;
  /** Stop when loss / initial loss is at or below this (default 0.5). */
  readonly lossRatio?: number;
  readonly seed?: number;
  readonly workDir?: string;
  readonly resume?: boolean;
  readonly registry?: Registry;
  readonly quiet?: boolean;
}

/** One iteration's record. */
export interface SslIteration {
  readonly iteration: number;
  /** Pseudo-label clusters the DRLM was trained on. */
  readonly clusters: number;
  readonly loss: number;
  readonly lossRatio: number;
  /** DER (%) of AHC with the target count on the DRLM embeddings after this iteration. */
  readonly der: number;
}

/** What {@link sslDiarize} returns. */
export interface SslDiarizeResult {
  readonly file: string;
  readonly baseline: { label: string; der: number };
  readonly iterations: SslIteration[];
  readonly stoppedBy: string;
  /** The DRLM that ran and its shape. */
  readonly drlm: { kind: DrlmKind; parameters: number; config: Record<string, unknown> };
  readonly final: { der: number; turns: Turn[]; rttm: string };
  readonly scoring?: { collar: number; skipOverlap: boolean };
  readonly seed: number;
  readonly stages: StageRecord[];
}

/** Runs self-supervised diarization on one recording. */
export async function sslDiarize(opts: SslDiarizeOptions): Promise<SslDiarizeResult> {
  const r = reg(opts.registry);
  const seed = opts.seed ?? 1234;
  const target = opts.numSpeakers;
  if (!Number.isInteger(target) || target < 1) {
    throw new ConfigError("ssl-diarize", `numSpeakers must be a positive integer, got ${target}`);
  }
  const lossSpec = spec(opts.loss ?? { name: "contrastive", options: { margin: 1 } });
  if (!r.has("loss", lossSpec.name)) r.get("loss", lossSpec.name); // throws the did-you-mean error
  const pairwise = lossSpec.name === "contrastive";
  const widths = [...(opts.layers ?? [512, 256, 64, 30])];
  const drlmKind = opts.drlm ?? "dnn";
  if (!DRLM_KINDS.includes(drlmKind)) {
    throw new ConfigError("ssl-diarize", `drlm must be one of ${DRLM_KINDS.join(", ")}, got '${drlmKind}'`);
  }
  const conformer: ConformerDrlmConfig | null = drlmKind === "conformer"
    ? {
      ...CONFORMER_DRLM_DEFAULTS,
      ...Object.fromEntries(Object.entries(opts.conformer ?? {}).filter(([, v]) => v !== undefined)),
    }
    : null;
  if (conformer) validateConformerDrlm(conformer);
  const cfg = {
    loss: lossSpec,
    drlm: drlmKind,
    widths,
    conformer,
    initialFactor: opts.initialFactor ?? 5,
    maxIterations: opts.maxIterations ?? 8,
    epochs: opts.epochs ?? 1,
    samplesPerEpoch: opts.samplesPerEpoch ?? 4096,
    batchSize: opts.batchSize ?? 256,
    lr: opts.lr ?? 1e-3,
    lossRatio: opts.lossRatio ?? 0.5,
  };
  // a zero batch or sample count would loop forever or divide by zero below
  for (const k of ["maxIterations", "epochs", "samplesPerEpoch", "batchSize"] as const) {
    check.integer("ssl-diarize", k, cfg[k], 1);
  }
  check.positive("ssl-diarize", "initialFactor", cfg.initialFactor);
  check.positive("ssl-diarize", "lr", cfg.lr);
  if (!widths.length) throw new ConfigError("ssl-diarize", "'layers' needs at least one width");
  check.positive("ssl-diarize", "lossRatio", cfg.lossRatio);
  for (const w of widths) check.integer("ssl-diarize", "layers", w, 1);
  // the embeddings and the plain-AHC baseline come from the diarize pipeline (its own cached stages)
  const base = await diarize({
    ...opts.input,
    clusterers: [{ name: "ahc", label: "plain AHC (input embeddings)" }],
    numSpeakers: target,
    seed,
    workDir: opts.workDir,
    resume: opts.resume,
    registry: r,
    quiet: opts.quiet,
  });
  const reference = base.reference;
  const collar = opts.input.collar ?? 0.25, skipOverlap = opts.input.skipOverlap ?? true;
  const der = async (labels: Int32Array): Promise<number> => {
    if (!reference || !r.has("scorer", "der")) return NaN;
    const m = await r.create("scorer", "der", {
      collar,
      collarConvention: "md-eval",
      skipOverlap,
      uemFrom: "ref",
    }) as Metric;
    const hyp = windowsToTurns(base.segments, labels, reference[0]?.file ?? base.file);
    return m.compute({ reference, hypothesis: hyp }).der;
  };
  const x0 = base.embeddings;
  // what the DRLM reads per segment: its embedding, or (conformer) the flattened [D, T] neighbourhood
  const xin = conformer ? contextRows(x0, base.segments, conformer.context, conformer.maxGap) : x0;
  const p = new Pipeline({
    name: "ssl-diarize",
    workDir: opts.workDir && `${opts.workDir}/ssl`,
    resume: opts.resume,
    seed,
    quiet: opts.quiet,
  });
  const run = await p.stage(
    "ssl",
    { config: { cfg, target, input: base.stages.map((s) => s.key) } },
    async (ctx) => {
      const finch = await r.create("clusterer", "finch", {}) as Clusterer;
      const ahc = await r.create("clusterer", "ahc", {}) as Clusterer;
      const init = await finch.cluster(x0, {
        minClusters: Math.min(x0.rows, cfg.initialFactor * target),
        seed: ctx.seed,
      });
      let labels = init.labels, k = init.numClusters;
      const rng = new StatefulRng(ctx.seed);
      const drlm = conformer
        ? new ConformerDrlm(x0.cols, 2 * conformer.context + 1, conformer, widths.at(-1)!, rng)
        : dnnDrlm(x0.cols, widths, rng);
      const embed = (t: Tensor) => l2normalize(drlm.forward(t));
      const loss = await r.create("loss", lossSpec.name, lossSpec.options ?? {});
      const opt = new Adam([...drlm.parameters(), ...loss.parameters()], { lr: cfg.lr });
      const iterations: SslIteration[] = [];
      let initialLoss = NaN, stoppedBy = `maxIterations ${cfg.maxIterations}`;
      let current = x0;
      for (let it = 0; it < cfg.maxIterations; it++) {
        // members of each pseudo-speaker, for sampling pairs
        const members: number[][] = Array.from({ length: k }, () => []);
        labels.forEach((l, i) => members[l].push(i));
        const multi = members.map((m, c) => (m.length > 1 ? c : -1)).filter((c) => c >= 0);
        let epochLoss = 0;
        for (let e = 0; e < cfg.epochs; e++) {
          drlm.train(true);
          let sum = 0, n = 0;
          for (let s = 0; s < cfg.samplesPerEpoch; s += cfg.batchSize) {
            const B = Math.min(cfg.batchSize, cfg.samplesPerEpoch - s);
            opt.zeroGrad();
            let l: Tensor;
            if (pairwise) {
              const a: number[] = [], b: number[] = [], y: number[] = [];
              for (let q = 0; q < B; q++) {
                if (q % 2 === 0 && multi.length) {
                  const m = members[multi[rng.int(multi.length)]];
                  const i = rng.int(m.length);
                  let j = rng.int(m.length - 1);
                  if (j >= i) j++;
                  a.push(m[i]), b.push(m[j]), y.push(0);
                } else {
                  const i = rng.int(x0.rows);
                  let j = rng.int(x0.rows);
                  while (labels[j] === labels[i] && k > 1) j = rng.int(x0.rows);
                  a.push(i), b.push(j), y.push(labels[i] === labels[j] ? 0 : 1);
                }
              }
              l = loss.forward({
                embeddings: embed(batchOf(xin, a)),
                positives: embed(batchOf(xin, b)),
                labels: Int32Array.from(y),
              });
            } else {
              const idx = Array.from({ length: B }, () => rng.int(x0.rows));
              l = loss.forward({
                embeddings: embed(batchOf(xin, idx)),
                labels: Int32Array.from(idx, (i) => labels[i]),
              });
            }
            l.backward();
            opt.step();
            sum += l.item() * B;
            n += B;
          }
          epochLoss = sum / n;
          if (it === 0 && e === 0) initialLoss = epochLoss;
        }
        drlm.train(false);
        const y = l2NormalizeRows(applyModule(drlm, xin));
        current = y;
        const evalLabels = (await ahc.cluster(y, { numClusters: target })).labels;
        const ratio = epochLoss / initialLoss;
        const d = await der(evalLabels);
        iterations.push({ iteration: it + 1, clusters: k, loss: epochLoss, lossRatio: ratio, der: d });
        ctx.log(
          `iteration ${it + 1}: trained on ${k} pseudo-speakers, loss ${epochLoss.toFixed(4)} (ratio ${
            ratio.toFixed(3)
          }), DER ${d.toFixed(2)} %`,
        );
        if (k === target && ratio <= cfg.lossRatio) {
          stoppedBy = `clusters = target (${target}) and loss ratio ${ratio.toFixed(3)} <= ${cfg.lossRatio}`;
          break;
        }
        const next = Math.max(target, Math.floor(k / 2));
        labels = next === target ? evalLabels : (await ahc.cluster(y, { numClusters: next })).labels;
        k = next;
      }
      const finalLabels = (await ahc.cluster(current, { numClusters: target })).labels;
      return {
        iterations,
        stoppedBy,
        finalLabels,
        initialClusters: init.numClusters,
        parameters: drlm.numParameters(),
      };
    },
  );
  const turns = windowsToTurns(base.segments, run.finalLabels, base.file);
  const finalDer = run.iterations.at(-1)?.der ?? NaN;
  if (!opts.quiet) {
    status(
      `[ssl-diarize] plain AHC DER ${base.systems[0].metrics["DER %"]?.toFixed(2)} %, self-supervised DER ${
        finalDer.toFixed(2)
      } % (${run.stoppedBy})`,
    );
  }
  return {
    file: base.file,
    baseline: { label: "plain AHC on the input embeddings", der: base.systems[0].metrics["DER %"] ?? NaN },
    iterations: run.iterations,
    stoppedBy: run.stoppedBy,
    drlm: {
      kind: drlmKind,
      parameters: run.parameters,
      config: conformer ? { ...conformer, embedDim: widths.at(-1) } : { widths },
    },
    final: { der: finalDer, turns, rttm: formatRttm(turns) },
    scoring: reference ? { collar, skipOverlap } : undefined,
    seed,
    stages: [...base.stages, ...p.records()],
  };
}
