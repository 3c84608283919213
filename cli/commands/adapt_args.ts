/**
 * Options shared by `embedkit pseudo-label` and `embedkit ckm-adapt`.
 * @module
 */
import type { OptionSpec, ParsedArgs } from "../common.ts";
import { numberOpt } from "../common.ts";
import type { AdaptOptions } from "../../core/pipelines/adapt.ts";
import { backboneSpecs, EP_OPTION, mergeLocale, parseSpec } from "./pipeline_args.ts";

/** The options both commands take. */
export const ADAPT_OPTIONS: Record<string, OptionSpec> = {
  source: {
    type: "string",
    help: "labelled source-domain data dir",
    default: "../shared/data/librispeech/test-other",
  },
  target: {
    type: "string",
    help: "target-domain data dir (its labels are used only to measure)",
    default: "../shared/data/asterisk",
  },
  "target-per-speaker": {
    type: "string",
    help: "at most this many target utterances per speaker",
    default: "20",
  },
  "merge-locale": {
    type: "boolean",
    help: "target folders named <ll>_<CC>_<voice> (Asterisk) are one speaker per voice across locales",
  },
  backbone: { type: "string", help: "backbone spec for both domains", default: "fbank-stats" },
  ...EP_OPTION,
  adapter: { type: "string", help: "adapter spec (default: the pipeline's own adapter)" },
  "max-seconds": { type: "string", help: "use at most this much of each utterance (s)", default: "6" },
  seed: { type: "string", help: "seed", default: "1234" },
  fresh: { type: "boolean", help: "recompute every stage" },
  out: { type: "string", help: "write the JSON result here (atomically) instead of stdout" },
};

/** AdaptOptions from parsed CLI args. */
export function adaptArgs(
  args: ParsedArgs,
  work: string,
): Omit<AdaptOptions, "adapter"> & { adapter?: AdaptOptions["adapter"] } {
  const merge = Boolean(args.values["merge-locale"]);
  return {
    source: { data: args.values.source as string },
    target: {
      data: args.values.target as string,
      maxPerSpeaker: numberOpt(args, "target-per-speaker"),
      ...(merge ? { speakerOf: mergeLocale } : {}),
    },
    backbone: backboneSpecs(args, args.values.backbone as string)![0],
    adapter: args.values.adapter ? parseSpec(args.values.adapter as string) : undefined,
    maxSeconds: numberOpt(args, "max-seconds"),
    seed: numberOpt(args, "seed"),
    workDir: (args.values.work as string | undefined) ?? work,
    resume: !args.values.fresh,
  };
}
