/**
 * Command name -> implementation. Add a command by adding one line here.
 * @module
 */
import type { Command } from "../common.ts";
import { pluginsCommand } from "./plugins.ts";
import { modelsCommand } from "./models.ts";
import { demoCommand } from "./demo.ts";
import { verifyCommand } from "./verify.ts";
import { diarizeCommand } from "./diarize.ts";
import { irEvalCommand } from "./ir_eval.ts";
import { trainCommand } from "./train.ts";
import { pseudoLabelCommand } from "./pseudo_label.ts";
import { ckmAdaptCommand } from "./ckm_adapt.ts";
import { sslDiarizeCommand } from "./ssl_diarize.ts";
import { derCommand } from "./der.ts";
import { scoreMetricsCommand } from "./score_metrics.ts";
import { speakersCommand } from "./speakers.ts";
import { embedCommand } from "./embed.ts";

/** Every CLI command. */
export const commands: Record<string, Command> = {
  plugins: pluginsCommand,
  models: modelsCommand,
  demo: demoCommand,
  verify: verifyCommand,
  diarize: diarizeCommand,
  "ir-eval": irEvalCommand,
  train: trainCommand,
  "pseudo-label": pseudoLabelCommand,
  "ckm-adapt": ckmAdaptCommand,
  "ssl-diarize": sslDiarizeCommand,
  der: derCommand,
  "score-metrics": scoreMetricsCommand,
  speakers: speakersCommand,
  embed: embedCommand,
};
