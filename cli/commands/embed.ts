/**
 * `embedkit embed DATA --db DB [--shard k/N] [--backbone SPEC]`: embeds a data dir (folder per speaker,
 * flat `<speaker>-<utt>` files, or wav.scp + utt2spk) into the store's `embeddings` table keyed by
 * (audio sha256, model sha256). Run N copies with --shard 0/N ... (N-1)/N (Slurm or Kubernetes job
 * arrays) against one postgres:// store; rerunning a killed shard finishes it without duplicates.
 * @module
 */
import type { Command } from "../common.ts";
import { emit, numberOpt, UsageError } from "../common.ts";
import { backboneSpecs, EP_OPTION } from "./pipeline_args.ts";
import { registry } from "../../core/registry.ts";
import {
  DEFAULT_SAMPLE_RATE,
  DEFAULT_SPEAKER_BACKBONE,
  embedShard,
  openSpeakerStore,
  parseShard,
} from "../../core/speakers/mod.ts";
import { resolveUserPath } from "../args.ts";

export const embedCommand: Command = {
  summary: "embed a data dir into a store's embeddings table, in shards (--shard k/N) for job arrays",
  usage: "DATA --db DIR|postgres://... [--shard k/N] [--backbone SPEC] [--batch-size 16]",
  options: {
    db: {
      type: "string",
      help: "store: a directory (embedded, one process) or postgres://USER@HOST:PORT/DB",
    },
    shard: {
      type: "string",
      help: "this worker's shard k/N, k 0-based (default 0/1: everything)",
      default: "0/1",
    },
    backbone: { type: "string", help: `backbone spec (default ${DEFAULT_SPEAKER_BACKBONE})` },
    ...EP_OPTION,
    "sample-rate": {
      type: "string",
      help: "resample audio to this rate",
      default: String(DEFAULT_SAMPLE_RATE),
    },
    "batch-size": { type: "string", help: "utterances per batch (one INSERT each)", default: "16" },
    out: { type: "string", help: "write the JSON summary here (atomically) instead of stdout" },
  },
  async run(args) {
    const [data] = args.positionals;
    if (!data) throw new UsageError("give a data dir to embed (see --help)");
    const db = args.values.db as string | undefined;
    if (!db) throw new UsageError("embed needs --db DIR or --db postgres://USER@HOST:PORT/DB");
    let shard;
    try {
      shard = parseShard(String(args.values.shard));
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const [spec] = backboneSpecs(
      args,
      (args.values.backbone as string | undefined) ?? DEFAULT_SPEAKER_BACKBONE,
    )!;
    const store = await openSpeakerStore(/^postgres(ql)?:/i.test(db) ? db : resolveUserPath(db));
    try {
      const r = await embedShard(store, registry, spec, data, shard, {
        batch: numberOpt(args, "batch-size"),
        sampleRate: numberOpt(args, "sample-rate"),
      });
      await emit(
        args,
        JSON.stringify({ db: store.where, store: store.kind, table: "embeddings", data, ...r }, null, 2),
      );
    } finally {
      await store.close();
    }
    return 0;
  },
};
