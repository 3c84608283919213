/**
 * The text-training recipe: JSON-lines pairs (anchor/positive[/negative], core/text/pairs.ts) -> a text
 * embedding model (static token table, a small transformer from scratch, or an adapter head on a frozen
 * text backbone) trained as sentence-transformers trains a bi-encoder (core/text/train.ts: any loss plugin
 * through the registry, MatryoshkaLoss(MNRL) by default, the no-duplicates batch sampler, AdamW with
 * linear warm-up then linear decay), the card's IR table on a dev split after every epoch at each
 * Matryoshka dim (printed on stderr), then the model folder the `text` backbone loads (ONNX + tokenizer
 * + config, usable by transformers.js) with the training config, seed and history in embedkit.json.
 * Training checkpoints every epoch and resumes after a kill, byte-identical (core/pipelines/stages/train.ts).
 *
 * Stages: pairs, train, export.
 * @module
 */
import { writeFileAtomic } from "../atomic.ts";
import { join, relative } from "../paths.ts";
import { resolveConfig } from "../options.ts";
import { readPairs, type TextPair } from "../text/pairs.ts";
import { createTextTraining, type TextEpochLog, type TextTrainConfig } from "../text/train.ts";
import {
  checkTextTrainConfig,
  TEXT_TRAIN_OPTIONS,
  type TextRecipeConfig,
  textTrainConfig,
} from "./train_text_options.ts";
import {
  openRun,
  pluginKey,
  type PluginSpec,
  records,
  resolve,
  type RunOptions,
  type StageRecord,
} from "./stages/mod.ts";
import { type TrainingJob, trainModel } from "./stages/train.ts";

export { TEXT_TRAIN_OPTIONS, type TextRecipeConfig } from "./train_text_options.ts";

/** Options of {@link trainText}. */
export interface TrainTextOptions extends RunOptions, Partial<TextRecipeConfig> {
  /** Training pairs (.jsonl or .jsonl.gz). */
  readonly pairs: string;
  /** Dev pairs evaluated after every epoch (optional). */
  readonly dev?: string;
  /** Loss plugin with its options (default matryoshka over mnrl, dims 384/256/128/64 cut to the model's). */
  readonly loss?: string | PluginSpec;
  /** adapter model: the frozen text backbone (default tfidf-text). */
  readonly backbone?: string | PluginSpec;
  /** Where to write the model folder (default: <workDir>/model or out/train-text/model). */
  readonly out?: string;
}

/** What {@link trainText} returns. */
export interface TrainTextResult {
  /** The model folder. */
  readonly model: string;
  readonly pairs: { train: number; dev: number };
  /** Per epoch: loss, lr, seconds and the dev table (dim -> metric -> value). */
  readonly history: TextEpochLog[];
  readonly parameters: number;
  readonly seed: number;
  /** The training config as core/text/train.ts resolved it (every default filled in). */
  readonly config: Record<string, unknown>;
  readonly stages: StageRecord[];
}

/** What the train stage outputs: the exported folder's files and the history. */
interface Trained {
  files: Record<string, Uint8Array>;
  history: TextEpochLog[];
  parameters: number;
  config: Record<string, unknown>;
}

/** Checks the options (declared once, core/pipelines/train_text_options.ts) before any work. */
export function validateTrainText(opts: TrainTextOptions): TextRecipeConfig {
  const keys = Object.keys(TEXT_TRAIN_OPTIONS);
  const given = Object.fromEntries(
    Object.entries(opts).filter(([k, v]) => keys.includes(k) && v !== undefined),
  );
  return checkTextTrainConfig(resolveConfig("train --modality text", TEXT_TRAIN_OPTIONS, given));
}

/** Trains a text embedding model and writes its folder. */
export async function trainText(opts: TrainTextOptions): Promise<TrainTextResult> {
  const cfg = validateTrainText(opts);
  const run = openRun("train-text", opts);
  // every plugin resolved before any work (a typo or a bad option fails here)
  const loss = await resolve(run, "loss", opts.loss ?? { name: "matryoshka" });
  const backbone = cfg.model === "adapter"
    ? await resolve(run, "backbone", opts.backbone ?? "tfidf-text")
    : undefined;
  const config: TextTrainConfig = textTrainConfig(cfg, run.seed, loss, backbone);
  // 1. pairs: training [N] and dev [M] (read each run; the files' size and mtime key the stages)
  const data = await run.stages.stage("pairs", {
    files: [opts.pairs, ...(opts.dev ? [opts.dev] : [])],
    noCache: true,
  }, async () => {
    const train = await readPairs(opts.pairs, { limit: cfg.limit ?? undefined });
    const dev = opts.dev ? await readPairs(opts.dev, { limit: cfg.devLimit ?? undefined }) : [];
    return { train, dev };
  });
  // 2. train, checkpointed each epoch; its output is the exported folder's files
  const trained = await trainModel<Trained>(
    run,
    "train",
    {
      config: { ...config, loss: pluginKey(loss), backbone: pluginKey(backbone) },
      inputs: [data],
      files: [opts.pairs, ...(opts.dev ? [opts.dev] : [])],
    },
    () => textJob(run.registry, data.train, data.dev, config),
  );
  // 3. export: the model folder (the deliverable; not cached)
  const out = opts.out ?? (opts.workDir ? join(opts.workDir, "model") : "out/train-text/model");
  await run.stages.stage("export", { noCache: true, inputs: [trained] }, async () => {
    for (const [rel, bytes] of Object.entries(trained.files)) {
      await Deno.mkdir(join(out, rel, ".."), { recursive: true });
      await writeFileAtomic(join(out, rel), bytes);
    }
  });
  return {
    model: out,
    pairs: { train: data.train.length, dev: data.dev.length },
    history: trained.history,
    parameters: trained.parameters,
    seed: run.seed,
    config: trained.config,
    stages: records(run),
  };
}

/** The trainer of the train stage; its result reads the exported folder back as bytes. */
async function textJob(
  registry: Parameters<typeof createTextTraining>[0]["registry"],
  train: TextPair[],
  dev: TextPair[],
  config: TextTrainConfig,
): Promise<TrainingJob<Trained>> {
  const job = await createTextTraining({ train, dev, config, registry });
  return {
    trainer: job.trainer as unknown as TrainingJob<Trained>["trainer"],
    async result() {
      const tmp = await Deno.makeTempDir({ prefix: "embedkit-text-" });
      try {
        await job.exportFolder(tmp);
        const files: Record<string, Uint8Array> = {};
        for (const f of await filesUnder(tmp)) files[relative(tmp, f)] = await Deno.readFile(f);
        return {
          files,
          history: job.trainer.textHistory,
          parameters: job.model.module.parameters().reduce((s, t) => s + t.data.length, 0),
          config: job.config as unknown as Record<string, unknown>,
        };
      } finally {
        await Deno.remove(tmp, { recursive: true }).catch(() => {});
      }
    },
  };
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) out.push(...await filesUnder(p));
    else out.push(p);
  }
  return out.sort();
}
