"""Anchor side of bench/distance_bench.ts: numpy (OpenBLAS, one thread) on the same float32 data.

Usage: python3 bench/distance_bench.py A.f32 B.f32 ROWS_A ROWS_B COLS
Loads A and B once, then serves timing requests from stdin, one per line, so that the TypeScript side
can interleave its own rounds with numpy's (the machine is shared: load changes within seconds):
  cosine REPS        best-of-REPS seconds for the cosine matrix (normalise + matmul)
  dot REPS           best-of-REPS seconds for a @ b.T
  tiled REPS TILE    the tiled problem: row tiles of TILE rows, row max kept per tile
Each answer is one JSON line; an empty line or EOF ends the process.
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
    pa, pb, na, nb, d = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6])
    a = np.fromfile(pa, dtype=np.float32).reshape(na, d)
    b = np.fromfile(pb, dtype=np.float32).reshape(nb, d)

    def cos():
        an = a / np.linalg.norm(a, axis=1, keepdims=True)
        bn = b / np.linalg.norm(b, axis=1, keepdims=True)
        return an @ bn.T

    def tiled(tile):
        an = a / np.linalg.norm(a, axis=1, keepdims=True)
        bn = b / np.linalg.norm(b, axis=1, keepdims=True)
        s = 0.0
        for r in range(0, na, tile):
            s += float((an[r:r + tile] @ bn.T).max(axis=1).sum())
        return s

    print(json.dumps({"numpy": np.__version__}), flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words:
            break
        op, reps = words[0], int(words[1])
        if op == "cosine":
            out = {"seconds": best(cos, reps), "check": float(cos()[0, :8].sum())}
        elif op == "dot":
            out = {"seconds": best(lambda: a @ b.T, reps)}
        elif op == "tiled":
            tile = int(words[2])
            out = {"seconds": best(lambda: tiled(tile), reps)}
        else:
            out = {"error": f"unknown request {op!r}"}
        print(json.dumps(out), flush=True)


main()
