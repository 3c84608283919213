/**
 * What the clusterer plugins share: the `seed` option and the input checks every `cluster()` makes
 * before its own work (finite rows, a well-formed request), so each plugin states only its algorithm.
 * Not a plugin itself: plugins/clusterers/mod.ts does not list it.
 * @module
 */
import type { Clusterer, ClusterRequest, ClusterResult } from "../../core/contracts/mod.ts";
import { opt, type OptionDecl } from "../../core/options.ts";
import { assertFinite, type Matrix } from "../../core/matrix.ts";
import { checkClusterRequest } from "../../core/cluster/request.ts";
import type { FinchMetric } from "../../core/cluster/finch.ts";

/** A distance between rows: cosine (1 - cos) or Euclidean. */
export function distanceOption(def: FinchMetric, help: string): OptionDecl<FinchMetric> {
  return opt.oneOf(["cosine", "euclidean"] as const, def, help);
}

/** `seed`: a 32-bit seed of the clusterer's randomness (`request.seed` overrides it). */
export function seedOption(help: string): OptionDecl<number> {
  return opt.integer(0, help, { min: 0, max: 2 ** 32 - 1 });
}

/**
 * A clusterer whose `cluster(x, request)` first refuses non-finite rows and malformed requests with
 * errors naming `component` (e.g. "clusterer 'kmeans'"), then runs `run`.
 */
export function checkedClusterer(
  component: string,
  run: (x: Matrix, req: ClusterRequest) => ClusterResult | Promise<ClusterResult>,
): Clusterer {
  return {
    cluster(x: Matrix, req: ClusterRequest = {}) {
      assertFinite(x, component);
      checkClusterRequest(component, req);
      return run(x, req);
    },
  };
}
