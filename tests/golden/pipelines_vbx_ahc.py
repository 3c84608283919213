"""Golden for tests/pipelines_test.ts: scipy AHC (average linkage, cosine) on the centred VBx x-vectors
of AMI ES2005a, cut to 4 clusters and at distance 0.9, as the diarize pipeline does through the registry.

Run: python3 tests/golden/pipelines_vbx_ahc.py ../shared/data/vbx-es2005a > tests/golden/pipelines_vbx_ahc.json
"""
import json
import sys

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

from kaldi_ark import read_ark_vectors  # the script's folder is on sys.path


root = sys.argv[1]
vecs = dict(zip(*read_ark_vectors(f"{root}/exp/ES2005a.ark")))
segs = [line.split() for line in open(f"{root}/exp/ES2005a.seg") if line.strip()]
x = np.stack([vecs[s[0]] for s in segs]).astype(np.float32).astype(np.float64)
x = x - x.mean(axis=0)
z = linkage(x, method="average", metric="cosine")
k4 = fcluster(z, 4, criterion="maxclust")
t09 = fcluster(z, 0.9, criterion="distance")
json.dump({
    "source": "scipy.cluster.hierarchy linkage(average, cosine) + fcluster on centred ES2005a x-vectors",
    "n": int(x.shape[0]),
    "labels_k4": [int(v) for v in k4],
    "clusters_t09": int(t09.max()),
    "labels_t09": [int(v) for v in t09],
}, sys.stdout)
sys.stdout.write("\n")
