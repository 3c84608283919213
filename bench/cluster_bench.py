"""Anchor side of bench/cluster_bench.ts: times scipy / sklearn / a numpy FINCH on the same float32 data.

Usage: python3 bench/cluster_bench.py TASK DATA.f32 ROWS COLS [K]
TASK: ahc-average | kmeans | nmesc | finch-first-neighbours
Prints one JSON line {"task", "seconds", ...}. Single-threaded BLAS/OpenMP is requested by the caller
through OMP_NUM_THREADS / OPENBLAS_NUM_THREADS so the comparison is one core against one core.
"""
import json
import sys
import time

import numpy as np


def main():
    task, path, rows, cols = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    x = np.fromfile(path, dtype=np.float32).reshape(rows, cols)
    out = {"task": task}
    if task == "ahc-average":
        from scipy.cluster.hierarchy import linkage
        from scipy.spatial.distance import pdist
        t = time.perf_counter()
        d = pdist(x.astype(np.float64), "cosine")
        t1 = time.perf_counter()
        z = linkage(d, "average")
        t2 = time.perf_counter()
        out.update(seconds=t2 - t, pdist_seconds=t1 - t, linkage_seconds=t2 - t1, top_height=float(z[-1, 2]))
    elif task == "kmeans":
        from sklearn.cluster import KMeans, kmeans_plusplus
        k = int(sys.argv[5])
        t = time.perf_counter()
        kmeans_plusplus(x, k, random_state=0)
        t_init = time.perf_counter() - t
        # Lloyd from fixed starting centres (the first k rows), same as the embedkit side
        t = time.perf_counter()
        m = KMeans(n_clusters=k, init=x[:k], n_init=1, max_iter=30, tol=1e-4, algorithm="lloyd").fit(x)
        out.update(seconds=time.perf_counter() - t, init_seconds=t_init, iterations=int(m.n_iter_),
                   inertia=float(m.inertia_))
    elif task == "nmesc":
        # NME-SC as the numpy oracle of tests/golden/make_clusterers.py does it: a dense eigvalsh of the
        # full Laplacian for every p of the grid, then eigh (with vectors) for the chosen p
        max_speakers, max_rp, p_steps = 8, 0.25, 20
        t = time.perf_counter()
        xn = x.astype(np.float64)
        xn = xn / np.linalg.norm(xn, axis=1, keepdims=True)
        sim = xn @ xn.T
        n = len(x)
        order = np.argsort(-sim, axis=1, kind="stable")
        p_max = max(1, int(np.floor(n * max_rp)))
        ps = sorted(set(int(v) for v in np.linspace(1, p_max, p_steps).round()))

        def laplacian(p):
            a = np.zeros_like(sim)
            np.put_along_axis(a, order[:, :p], 1.0, axis=1)
            a = 0.5 * (a + a.T)
            np.fill_diagonal(a, 0.0)
            return np.diag(a.sum(1)) - a

        best = None
        for p in ps:
            lam = np.linalg.eigvalsh(laplacian(p))
            gaps = np.diff(lam[: max_speakers + 1])
            g = (p / n) / (gaps.max() / (lam.max() + 1e-10) + 1e-10)
            if best is None or g < best[0]:
                best = (g, p)
        lam, vec = np.linalg.eigh(laplacian(best[1]))
        k = int(np.diff(lam[: max_speakers + 1]).argmax()) + 1
        out.update(seconds=time.perf_counter() - t, p=best[1], k=k)
    elif task == "finch-first-neighbours":
        # exact first neighbours with sklearn's brute-force (BLAS) search: FINCH's dominant cost
        from sklearn.neighbors import NearestNeighbors
        t = time.perf_counter()
        nn = NearestNeighbors(n_neighbors=2, metric="cosine", algorithm="brute").fit(x)
        nn.kneighbors(x)
        out.update(seconds=time.perf_counter() - t)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
