/**
 * `embedkit ckm-adapt`: deep-clustering (CKM) domain adaptation, unsupervised or k-shot; EER and NMI before and after.
 * @module
 */
import type { Command } from "../common.ts";
import { emit, numberOpt } from "../common.ts";
import { ckmAdapt } from "../../core/pipelines/ckm_adapt.ts";
import { ADAPT_OPTIONS, adaptArgs } from "./adapt_args.ts";

export const ckmAdaptCommand: Command = {
  summary: "CKM deep-clustering domain adaptation (unsupervised or k-shot); target EER and NMI before/after",
  usage: "[--source DIR] [--target DIR] [--k-shot N] [--merge-locale] [--out FILE]",
  options: {
    ...ADAPT_OPTIONS,
    "k-shot": {
      type: "string",
      help: "labelled target utterances per speaker (0 = unsupervised)",
      default: "0",
    },
    work: { type: "string", help: "work dir for cached stages (resumes)", default: "out/ckm-adapt/work" },
  },
  async run(args) {
    const r = await ckmAdapt({ ...adaptArgs(args, "out/ckm-adapt/work"), kShot: numberOpt(args, "k-shot") });
    await emit(args, JSON.stringify(r, null, 2));
    return 0;
  },
};
