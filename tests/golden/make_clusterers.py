#!/usr/bin/python3
"""Golden references for the clusterer plugins (issue 6). Run from the repo root:

    /usr/bin/python3 tests/golden/make_clusterers.py

Writes tests/golden/clusterers.json. Oracles:
  * scipy.cluster.hierarchy.linkage / fcluster (all seven linkages),
  * sklearn KMeans, silhouette_score, AgglomerativeClustering (threshold semantics),
  * an independent FINCH written here from the paper (Sarfraz et al., CVPR 2019) and the authors' public
    algorithm description (first-neighbour graph, connected components, recursion on cluster means,
    req_clust by merging the closest pair of means one at a time),
  * an independent NME-SC (Park et al., 2019) with numpy.linalg.eigh,
  * numpy.linalg.eigh for the symmetric eigensolver.
Data: the 1025 VBx x-vectors of AMI ES2005a (read from the Kaldi binary ark with numpy by kaldi_ark.py, not
with our reader) and synthetic float32 blobs stored in the JSON so both sides cluster identical numbers.
"""
import json
import os
import sys

import numpy as np
import scipy
import scipy.spatial.distance
import sklearn
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import pdist
from sklearn.cluster import AgglomerativeClustering, KMeans
from sklearn.metrics import silhouette_score

from kaldi_ark import read_ark_vectors  # the script's folder is on sys.path

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARK = os.path.join(ROOT, "..", "shared", "data", "vbx-es2005a", "exp", "ES2005a.ark")


def f32list(a):
    return [float(v) for v in np.asarray(a, dtype=np.float32).ravel()]


def blobs(seed, n_per, centers, dim, spread):
    rng = np.random.default_rng(seed)
    c = rng.normal(0, 1, (centers, dim)) * 4
    x = np.concatenate([c[i] + spread * rng.normal(0, 1, (n_per[i], dim)) for i in range(centers)])
    perm = rng.permutation(len(x))
    return x[perm].astype(np.float32)


def partition(labels):
    """Canonical label ids: first appearance order."""
    m, out = {}, []
    for v in labels:
        v = int(v)
        if v not in m:
            m[v] = len(m)
        out.append(m[v])
    return out


# ---------------------------------------------------------------- FINCH (independent, from the paper)
def first_neighbours(x, metric):
    x = x.astype(np.float64)
    if metric == "cosine":
        xn = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-300)
        d = 1.0 - xn @ xn.T
    else:
        sq = (x * x).sum(1)
        d = sq[:, None] + sq[None, :] - 2 * x @ x.T
    np.fill_diagonal(d, np.inf)
    nn = d.argmin(1)
    return nn, d[np.arange(len(x)), nn]


def components(n, a, b):
    g = csr_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    _, lab = connected_components(g, directed=True, connection="weak")
    return lab


def means(x, labels):
    k = labels.max() + 1
    s = np.zeros((k, x.shape[1]))
    np.add.at(s, labels, x.astype(np.float64))
    return s / np.bincount(labels, minlength=k)[:, None]


def finch(x, metric, req=None):
    n = len(x)
    nn, _ = first_neighbours(x, metric)
    lab = components(n, np.arange(n), nn)
    parts = [lab]
    while True:
        m = means(x, parts[-1])
        if len(m) <= 1:
            break
        nn, _ = first_neighbours(m, metric)
        u = components(len(m), np.arange(len(m)), nn)
        new = u[parts[-1]]
        k_new = new.max() + 1
        if k_new == 1 or k_new >= parts[-1].max() + 1:
            break  # the paper's stop: a single cluster (dropped) or no further merge
        parts.append(new)
    counts = [int(p.max() + 1) for p in parts]
    out = {"partitions": [partition(p) for p in parts], "counts": counts}
    if req is not None:
        idx = [i for i, c in enumerate(counts) if c >= req]
        lab = parts[idx[-1]].copy() if idx else np.arange(n)
        while lab.max() + 1 > req:
            m = means(x, lab)
            nn, dist = first_neighbours(m, metric)
            a = int(dist.argmin())
            b = int(nn[a])
            u = components(len(m), np.array([a]), np.array([b]))
            lab = u[lab]
        out["req"] = req
        out["req_labels"] = partition(lab)
    return out


