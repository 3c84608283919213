/**
 * Agglomerative hierarchical clustering (AHC) with the seven scipy linkages, stopped by a cluster count
 * or a distance threshold. The dendrogram comes back in scipy's linkage-matrix format.
 * @module
 */
import type { ClustererPlugin, ClusterRequest, ClusterResult } from "../../core/contracts/mod.ts";
import { assertFinite, type Matrix } from "../../core/matrix.ts";
import { checkClusterRequest } from "../../core/cluster/request.ts";
import { countLabels, linkage, LINKAGES } from "../../core/cluster/linkage.ts";
import {
  type AhcConfig,
  condensedDistances,
  cutLinkage,
  validateAhc,
} from "../../core/cluster/ahc_options.ts";

const NAME = "clusterer 'ahc'";

/** `ahc` clusterer plugin. */
export const ahcClusterer: ClustererPlugin<AhcConfig> = {
  kind: "clusterer",
  name: "ahc",
  description:
    "agglomerative clustering (single/complete/average/weighted/centroid/median/ward), scipy-exact",
  defaults: {
    linkage: "average",
    metric: "cosine",
    numClusters: 0,
    threshold: null,
    thresholdInclusive: true,
  },
  options: {
    linkage: `one of ${LINKAGES.join(", ")} (centroid, median, ward need metric euclidean)`,
    metric: "cosine (1 - cos) or euclidean distance between embeddings",
    numClusters: "stop at this many clusters (0 = use request.numClusters or threshold)",
    threshold: "stop merging at this distance (null = unset); cophenetic distance, as scipy fcluster",
    thresholdInclusive:
      "true: a merge AT the threshold happens (scipy fcluster, <= t); false: only below (sklearn, < t)",
  },
  validate: (c) => validateAhc(c),
  create(c) {
    return {
      cluster(x: Matrix, req: ClusterRequest = {}): ClusterResult {
        assertFinite(x, NAME);
        checkClusterRequest(NAME, req);
        const n = x.rows;
        if (n === 0) {
          return { labels: new Int32Array(0), numClusters: 0, extra: { linkage: new Float64Array(0) } };
        }
        const z = linkage(condensedDistances(x, c.metric), n, c.linkage);
        const { labels, stoppedBy } = cutLinkage(z, n, c, req);
        return {
          labels,
          numClusters: countLabels(labels),
          extra: { linkage: z, linkageFormat: "scipy: rows [idA, idB, height, size], flat", stoppedBy },
        };
      },
    };
  },
};
