/**
 * Shared options and validation of the detection-cost metrics (`min-dcf`, `act-dcf`).
 * Not a plugin itself: plugins/scorers/mod.ts does not list it.
 * @module
 */
import { check } from "../../core/config.ts";
import { ConfigError } from "../../core/errors.ts";

/** Costs and the list of target priors to evaluate at. */
export interface DcfConfig {
  pTargets: number[];
  cMiss: number;
  cFa: number;
}

/** Defaults: the usual VoxSRC/NIST priors 0.01 and 0.05 with unit costs. */
export const DCF_DEFAULTS: DcfConfig = { pTargets: [0.01, 0.05], cMiss: 1, cFa: 1 };

/** Help text for each option. */
export const DCF_OPTIONS = {
  pTargets: "target priors to evaluate at (each in (0, 1)), e.g. [0.01, 0.05]",
  cMiss: "cost of a miss (> 0)",
  cFa: "cost of a false alarm (> 0)",
};

/** Throws a ConfigError for an empty prior list, a prior outside (0, 1) or a non-positive cost. */
export function validateDcf(plugin: string, c: DcfConfig): void {
  const comp = `scorer '${plugin}'`;
  if (!Array.isArray(c.pTargets) || c.pTargets.length === 0) {
    throw new ConfigError(
      comp,
      `'pTargets' must be a non-empty list of priors in (0, 1), got ${JSON.stringify(c.pTargets)}`,
    );
  }
  for (const p of c.pTargets) {
    if (!(typeof p === "number" && p > 0 && p < 1)) {
      throw new ConfigError(comp, `'pTargets' entries must be in (0, 1) exclusive, got ${p}`);
    }
  }
  check.positive(comp, "cMiss", c.cMiss);
  check.positive(comp, "cFa", c.cFa);
}
