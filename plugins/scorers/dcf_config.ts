/**
 * Shared options of the detection-cost metrics (`min-dcf`, `act-dcf`), declared once: the target
 * priors (default the usual VoxSRC/NIST 0.01 and 0.05) and unit costs.
 * Not a plugin itself: plugins/scorers/mod.ts does not list it.
 * @module
 */
import { type ConfigOf, opt } from "../../core/options.ts";

/** Costs and the list of target priors to evaluate at. */
export const DCF_OPTIONS = {
  pTargets: opt.numbers([0.01, 0.05], "target priors to evaluate at, e.g. [0.01, 0.05]", {
    gt: 0,
    lt: 1,
    minItems: 1,
  }),
  cMiss: opt.number(1, "cost of a miss", { gt: 0 }),
  cFa: opt.number(1, "cost of a false alarm", { gt: 0 }),
};

/** Costs and the list of target priors to evaluate at. */
export type DcfConfig = ConfigOf<typeof DCF_OPTIONS>;
