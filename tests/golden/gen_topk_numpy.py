#!/usr/bin/env python3
"""Golden row top-k (indices and top-k mean/std) from numpy for tests/topk_selection_test.ts.
Run from the repo root:  python3 tests/golden/gen_topk_numpy.py  -> tests/golden/topk_numpy.json

Rows are long enough (n >= 128) that the WASM kernel takes its sampled-threshold path; values are
stored as integers q with value = q / 64 (exact in float32) so that rows are full of ties, plus
near-continuous rows (q / 2^20). Order: value descending (ascending for smallest), ties by lower column index
(np.argsort of the negated row, kind="stable"; -0 and +0 tie). Stats: float64 mean and population std
of the k largest values (numpy's own summation order: compare with a tolerance)."""
import json, os
import numpy as np

SEED = 20261124
rng = np.random.default_rng(SEED)
rows = []
n = 1000
rows.append(np.round(rng.normal(size=n) * 40))                   # ties: ~10 per level
rows.append(np.round(rng.normal(size=n) * 4))                    # heavy ties: ~100 per level
q = np.round(rng.normal(size=n) * 40); q[::8] = 400 + np.arange(len(q[::8]))  # sampled columns all large
rows.append(q)                                                   # -> the sample over-estimates tau
q = np.round(rng.normal(size=n) * 40); q[rng.random(n) < 0.3] = 0.0
rows.append(q)                                                   # many zeros (stored as -0 / +0 below)
ints = np.stack(rows).astype(np.int64)
cq = np.round(rng.normal(size=(3, n)) * 0.1 * 2**20).astype(np.int64)  # "continuous": q / 2^20
cq[2, 100:200] = cq[2, 50]                                       # a run of exact duplicates
cont = cq.astype(np.float32) / np.float32(2**20)
vals = np.concatenate([ints.astype(np.float32) / np.float32(64), cont]).astype(np.float32)
neg_zero = (np.arange(n) % 2 == 1) & (ints[3] == 0)              # odd zero columns of row 3 are -0
vals[3, neg_zero] = -0.0

cases = []
for k in (1, 7, 100, 300):  # 300 > n / 4: the unsampled path
    for largest in (True, False):
        key = -vals.astype(np.float64) if largest else vals.astype(np.float64)
        idx = np.argsort(key, axis=1, kind="stable")[:, :k]
        cases.append({"k": k, "largest": largest, "indices": idx.ravel().tolist()})
stats = []
for k in (2, 20, 250, 999, 1000, 4000):
    top = -np.sort(-vals.astype(np.float64), axis=1)[:, :k]
    stats.append({"k": k, "mean": top.mean(axis=1).tolist(), "std": top.std(axis=1).tolist()})

out = {
    "generator": "tests/golden/gen_topk_numpy.py", "numpy": np.__version__, "seed": SEED,
    "rows": vals.shape[0], "cols": n,
    "int_rows": ints.shape[0], "ints": ints.ravel().tolist(), "neg_zero_row3": neg_zero.nonzero()[0].tolist(),
    "cont_q20": cq.ravel().tolist(),
    "topk": cases, "stats": stats,
}
json.dump(out, open(os.path.join(os.path.dirname(__file__), "topk_numpy.json"), "w"), separators=(",", ":"))
print("ok")
