/**
 * `embedkit ir-eval`: text retrieval on Cranfield at several Matryoshka dims (JSON on stdout or --out).
 * @module
 */
import type { Command } from "../common.ts";
import { UsageError } from "../common.ts";
import { emit } from "../common.ts";
import { irEval } from "../../core/pipelines/ir_eval.ts";
import { parseSpec } from "./pipeline_args.ts";

export const irEvalCommand: Command = {
  summary:
    "text retrieval: backbone -> cosine ranking -> accuracy/precision/recall/MRR/NDCG/MAP@k at Matryoshka dims",
  usage: "[CRANFIELD_DIR] [--backbone SPEC] [--dims 8192,512,128] [--out FILE]",
  options: {
    backbone: { type: "string", help: "text backbone spec NAME[:k=v,...]", default: "tfidf-text" },
    dims: { type: "string", help: "comma-separated Matryoshka dims (default: full, 1/4, 1/16)" },
    work: { type: "string", help: "work dir for cached stages (resumes)", default: "out/ir-eval/work" },
    fresh: { type: "boolean", help: "recompute every stage" },
    out: { type: "string", help: "write the JSON result here (atomically) instead of stdout" },
  },
  async run(args) {
    const dims = args.values.dims
      ? String(args.values.dims).split(",").map((d) => {
        const n = Number(d);
        if (!Number.isInteger(n) || n < 1) throw new UsageError(`--dims: '${d}' is not a positive integer`);
        return n;
      })
      : undefined;
    const r = await irEval({
      cranfield: args.positionals[0] ?? "../shared/data/cranfield",
      backbone: parseSpec(args.values.backbone as string),
      dims,
      workDir: args.values.work as string,
      resume: !args.values.fresh,
    });
    await emit(args, JSON.stringify(r, null, 2));
    return 0;
  },
};
