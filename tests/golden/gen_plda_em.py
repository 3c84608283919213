#!/usr/bin/python3
"""Golden values for two-covariance PLDA EM (issue 17, item 5), written here from the model's equations
(Brummer 2010, "EM for probabilistic LDA"; Sizov, Lee & Kinnunen 2014) independently of
core/scoring/plda.ts: per speaker the posterior of the speaker variable y ~ N(mu, B) given its n
utterances x = y + e, e ~ N(0, W); M-step mu = mean E[y], B = mean E[y y^T] - mu mu^T, and W from the
residuals sum_i E[(x_i - y)(x_i - y)^T] = (x_i - E[y])(x_i - E[y])^T + Cov[y] (the code uses the
expanded second-moment form). Two starts: identity matrices with mu = the global mean (Kaldi's
PldaEstimator::InitParameters, WeSpeaker) and moment estimates. The data have speakers with 1 to 7
utterances; the EM runs only on speakers with >= 2 (the trained model must ignore the singletons).
Run from the repo root:  /usr/bin/python3 tests/golden/gen_plda_em.py  -> tests/golden/plda_em.json
"""
import json
import os

import numpy as np
from scipy.linalg import eigh
from scipy.stats import multivariate_normal as mvn

SEED = 17
rng = np.random.default_rng(SEED)
HERE = os.path.dirname(os.path.abspath(__file__))


def f32(a):
    return np.asarray(a, dtype=np.float32)


def j32(a):
    return [float(str(v)) for v in f32(a).ravel()]


def em(x, y, mu, B, W, iters):
    spk = list(dict.fromkeys(y.tolist()))
    N = len(x)
    for _ in range(iters):
        Bi, Wi = np.linalg.inv(B), np.linalg.inv(W)
        post = []
        for s in spk:
            xs = x[y == s]
            cov = np.linalg.inv(Bi + len(xs) * Wi)
            m = cov @ (Bi @ mu + Wi @ xs.sum(axis=0))
            post.append((xs, m, cov))
        mu = np.mean([m for _, m, _ in post], axis=0)
        B = np.mean([np.outer(m, m) + c for _, m, c in post], axis=0) - np.outer(mu, mu)
        Wn = np.zeros_like(W)
        for xs, m, c in post:
            r = xs - m
            Wn += r.T @ r + len(xs) * c
        W = Wn / N
    return mu, B, W


def moments(x, y):
    mu = x.mean(axis=0)
    d = x.shape[1]
    Sw, Sb = np.zeros((d, d)), np.zeros((d, d))
    for s in dict.fromkeys(y.tolist()):
        xs = x[y == s]
        m = xs.mean(axis=0)
        Sw += (xs - m).T @ (xs - m)
        Sb += len(xs) * np.outer(m - mu, m - mu)
    return mu, Sb / len(x), Sw / len(x)


def llr(x1, x2, mu, B, W):
    T = B + W
    big = np.block([[T, B], [B, T]])
    return float(mvn.logpdf(np.concatenate([x1, x2]), np.concatenate([mu, mu]), big)
                 - mvn.logpdf(x1, mu, T) - mvn.logpdf(x2, mu, T))


d, K = 6, 30
A = rng.normal(0, 1, (d, d))
B0 = A @ A.T / d + 0.3 * np.eye(d)
C = rng.normal(0, 1, (d, d))
W0 = 0.4 * C @ C.T / d + 0.1 * np.eye(d)
m0 = rng.normal(0, 2, d)
counts = rng.integers(1, 8, K)  # 1..7 utterances per speaker: some singletons on purpose
counts[:4] = 1
ys = rng.multivariate_normal(m0, B0, K)
labels = np.repeat(np.arange(K) * 7 + 3, counts)
x = f32(np.repeat(ys, counts, axis=0) + rng.multivariate_normal(np.zeros(d), W0, counts.sum())).astype(np.float64)
probe = f32(rng.multivariate_normal(m0, B0 + W0, 7)).astype(np.float64)

keep = np.isin(labels, [l for l, c in zip(np.arange(K) * 7 + 3, counts) if c >= 2])
xk, yk = x[keep], labels[keep]
cases = []
for init in ["identity", "moments"]:
    for iters in [1, 3, 20]:
        if init == "identity":
            mu0, B, W = xk.mean(axis=0), np.eye(d), np.eye(d)
        else:
            mu0, B, W = moments(xk, yk)
        mu, B, W = em(xk, yk, mu0, B, W, iters)
        psi = np.sort(eigh(B, W, eigvals_only=True))[::-1]
        cases.append({
            "init": init,
            "iterations": iters,
            "mean": mu.tolist(),
            "psi": psi.tolist(),
            "llr_3x4": [[llr(e, t, mu, B, W) for t in probe[3:]] for e in probe[:3]],
        })
        print(init, iters, "psi", np.round(psi, 4))

out = {
    "generator": "tests/golden/gen_plda_em.py",
    "seed": SEED,
    "dim": d,
    "x": j32(x),
    "labels": labels.tolist(),
    "probe": j32(probe),
    "speakers": int(K),
    "singletons": int((counts < 2).sum()),
    "cases": cases,
}
with open(os.path.join(HERE, "plda_em.json"), "w") as f:
    json.dump(out, f)
print("wrote plda_em.json", len(x), "rows,", out["singletons"], "singleton speakers")
