"""Anchor side of bench/asnorm_bench.ts: numpy AS-norm (WeSpeaker score_norm.py get_mean_std) on the same data.

Usage: python3 bench/asnorm_bench.py DIR N_ENROLL N_TEST N_COHORT DIM TOP_N
Reads DIR/{enroll,test,cohort}.f32 (float32, row-major); trials are all enroll x test pairs.
Prints one JSON line with seconds (best of 3; np.partition top-N), seconds_sort (WeSpeaker's full sort)
and a few normalised scores for a parity check.
"""
import json
import sys
import time

import numpy as np


def l2(x):
    return x / np.sqrt(np.sum(x**2, axis=1, keepdims=True))


def stats_partition(emb, cohort, top_n):
    s = emb @ cohort.T
    top = np.partition(s, -top_n, axis=1)[:, -top_n:]
    return top.mean(axis=1), top.std(axis=1)


def stats_sort(emb, cohort, top_n):
    s = np.sort(emb @ cohort.T, axis=1)[:, ::-1][:, :top_n]
    return s.mean(axis=1), s.std(axis=1)


def run(e, t, c, top_n, stats):
    t0 = time.perf_counter()
    en, tn, cn = l2(e), l2(t), l2(c)
    raw = en @ tn.T  # the 1M trial scores
    em, es = stats(en, cn, top_n)
    tm, ts = stats(tn, cn, top_n)
    out = 0.5 * ((raw - em[:, None]) / es[:, None] + (raw - tm[None, :]) / ts[None, :])
    return time.perf_counter() - t0, out


def main():
    d, ne, nt, nc, dim, top_n = sys.argv[1], *map(int, sys.argv[2:7])
    e = np.fromfile(f"{d}/enroll.f32", dtype=np.float32).reshape(ne, dim)
    t = np.fromfile(f"{d}/test.f32", dtype=np.float32).reshape(nt, dim)
    c = np.fromfile(f"{d}/cohort.f32", dtype=np.float32).reshape(nc, dim)
    secs, out = min((run(e, t, c, top_n, stats_partition) for _ in range(3)), key=lambda r: r[0])
    secs_sort, out2 = min((run(e, t, c, top_n, stats_sort) for _ in range(3)), key=lambda r: r[0])
    flat = out.ravel()
    picks = [0, 1, 12345, len(flat) // 2, len(flat) - 1]
    print(json.dumps({
        "seconds": secs,
        "seconds_sort": secs_sort,
        "picks": picks,
        "values": [float(flat[i]) for i in picks],
        "max_diff_sort_vs_partition": float(np.max(np.abs(out - out2))),
    }))


if __name__ == "__main__":
    main()