# ---------------------------------------------------------------- NME-SC (independent, Park et al. 2019)
def nme_sc(x, max_speakers, min_speakers, max_rp, p_steps):
    xn = x.astype(np.float64)
    xn = xn / np.linalg.norm(xn, axis=1, keepdims=True)
    sim = xn @ xn.T
    n = len(x)
    p_max = max(1, int(np.floor(n * max_rp)))
    ps = sorted(set(int(v) for v in np.linspace(1, p_max, p_steps).round()))
    best = None
    for p in ps:
        lam, k = nme_eigs(sim, p, max_speakers)
        gaps = np.diff(lam[: max_speakers + 1])
        g = (p / n) / (gaps.max() / (lam.max() + 1e-10) + 1e-10)
        if best is None or g < best[0]:
            best = (g, p)
    p = best[1]
    lam, k = nme_eigs(sim, p, max_speakers)
    return {"p": p, "k": max(min_speakers, k), "ps": ps}


def pruned_affinity(sim, p):
    n = len(sim)
    a = np.zeros_like(sim)
    for i in range(n):
        idx = np.argsort(-sim[i], kind="stable")[:p]
        a[i, idx] = 1.0
    a = 0.5 * (a + a.T)
    np.fill_diagonal(a, 0.0)
    return a


def nme_eigs(sim, p, max_speakers):
    a = pruned_affinity(sim, p)
    lap = np.diag(np.abs(a).sum(1)) - a
    lam = np.linalg.eigvalsh(lap)
    gaps = np.diff(lam[: max_speakers + 1])
    return lam, int(gaps.argmax()) + 1


# ---------------------------------------------------------------- FINCH + AHC (by definition, no Lance-Williams)
def finch_ahc(x, first, method, metric, target):
    x64 = x.astype(np.float64)
    d = scipy.spatial.distance.squareform(pdist(x64, metric))
    groups = [list(np.where(first == c)[0]) for c in range(first.max() + 1)]
    while len(groups) > target:
        m = len(groups)
        best = (np.inf, -1, -1)
        means = [x64[g].mean(0) for g in groups]
        for a in range(m):
            for b in range(a + 1, m):
                if method == "average":
                    v = d[np.ix_(groups[a], groups[b])].mean()
                elif method == "complete":
                    v = d[np.ix_(groups[a], groups[b])].max()
                else:  # ward
                    na, nb = len(groups[a]), len(groups[b])
                    v = np.sqrt(2 * na * nb / (na + nb)) * np.linalg.norm(means[a] - means[b])
                if v < best[0]:
                    best = (v, a, b)
        _, a, b = best
        groups[a] = groups[a] + groups[b]
        del groups[b]
    lab = np.zeros(len(x), int)
    for c, g in enumerate(groups):
        lab[g] = c
    return partition(lab)


