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
import { formatRttm, type Turn } from "../diarization/rttm.ts";
import { windowsToTurns } from "../diarization/segments.ts";
import { check } from "../config.ts";
import { ConfigError } from "../errors.ts";
import {
  CONFORMER_DRLM_DEFAULTS,
  type ConformerDrlmConfig,
  DRLM_KINDS,
  type DrlmKind,
  validateConformerDrlm,
} from "../nn/drlm.ts";
import {
  selfSupervisedIterations,
  type SslIteration,
  type SslSettings,
} from "../diarization/ssl_iterations.ts";
import { status } from "../progress.ts";
import { diarize, type DiarizeOptions } from "./diarize.ts";
import {
  create,
  diarizationFigures,
  openRun,
  pluginKey,
  type PluginSpec,
  records,
  resolve,
  type RunOptions,
  spec,
  type StageRecord,
} from "./stages/mod.ts";

/** Options of {@link sslDiarize}. */
export interface SslDiarizeOptions extends RunOptions {
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

/** The iteration settings, validated (a zero batch or sample count would loop forever or divide by zero). */
function sslConfig(opts: SslDiarizeOptions): SslSettings & { loss: PluginSpec } {
  const target = opts.numSpeakers;
  if (!Number.isInteger(target) || target < 1) {
    throw new ConfigError("ssl-diarize", `numSpeakers must be a positive integer, got ${target}`);
  }
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
  const loss = spec(opts.loss ?? { name: "contrastive", options: { margin: 1 } });
  const cfg = {
    target,
    pairwise: loss.name === "contrastive",
    loss,
    drlm: drlmKind,
    widths: [...(opts.layers ?? [512, 256, 64, 30])],
    conformer,
    initialFactor: opts.initialFactor ?? 5,
    maxIterations: opts.maxIterations ?? 8,
    epochs: opts.epochs ?? 1,
    samplesPerEpoch: opts.samplesPerEpoch ?? 4096,
    batchSize: opts.batchSize ?? 256,
    lr: opts.lr ?? 1e-3,
    lossRatio: opts.lossRatio ?? 0.5,
  };
  for (const k of ["maxIterations", "epochs", "samplesPerEpoch", "batchSize"] as const) {
    check.integer("ssl-diarize", k, cfg[k], 1);
  }
  check.positive("ssl-diarize", "initialFactor", cfg.initialFactor);
  check.positive("ssl-diarize", "lr", cfg.lr);
  if (!cfg.widths.length) throw new ConfigError("ssl-diarize", "'layers' needs at least one width");
  check.positive("ssl-diarize", "lossRatio", cfg.lossRatio);
  for (const w of cfg.widths) check.integer("ssl-diarize", "layers", w, 1);
  return cfg;
}

/** Runs self-supervised diarization on one recording. */
export async function sslDiarize(opts: SslDiarizeOptions): Promise<SslDiarizeResult> {
  const cfg = sslConfig(opts);
  const run = openRun("ssl-diarize", { ...opts, workDir: opts.workDir && `${opts.workDir}/ssl` });
  const loss = await resolve(run, "loss", cfg.loss);
  const [finch, ahc] = [await resolve(run, "clusterer", "finch"), await resolve(run, "clusterer", "ahc")];
  // 1. segment embeddings and the plain-AHC baseline: the diarize recipe's own cached stages
  const base = await diarize({
    ...opts.input,
    clusterers: [{ name: "ahc", label: "plain AHC (input embeddings)" }],
    numSpeakers: cfg.target,
    seed: run.seed,
    workDir: opts.workDir,
    resume: opts.resume,
    registry: run.registry,
    quiet: opts.quiet,
  });
  const scoring = { collar: opts.input.collar ?? 0.25, skipOverlap: opts.input.skipOverlap ?? true };
  const der = async (labels: Int32Array): Promise<number> => {
    if (!base.reference) return NaN;
    const hyp = windowsToTurns(base.segments, labels, base.reference[0]?.file ?? base.file);
    return (await diarizationFigures(run, base.reference, hyp, scoring))["DER %"] ?? NaN;
  };
  // 2. FINCH pseudo-labels -> DRLM training -> AHC halving the clusters, per iteration
  const ssl = await run.stages.stage(
    "ssl",
    { config: { cfg, plugins: [loss, finch, ahc].map(pluginKey), input: base.stages.map((s) => s.key) } },
    async (ctx) => {
      const [l, f, a] = [await create(run, loss), await create(run, finch), await create(run, ahc)];
      return await selfSupervisedIterations(cfg, base, l, f, a, der, ctx);
    },
  );
  const turns = windowsToTurns(base.segments, ssl.finalLabels, base.file);
  const finalDer = ssl.iterations.at(-1)?.der ?? NaN;
  const baseDer = base.systems[0].metrics["DER %"] ?? NaN;
  if (!opts.quiet) {
    status(
      `[ssl-diarize] plain AHC DER ${baseDer.toFixed(2)} %, self-supervised DER ${
        finalDer.toFixed(2)
      } % (${ssl.stoppedBy})`,
    );
  }
  return {
    file: base.file,
    baseline: { label: "plain AHC on the input embeddings", der: baseDer },
    iterations: ssl.iterations,
    stoppedBy: ssl.stoppedBy,
    drlm: {
      kind: cfg.drlm,
      parameters: ssl.parameters,
      config: cfg.conformer ? { ...cfg.conformer, embedDim: cfg.widths.at(-1) } : { widths: cfg.widths },
    },
    final: { der: finalDer, turns, rttm: formatRttm(turns) },
    scoring: base.reference ? scoring : undefined,
    seed: run.seed,
    stages: [...base.stages, ...records(run)],
  };
}

export type { SslIteration };
