/**
 * `embedkit pseudo-label`: SdSV-style pseudo-labelling of a target domain; EER and cluster accuracy/NMI before and after.
 * @module
 */
import type { Command } from "../common.ts";
import { emit } from "../common.ts";
import { pseudoLabel } from "../../core/pipelines/pseudo_label.ts";
import { ADAPT_OPTIONS, adaptArgs } from "./adapt_args.ts";

export const pseudoLabelCommand: Command = {
  summary:
    "pseudo-label a target domain (cluster, keep nearest, retrain a head); target EER and NMI before/after",
  usage: "[--source DIR] [--target DIR] [--merge-locale] [--adapter SPEC] [--out FILE]",
  options: {
    ...ADAPT_OPTIONS,
    work: { type: "string", help: "work dir for cached stages (resumes)", default: "out/pseudo-label/work" },
  },
  async run(args) {
    const r = await pseudoLabel(adaptArgs(args, "out/pseudo-label/work"));
    await emit(args, JSON.stringify(r, null, 2));
    return 0;
  },
};
