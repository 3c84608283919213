/**
 * Checks a ClusterRequest before a clusterer uses it. Requests come from callers (pipelines, the CLI,
 * users' code), not from validated options, so a count of 0, -1 or 2.5, bounds the wrong way round or a
 * non-integer seed would otherwise give a silent wrong partition, an unseeded run or a crash deep inside.
 * @module
 */
import type { ClusterRequest } from "../contracts/mod.ts";
import { check } from "../config.ts";
import { ConfigError } from "../errors.ts";

/** Throws a ConfigError naming the clusterer and the request field when `req` is malformed. */
export function checkClusterRequest(name: string, req: ClusterRequest): void {
  for (const f of ["numClusters", "minClusters", "maxClusters"] as const) {
    if (req[f] !== undefined) check.integer(name, `request.${f}`, req[f]!, 1);
  }
  if (req.minClusters !== undefined && req.maxClusters !== undefined && req.minClusters > req.maxClusters) {
    throw new ConfigError(
      name,
      `request.minClusters (${req.minClusters}) must be <= request.maxClusters (${req.maxClusters})`,
    );
  }
  if (req.seed !== undefined) check.integer(name, "request.seed", req.seed, 0, 2 ** 32 - 1);
}
