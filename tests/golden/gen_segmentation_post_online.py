#!/usr/bin/python3
"""Golden reference for embedkit's incremental clustering (core/diarization/online_clustering.ts).

A numpy/scipy port, written for this generator from diart's blocks/clustering.py
(OnlineSpeakerClustering.identify / update / add_center) and mapping.py (SpeakerMap with the
MinimizationObjective: invalid entries 1e10, "loose" valid assignments, linear_sum_assignment after
every change, unmap_threshold, set_source_speaker, apply), run on a fixed seeded sequence of chunks
(segmentations and unit-norm embeddings, some inactive, short, NaN or far), for three hyper-parameter sets.

Run: /usr/bin/python3 tests/golden/gen_segmentation_post_online.py > tests/golden/online_clustering.json
"""
import json
import math

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

INVALID = 1e10


class SpeakerMap:
    def __init__(self, m):
        self.m = m
        self.mapped_src = list(np.where(np.min(m, axis=1) != INVALID)[0])
        self._opt = None

    def opt(self):
        if self._opt is None:
            self._opt = list(linear_sum_assignment(self.m, False)[1])
        return self._opt

    def valid_assignments(self):
        src, tgt = [], []
        for s, t in enumerate(self.opt()):
            if s in self.mapped_src:
                src.append(s)
                tgt.append(t)
        return src, tgt

    def is_mapped(self, s):
        return s in self.mapped_src

    def set_source_speaker(self, s, t):
        m = np.copy(self.m)
        m[s, t] = 0
        return SpeakerMap(m)

    def unmap_speakers(self, srcs=(), tgts=()):
        m = np.copy(self.m)
        for s in srcs:
            m[s] = INVALID
        for t in tgts:
            m[:, t] = INVALID
        return SpeakerMap(m)

    def unmap_threshold(self, thr):
        return self.unmap_speakers([s for s, t in zip(*self.valid_assignments()) if self.m[s, t] >= thr])


class OnlineSpeakerClustering:
    def __init__(self, tau, rho, delta, max_speakers):
        self.tau, self.rho, self.delta, self.max = tau, rho, delta, max_speakers
        self.centers = None
        self.active = set()

    def inactive_centers(self):
        return [c for c in range(self.max) if c not in self.active]

    def add_center(self, e):
        c = next(c for c in range(self.max) if c not in self.active)
        self.centers[c] = e
        self.active.add(c)
        return c

    def identify(self, seg, emb):
        active = np.where(np.max(seg, axis=0) >= self.tau)[0]
        long = np.where(np.mean(seg, axis=0) >= self.rho)[0]
        active = np.intersect1d(active, np.where(~np.isnan(emb).any(axis=1))[0])
        K = seg.shape[1]
        if self.centers is None:
            self.centers = np.zeros((self.max, emb.shape[1]))
            self.active = set()
            return {int(s): self.add_center(emb[s]) for s in active}
        with np.errstate(invalid="ignore", divide="ignore"):
            d = cdist(emb, self.centers, metric="cosine")
        dist_map = SpeakerMap(d).unmap_speakers([s for s in range(K) if s not in active], self.inactive_centers())
        valid = dist_map.unmap_threshold(self.delta)
        missed = [s for s in active if not valid.is_mapped(s)]
        new = []
        free_centers = self.max - len(self.active)
        for s in missed:
            if len(new) < free_centers and s in long:
                new.append(s)
            else:
                prefs = [g for g in np.argsort(dist_map.m[s, :], kind="stable") if g in self.active]
                _, assigned = valid.valid_assignments()
                free = [g for g in prefs if g not in assigned]
                if free:
                    valid = valid.set_source_speaker(s, free[0])
        for ls, gs in zip(*valid.valid_assignments()):
            if ls not in missed and ls in long:
                self.centers[gs] += emb[ls]
        for s in new:
            valid = valid.set_source_speaker(s, self.add_center(emb[s]))
        return {int(s): int(t) for s, t in zip(*valid.valid_assignments())}


rs = np.random.RandomState(7)
T, F, K, D, S = 14, 50, 3, 8, 6
centers = rs.randn(S, D)
chunks = []
for c in range(T):
    seg = np.zeros((F, K), dtype=np.float32)
    emb = np.zeros((K, D), dtype=np.float32)
    spk = rs.permutation(min(S, 3 + c // 3))[:K]
    for k in range(K):
        kind = rs.choice(["long", "long", "short", "off"])
        if kind == "long":
            a = rs.randint(0, F // 3)
            b = rs.randint(a + F // 2, F + 1)
            seg[a:b, k] = 1
        elif kind == "short":
            a = rs.randint(0, F - 6)
            seg[a:a + 5, k] = 1
        e = centers[spk[k]] + 0.4 * rs.randn(D)
        emb[k] = e / np.linalg.norm(e)
    if c == 5:
        emb[1] = np.nan
        seg[:, 1] = 1
    chunks.append((seg, emb))

runs = {}
for name, (tau, rho, delta, mx) in {"diart": (0.6, 0.3, 1.0, 20), "tight": (0.6, 0.3, 0.35, 20),
                                    "few": (0.6, 0.3, 0.35, 3)}.items():
    osc = OnlineSpeakerClustering(tau, rho, delta, mx)
    maps = []
    for seg, emb in chunks:
        m = osc.identify(seg, emb)
        maps.append([m.get(k, -1) for k in range(K)])
    runs[name] = {"tau": tau, "rho": rho, "delta": delta, "max": mx, "maps": maps,
                  "centers": [float("%.9g" % v) for v in osc.centers.reshape(-1)],
                  "active": sorted(int(c) for c in osc.active)}


def L(a):
    return [None if math.isnan(v) else float("%.9g" % v) for v in np.asarray(a, dtype=np.float64).reshape(-1)]


print(json.dumps({"generator": "tests/golden/gen_segmentation_post_online.py", "seed": 7, "F": F, "K": K, "D": D,
                  "chunks": [{"seg": L(s), "emb": L(e)} for s, e in chunks], "runs": runs}))
