/**
 * AHC options shared by the `ahc` and `finch-ahc` clusterers: validation, and cutting a linkage matrix
 * by a request (count) or a threshold (with explicit at-threshold semantics).
 * @module
 */
import type { ClusterRequest } from "../contracts/mod.ts";
import { type ConfigOf, opt } from "../options.ts";
import { ConfigError } from "../errors.ts";
import type { Matrix } from "../matrix.ts";
import { pdist } from "../kernels/distance.ts";
import { countLabels, cutAtThreshold, cutToCount, EUCLIDEAN_ONLY, LINKAGES } from "./linkage.ts";

/** Options of the `ahc` clusterer (and the AHC part of `finch-ahc`), declared once. */
export const AHC_OPTIONS = {
  linkage: opt.oneOf(
    LINKAGES,
    "average",
    "linkage (centroid, median, ward need metric euclidean)",
  ),
  metric: opt.oneOf(["cosine", "euclidean"] as const, "cosine", "cosine (1 - cos) or euclidean distance"),
  numClusters: opt.integer(0, "stop at this many clusters (0 = use request.numClusters or threshold)", {
    min: 0,
  }),
  threshold: opt.number(null, "stop merging at this cophenetic distance, as scipy fcluster (null = unset)", {
    min: 0,
    nullable: true,
  }),
  thresholdInclusive: opt.boolean(
    true,
    "true: a merge AT the threshold happens (scipy fcluster, <= t); false: only below (sklearn, < t)",
  ),
};

/** The `ahc` clusterer's config. */
export type AhcConfig = ConfigOf<typeof AHC_OPTIONS>;

const NAME = "clusterer 'ahc'";

/** The check that involves two options: centroid, median and ward linkages need Euclidean distances. */
export function validateAhc(c: Pick<AhcConfig, "linkage" | "metric">, name = NAME): void {
  if (EUCLIDEAN_ONLY.includes(c.linkage) && c.metric !== "euclidean") {
    throw new ConfigError(
      name,
      `linkage '${c.linkage}' is defined for Euclidean distances only; set metric: "euclidean"`,
    );
  }
}

/**
 * Cuts a linkage matrix by the request/config: an exact count (request.numClusters, then
 * config.numClusters) wins over the threshold; min/maxClusters clamp a threshold cut.
 */
export function cutLinkage(
  z: Float64Array,
  n: number,
  c: AhcConfig,
  req: ClusterRequest,
  name = NAME,
): { labels: Int32Array; stoppedBy: string } {
  const k = req.numClusters ?? (c.numClusters || undefined);
  if (k !== undefined) {
    // request fields are checked by checkClusterRequest, config.numClusters by validateAhc
    return { labels: cutToCount(z, n, Math.min(k, n)), stoppedBy: `count ${k}` };
  }
  if (c.threshold === null) {
    throw new ConfigError(
      name,
      "no stopping rule: pass request.numClusters, or set 'numClusters' or 'threshold' in the options",
    );
  }
  let labels = cutAtThreshold(z, n, c.threshold, c.thresholdInclusive);
  let stoppedBy = `threshold ${c.thresholdInclusive ? "<=" : "<"} ${c.threshold}`;
  const got = countLabels(labels);
  if (req.maxClusters !== undefined && got > req.maxClusters) {
    labels = cutToCount(z, n, req.maxClusters);
    stoppedBy += ` (clamped to maxClusters ${req.maxClusters})`;
  } else if (req.minClusters !== undefined && got < req.minClusters) {
    labels = cutToCount(z, n, Math.min(req.minClusters, n));
    stoppedBy += ` (clamped to minClusters ${req.minClusters})`;
  }
  return { labels, stoppedBy };
}

/** Condensed float64 distances for AHC through the shared distance kernels. */
export function condensedDistances(x: Matrix, metric: "cosine" | "euclidean"): Float64Array {
  const d32 = pdist(x, metric);
  const d = new Float64Array(d32.length);
  for (let i = 0; i < d.length; i++) d[i] = Math.max(0, d32[i]);
  return d;
}
