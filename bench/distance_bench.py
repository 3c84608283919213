"""Anchor side of bench/distance_bench.ts: numpy (OpenBLAS, one thread) on the same float32 data.

Usage: python3 bench/distance_bench.py A.f32 B.f32 ROWS_A ROWS_B COLS REPEATS TILE
Prints one JSON line: best-of-REPEATS seconds for the cosine matrix (normalise + matmul) and the dot
matrix, and for the tiled 20000 x 256 problem when TILE > 0 (row tiles of that size, row top-1 kept).
"""
import json
import sys
import time

import numpy as np


def best(fn, reps):
    t = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        t = min(t, time.perf_counter() - t0)
    return t


def main():
    pa, pb, na, nb, d, reps, tile = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:8])
    a = np.fromfile(pa, dtype=np.float32).reshape(na, d)
    b = np.fromfile(pb, dtype=np.float32).reshape(nb, d)
    out = {"numpy": np.__version__}
    if tile == 0:
        def cos():
            an = a / np.linalg.norm(a, axis=1, keepdims=True)
            bn = b / np.linalg.norm(b, axis=1, keepdims=True)
            return an @ bn.T
        out["cosine"] = best(cos, reps)
        out["dot"] = best(lambda: a @ b.T, reps)
        out["check"] = float(cos()[0, :8].sum())
    else:
        def tiled():
            an = a / np.linalg.norm(a, axis=1, keepdims=True)
            bn = b / np.linalg.norm(b, axis=1, keepdims=True)
            s = 0.0
            for r in range(0, na, tile):
                s += float((an[r:r + tile] @ bn.T).max(axis=1).sum())
            return s
        out["tiled"] = best(tiled, reps)
    print(json.dumps(out))


main()
