"""Golden for tests/pipelines_test.ts: scipy AHC (average linkage, cosine) on the centred VBx x-vectors
of AMI ES2005a, cut to 4 clusters and at distance 0.9, as the diarize pipeline does through the registry.

Run: python3 tests/golden/pipelines_vbx_ahc.py ../shared/data/vbx-es2005a > tests/golden/pipelines_vbx_ahc.json
"""
import json
import struct
import sys

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage


def read_ark_vectors(path):
    """Kaldi binary ark of float vectors: '<key> \\0B FV <int32 size> <floats>'."""
    out = {}
    data = open(path, "rb").read()
    pos = 0
    while pos < len(data):
        sp = data.index(b" ", pos)
        key = data[pos:sp].decode()
        pos = sp + 1
        assert data[pos:pos + 2] == b"\0B", key
        pos += 2
        tok = data[pos:pos + 3]
        assert tok in (b"FV ", b"DV "), tok
        pos += 3
        assert data[pos] == 4
        (n,) = struct.unpack("<i", data[pos + 1:pos + 5])
        pos += 5
        if tok == b"FV ":
            out[key] = np.frombuffer(data[pos:pos + 4 * n], dtype="<f4").astype(np.float64)
            pos += 4 * n
        else:
            out[key] = np.frombuffer(data[pos:pos + 8 * n], dtype="<f8")
            pos += 8 * n
    return out


root = sys.argv[1]
vecs = read_ark_vectors(f"{root}/exp/ES2005a.ark")
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
