/**
 * `embedkit ir-eval`: text retrieval on Cranfield or on a pairs file (`--pairs`: queries = anchors,
 * corpus = positives, one relevant each) at several Matryoshka dims; every card metric
 * (accuracy/precision/recall@1,3,5,10, NDCG@10, MRR@10, MAP@100). JSON on stdout (or --out), the
 * model card's table on stderr.
 * @module
 */
import type { Command } from "../common.ts";
import { emit, numberListOpt, numberOpt, UsageError } from "../common.ts";
import { irEval } from "../../core/pipelines/ir_eval.ts";
import { formatCardTable } from "../../core/text/evaluate.ts";
import { parseSpec } from "./pipeline_args.ts";

export const irEvalCommand: Command = {
  summary:
    "text retrieval: backbone -> cosine ranking (or bm25) -> accuracy/precision/recall/MRR/NDCG/MAP@k at Matryoshka dims",
  usage: "[CRANFIELD_DIR | --pairs FILE.jsonl[.gz]] [--backbone SPEC] [--dims 384,256,128,64] [--out FILE]",
  options: {
    pairs: {
      type: "string",
      help:
        "JSON-lines pairs file (anchor/positive): queries = anchors, corpus = positives, one relevant each",
      path: true,
    },
    sample: {
      type: "string",
      help: "with --pairs: a seeded random subset of this many pairs (default: all)",
      number: { integer: true, min: 1 },
    },
    backbone: {
      type: "string",
      help: "text backbone spec NAME[:k=v,...] (e.g. text:model=zoo:embedkit-text-debian, bm25)",
      default: "tfidf-text",
    },
    dims: {
      type: "string",
      help:
        "comma-separated Matryoshka dims, truncate + renormalise (default: full, 1/4, 1/16; not for bm25)",
    },
    seed: { type: "string", help: "seed of --sample", default: "0" },
    work: { type: "string", help: "work dir for cached stages (resumes)", default: "out/ir-eval/work" },
    fresh: { type: "boolean", help: "recompute every stage" },
    out: { type: "string", help: "write the JSON result here (atomically) instead of stdout" },
  },
  async run(args) {
    const pairs = args.values.pairs as string | undefined;
    if (pairs && args.positionals.length) {
      throw new UsageError(
        `give either a Cranfield folder (${args.positionals[0]}) or --pairs, not both\n` +
          "run 'embedkit ir-eval --help' for the options",
      );
    }
    if (args.values.sample !== undefined && !pairs) {
      throw new UsageError("--sample needs --pairs\nrun 'embedkit ir-eval --help' for the options");
    }
    const r = await irEval({
      ...(pairs ? { pairs } : { cranfield: args.positionals[0] ?? "../shared/data/cranfield" }),
      sample: numberOpt(args, "sample"),
      backbone: parseSpec(args.values.backbone as string, "backbone"),
      dims: numberListOpt(args, "dims"),
      seed: numberOpt(args, "seed"),
      workDir: args.values.work as string,
      resume: !args.values.fresh,
    });
    const cols = Object.fromEntries(
      Object.entries(r.metrics).map(([d, m]) => [d === "full" ? r.backbone : `dim ${d}`, m]),
    );
    console.error(
      `${r.backbone} on ${r.collection} (${r.counts.queries} queries, ${r.counts.docs} documents)\n` +
        formatCardTable(cols),
    );
    await emit(args, JSON.stringify(r, null, 2));
    return 0;
  },
};
