#!/usr/bin/env python3
"""Golden distance matrices from numpy/scipy (float64 reference on float32 inputs). Run from the repo root:
    python3 tests/golden/gen_distance_numpy.py   -> tests/golden/distance_numpy.json"""
import json, os
import numpy as np
from scipy.spatial.distance import cdist, pdist

rng = np.random.default_rng(20261123)
a = rng.normal(size=(37, 19)).astype(np.float32)
b = rng.normal(size=(29, 19)).astype(np.float32)
a[5] = 0.0  # a zero row: cosine with it is 0 by our convention (scipy gives nan)
b[3] = a[2]  # an exact duplicate: squared distance must be 0
A, B = a.astype(np.float64), b.astype(np.float64)


def r(x):
    return [round(float(v), 7) for v in np.asarray(x).ravel()]


an = A / np.maximum(np.linalg.norm(A, axis=1, keepdims=True), 1e-300)
bn = B / np.linalg.norm(B, axis=1, keepdims=True)
cos = an @ bn.T
nz = np.delete(A, 5, axis=0)  # pdist cosine on rows without the zero row
out = {
    "generator": "tests/golden/gen_distance_numpy.py", "numpy": np.__version__, "seed": 20261123,
    "a": {"rows": 37, "cols": 19, "data": [float(v) for v in a.ravel()]},
    "b": {"rows": 29, "cols": 19, "data": [float(v) for v in b.ravel()]},
    "dot": r(A @ B.T), "cosine": r(cos), "sqeuclidean": r(cdist(A, B, "sqeuclidean")),
    "pdist_euclidean": r(pdist(A, "euclidean")), "pdist_sqeuclidean": r(pdist(A, "sqeuclidean")),
    "nz_rows": nz.shape[0], "pdist_cosine_nonzero": r(pdist(nz, "cosine")),
    "top3_cosine_idx": np.argsort(-cos, axis=1, kind="stable")[:, :3].ravel().tolist(),
    "top3_sqeuclidean_idx": np.argsort(cdist(A, B, "sqeuclidean"), axis=1, kind="stable")[:, :3].ravel().tolist(),
}
json.dump(out, open(os.path.join(os.path.dirname(__file__), "distance_numpy.json"), "w"), separators=(",", ":"))
print("ok")
