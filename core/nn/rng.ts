/**
 * The training code's name for the one seeded generator, core/random.ts `Rng` (Mulberry32 with
 * getState/setState, so checkpoints resume bit-exactly).
 * @module
 */

export { Rng as StatefulRng } from "../random.ts";
export type { RngState } from "../random.ts";
