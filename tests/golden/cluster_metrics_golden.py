#!/usr/bin/env python3
"""Golden values for core/metrics/cluster_metrics.ts from scikit-learn (Debian python3-sklearn).

Run with Debian's system python:  /usr/bin/python3 tests/golden/cluster_metrics_golden.py
Writes tests/golden/cluster_metrics.json. ARI and NMI come from sklearn itself; purity from sklearn's
contingency_matrix; cluster accuracy from scipy's linear_sum_assignment on that matrix.
"""
import json
import os

import numpy as np
import scipy
import sklearn
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.metrics.cluster import contingency_matrix

rs = np.random.RandomState(20261123)
cases = []


def add(name, t, p):
    t = [int(x) for x in t]
    p = [int(x) for x in p]
    cm = contingency_matrix(t, p)
    rows, cols = linear_sum_assignment(-cm)
    cases.append({
        "name": name,
        "true": t,
        "pred": p,
        "ari": float(adjusted_rand_score(t, p)),
        "nmi": float(normalized_mutual_info_score(t, p)),
        "nmi_geometric": float(normalized_mutual_info_score(t, p, average_method="geometric")),
        "nmi_min": float(normalized_mutual_info_score(t, p, average_method="min")),
        "nmi_max": float(normalized_mutual_info_score(t, p, average_method="max")),
        "purity": float(cm.max(axis=0).sum() / cm.sum()),
        "accuracy": float(cm[rows, cols].sum() / cm.sum()),
    })


for i, (n, kt, kp) in enumerate([(50, 3, 3), (200, 5, 8), (500, 10, 4), (1000, 20, 25), (37, 2, 6)]):
    t = rs.randint(kt, size=n)
    p = rs.randint(kp, size=n)
    add(f"random-{i}-n{n}-k{kt}x{kp}", t, p)
    # A noisy copy of the truth: mostly right, some items moved, labels permuted.
    q = np.where(rs.rand(n) < 0.2, rs.randint(kp, size=n), (t * 7 + 3) % max(kt, 1))
    add(f"noisy-{i}-n{n}", t, q)
add("identical-permuted", [0, 0, 1, 1, 2, 2, 2], [5, 5, 3, 3, 9, 9, 9])
add("single-cluster-both", [1, 1, 1, 1], [0, 0, 0, 0])
add("single-pred", [0, 1, 2, 0, 1, 2], [0, 0, 0, 0, 0, 0])
add("all-singletons", [0, 0, 1, 1, 2, 2], [0, 1, 2, 3, 4, 5])
add("sklearn-doc", [0, 0, 1, 2], [0, 0, 1, 1])

out = {
    "generator": "tests/golden/cluster_metrics_golden.py",
    "sklearn": sklearn.__version__,
    "scipy": scipy.__version__,
    "numpy": np.__version__,
    "seed": 20261123,
    "cases": cases,
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cluster_metrics.json")
with open(path, "w") as f:
    json.dump(out, f)
print(f"wrote {path}: {len(cases)} cases")