def main():
    out = {"versions": {"numpy": np.__version__, "scipy": scipy.__version__, "sklearn": sklearn.__version__}}
    keys, xv = read_ark_vectors(ARK)
    out["ark"] = {"count": len(keys), "dim": xv.shape[1], "first_key": keys[0], "last_key": keys[-1],
                  "row0_head": f32list(xv[0, :8]), "row_last_tail": f32list(xv[-1, -8:]),
                  "sum": float(xv.astype(np.float64).sum())}

    # --- AHC: linkage matrices on a 200-point subset (every 5th x-vector), all methods
    sub_idx = list(range(0, 1000, 5))
    xs = xv[sub_idx].astype(np.float64)
    ahc = {"subset": sub_idx, "linkage": {}, "labels": {}}
    for metric in ["euclidean", "cosine"]:
        d = pdist(xs, metric)
        for method in ["single", "complete", "average", "weighted", "centroid", "median", "ward"]:
            if metric == "cosine" and method in ("centroid", "median", "ward"):
                continue
            z = linkage(d, method)
            name = f"{method}/{metric}"
            ahc["linkage"][name] = [[int(r[0]), int(r[1]), float(r[2]), int(r[3])] for r in z]
            ahc["labels"][name] = {
                "maxclust4": partition(fcluster(z, 4, "maxclust")),
                "maxclust10": partition(fcluster(z, 10, "maxclust")),
            }
            # midway between two consecutive heights: float32 vs float64 distances cannot flip the cut
            hs = np.sort(z[:, 2])
            t = float((hs[len(hs) // 2] + hs[len(hs) // 2 + 1]) / 2)
            ahc["labels"][name]["threshold"] = t
            ahc["labels"][name]["distance_median"] = partition(fcluster(z, t, "distance"))
    # full 1025 points, average/complete/single/ward euclidean + average cosine: labels at 4 clusters
    full = {}
    for method, metric in [("average", "cosine"), ("complete", "cosine"), ("single", "euclidean"),
                           ("ward", "euclidean"), ("average", "euclidean")]:
        z = linkage(pdist(xv.astype(np.float64), metric), method)
        full[f"{method}/{metric}"] = {"maxclust4": partition(fcluster(z, 4, "maxclust")),
                                      "heights_tail": [float(v) for v in z[-10:, 2]]}
    ahc["full"] = full
    # threshold semantics: exact tie at the threshold (1-D points, distances exactly representable)
    pts = np.array([[0.0], [1.0], [3.0], [7.0]], dtype=np.float32)
    zt = linkage(pts.astype(np.float64), "single")
    ahc["tie"] = {
        "points": f32list(pts),
        "threshold": 2.0,
        "scipy_fcluster": partition(fcluster(zt, 2.0, "distance")),
        "sklearn": partition(AgglomerativeClustering(n_clusters=None, distance_threshold=2.0,
                                                     linkage="single").fit(pts).labels_),
    }
    # 10000 points (O(n^2) memory check): data from a formula both sides evaluate, rounded to float32
    i = np.arange(10000)[:, None].astype(np.float64)
    j = np.arange(4)[None, :].astype(np.float64)
    big = (np.sin(0.37 * i + 1.3 * j) + 0.5 * np.cos(0.011 * i * (j + 1))).astype(np.float32)
    zb = linkage(pdist(big.astype(np.float64)), "average")
    ahc["big"] = {"rows": 10000, "cols": 4, "maxclust10": partition(fcluster(zb, 10, "maxclust")),
                  "heights_tail": [float(v) for v in zb[-20:, 2]]}
    out["ahc"] = ahc

    # --- k-means vs sklearn
    b1 = blobs(7, [60, 50, 40, 30], 4, 8, 1.0)
    km = {"blobs": {"rows": len(b1), "cols": b1.shape[1], "data": f32list(b1)}}
    for k in [2, 3, 4, 5, 6, 7, 8]:
        m = KMeans(n_clusters=k, n_init=10, random_state=0, algorithm="lloyd").fit(b1.astype(np.float64))
        km[f"k{k}"] = {"labels": partition(m.labels_), "inertia": float(m.inertia_),
                       "silhouette": float(silhouette_score(b1, m.labels_))}
    mx = KMeans(n_clusters=4, n_init=10, random_state=0, algorithm="lloyd").fit(xv.astype(np.float64))
    km["xvec_k4"] = {"labels": partition(mx.labels_), "inertia": float(mx.inertia_)}
    out["kmeans"] = km

    # --- FINCH: independent reference on x-vectors (cosine, euclidean) and on blobs
    b2 = blobs(11, [80, 70, 60, 50, 40], 5, 16, 1.5)
    out["finch"] = {
        "blobs": {"rows": len(b2), "cols": b2.shape[1], "data": f32list(b2)},
        "blobs_euclidean": finch(b2, "euclidean", req=5),
        "blobs_cosine": finch(b2, "cosine", req=3),
        "xvec_cosine": finch(xv, "cosine", req=4),
        "xvec_euclidean": finch(xv, "euclidean", req=4),
    }

    # --- FINCH + AHC hybrid on x-vectors (every 2nd, to keep the definition-based reference quick)
    hidx = list(range(0, 1025, 2))
    xh = xv[hidx]
    nn, _ = first_neighbours(xh, "cosine")
    first = components(len(xh), np.arange(len(xh)), nn)
    out["finch_ahc"] = {"subset": hidx, "first_count": int(first.max() + 1)}
    for method, metric in [("average", "cosine"), ("complete", "cosine"), ("ward", "euclidean")]:
        out["finch_ahc"][f"{method}/{metric}"] = finch_ahc(xh, first, method, metric, 4)

    # --- NME-SC on every 4th x-vector (256 points) and on blobs
    sidx = list(range(0, 1025, 4))
    out["nmesc"] = {
        "subset": sidx,
        "xvec": nme_sc(xv[sidx], max_speakers=8, min_speakers=1, max_rp=0.25, p_steps=20),
        "blobs": nme_sc(b2, max_speakers=8, min_speakers=1, max_rp=0.25, p_steps=20),
    }

    # --- symmetric eigensolver
    rng = np.random.default_rng(3)
    a = rng.normal(0, 1, (12, 12))
    a = ((a + a.T) / 2).astype(np.float64)
    w, v = np.linalg.eigh(a)
    out["eigh"] = {"n": 12, "a": [float(t) for t in a.ravel()], "w": [float(t) for t in w]}

    path = os.path.join(ROOT, "tests", "golden", "clusterers.json")
    with open(path + ".tmp", "w") as f:
        json.dump(out, f, separators=(",", ":"))
    os.replace(path + ".tmp", path)
    print(f"wrote {path} ({os.path.getsize(path)} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
