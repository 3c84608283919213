#!/usr/bin/env python3
"""Golden reference for the `vbx` clusterer (tests/vbx_test.ts).

An independent numpy/scipy implementation of VBx written from the paper (Landini et al., CSL 2022,
eqs. 1, 16-25) and BUTSpeechFIT/VBx (VBx/VBx.py, VBx/vbhmm.py, VBx/diarization_lib.py), vectorised
the numpy way (embedkit's TypeScript port loops). It also runs the real back-end path of vbhmm.py:
h5py for transform.h5, scipy.linalg.eigh(B, W) for the PLDA rotation, scipy average linkage for AHC.

Run with Debian's python (h5py comes from apt `python3-h5py`):
    /usr/bin/python3 tests/golden/gen_vbx.py ../shared/data/vbx-es2005a > tests/golden/vbx.json
"""
import json
import struct
import sys

import h5py
import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.linalg import eigh
from scipy.special import logsumexp, softmax


def forward_backward(lls, tr, ip):
    eps = 1e-8
    ltr = np.log(tr + eps)
    T = len(lls)
    lfw = np.empty_like(lls)
    lbw = np.empty_like(lls)
    lfw[0] = lls[0] + np.log(ip + eps)
    for t in range(1, T):
        lfw[t] = lls[t] + logsumexp(lfw[t - 1][:, None] + ltr, axis=0)
    lbw[-1] = 0.0
    for t in range(T - 2, -1, -1):
        lbw[t] = logsumexp(ltr + (lls[t + 1] + lbw[t + 1])[None, :], axis=1)
    tll = logsumexp(lfw[-1])
    return np.exp(lfw + lbw - tll), tll, lfw, lbw


def vb_hmm(X, Phi, gamma, loopP, Fa, Fb, maxIters, epsilon):
    """VB-HMM, eqs. (16)-(25); returns gamma, pi, per-iteration ELBO and per-iteration gammas."""
    T, D = X.shape
    S = gamma.shape[1]
    pi = np.full(S, 1.0 / S)
    G = -0.5 * ((X ** 2).sum(1) + D * np.log(2 * np.pi))
    rho = X * np.sqrt(Phi)
    elbos, gammas = [], []
    for it in range(maxIters):
        Ns = gamma.sum(0)
        invL = 1.0 / (1.0 + (Fa / Fb) * np.outer(Ns, Phi))  # (17)
        alpha = (Fa / Fb) * invL * (gamma.T @ rho)  # (16)
        lp = Fa * (rho @ alpha.T - 0.5 * ((invL + alpha ** 2) @ Phi)[None, :] + G[:, None])  # (23)
        if loopP == 0:
            # pyannote utils/vbx.py: the VB-GMM update (no transitions)
            lpi = np.log(pi + 1e-8)
            lpx = logsumexp(lp + lpi, axis=1)
            tll = lpx.sum()
            gamma = np.exp(lp + lpi - lpx[:, None])
            new_pi = gamma.sum(0)
        else:
            tr = loopP * np.eye(S) + (1 - loopP) * pi[None, :]  # (1)
            gamma, tll, lfw, lbw = forward_backward(lp, tr, pi)
            la = logsumexp(lfw[:-1], axis=1)
            new_pi = gamma[0] + (1 - loopP) * pi * np.exp(la[:, None] + lp[1:] + lbw[1:] - tll).sum(0)  # (24)
        elbo = tll + Fb * 0.5 * np.sum(np.log(invL) - invL - alpha ** 2 + 1)  # (25)
        pi = new_pi / new_pi.sum()
        elbos.append(float(elbo))
        gammas.append(gamma.copy())
        if it > 0 and elbo - elbos[-2] < epsilon:
            break
    return gamma, pi, elbos, gammas


def two_gmm_threshold(s, niters=20):
    w = np.array([0.5, 0.5])
    m = s.mean() + s.std() * np.array([-1.0, 1.0])
    v = s.var()
    thr = np.inf
    for _ in range(niters):
        ll = np.log(w) - 0.5 * np.log(v) - 0.5 * (s[:, None] - m) ** 2 / v
        g = softmax(ll, axis=1)
        c = g.sum(0)
        w = c / c.sum()
        m = s @ g / c
        v = ((s ** 2) @ g / c - m ** 2) @ w
        thr = -0.5 * (np.log(w ** 2 / v) - m ** 2 / v) @ [1, -1] / ((m / v) @ [1, -1])
    return thr


def read_ark(path):
    b = open(path, "rb").read()
    p, out = 0, []
    while p < len(b):
        sp = b.index(b" ", p)
        key = b[p:sp].decode()
        p = sp + 1
        assert b[p:p + 2] == b"\0B" and b[p + 2:p + 5] == b"FV ", key
        n = struct.unpack("<i", b[p + 6:p + 10])[0]
        out.append((key, np.frombuffer(b[p + 10:p + 10 + 4 * n], dtype="<f4").astype(np.float64)))
        p += 10 + 4 * n
    return out


def read_kaldi_plda(path):
    b = open(path, "rb").read()
    assert b[:2] == b"\0B"
    p = b.index(b"<Plda> ") + 7

    def vec(p):
        k = b[p:p + 3]
        n = struct.unpack("<i", b[p + 4:p + 8])[0]
        dt, sz = ("<f8", 8) if k == b"DV " else ("<f4", 4)
        return np.frombuffer(b[p + 8:p + 8 + sz * n], dtype=dt).astype(np.float64), p + 8 + sz * n

    def mat(p):
        k = b[p:p + 3]
        r = struct.unpack("<i", b[p + 4:p + 8])[0]
        c = struct.unpack("<i", b[p + 9:p + 13])[0]
        dt, sz = ("<f8", 8) if k == b"DM " else ("<f4", 4)
        return np.frombuffer(b[p + 13:p + 13 + sz * r * c], dtype=dt).astype(np.float64).reshape(r, c), p + 13 + sz * r * c

    mu, p = vec(p)
    tr, p = mat(p)
    psi, p = vec(p)
    return mu, tr, psi


def canon(labels):
    m = {}
    return [m.setdefault(int(l), len(m)) for l in labels]


def synthetic(seed, loopP, Fa, Fb):
    rng = np.random.default_rng(seed)
    T, D, K, S = 240, 6, 3, 5
    Phi = np.array([4.0, 2.5, 1.5, 0.8, 0.3, 0.1])
    spk = rng.normal(size=(K, D)) * np.sqrt(Phi)
    z, cur = [], 0
    for _ in range(T):
        if rng.random() < 0.05:
            cur = int(rng.integers(K))
        z.append(cur)
    z = np.array(z)
    X = spk[z] + rng.normal(size=(T, D))
    init = rng.integers(S, size=T)  # a poor AHC-like start: random labels over 5 states
    init[: T // 2] = z[: T // 2]
    q0 = softmax(np.eye(S)[init] * 2.0, axis=1)
    gamma, pi, elbos, gammas = vb_hmm(X, Phi, q0, loopP, Fa, Fb, 30, 1e-6)
    return {
        "T": T, "D": D, "S": S, "loopProb": loopP, "Fa": Fa, "Fb": Fb, "maxIters": 30, "epsilon": 1e-6,
        "x": X.ravel().tolist(), "phi": Phi.tolist(), "gammaInit": q0.ravel().tolist(),
        "elbo": elbos, "gamma": gamma.ravel().tolist(), "gammaIter1": gammas[0].ravel().tolist(),
        "pi": pi.tolist(), "labels": canon(gamma.argmax(1)), "truth": z.tolist(),
    }


def es2005a(root):
    xs = read_ark(f"{root}/exp/ES2005a.ark")
    X = np.array([v for _, v in xs])
    with h5py.File(f"{root}/VBx/models/ResNet101_16kHz/transform.h5", "r") as f:
        mean1, mean2, lda = np.array(f["mean1"]), np.array(f["mean2"]), np.array(f["lda"])
    l2 = lambda a: a / np.linalg.norm(a, axis=1, keepdims=True)
    x = l2(l2(X - mean1) @ lda - mean2)  # vbhmm.py, unit length norm
    mu, tr, psi = read_kaldi_plda(f"{root}/VBx/models/ResNet101_16kHz/plda")
    W = np.linalg.inv(tr.T @ tr)
    B = np.linalg.inv((tr.T / psi) @ tr)
    acvar, wccn = eigh(B, W)
    Phi, ptr = acvar[::-1], wccn.T[::-1]
    sim = x @ x.T / np.outer(np.linalg.norm(x, axis=1), np.linalg.norm(x, axis=1))
    thr = two_gmm_threshold(sim.ravel())
    iu = np.triu_indices(len(x), 1)
    Z = linkage(-sim[iu], method="average")
    adjust = abs(Z[:, 2].min())
    Z[:, 2] += adjust
    ahc = fcluster(Z, -(thr - 0.015) + adjust, criterion="distance") - 1
    S = ahc.max() + 1
    q0 = softmax(np.eye(S)[ahc] * 5.0, axis=1)
    fea = ((x - mu) @ ptr.T)[:, :128]
    gamma, pi, elbos, _ = vb_hmm(fea, Phi[:128], q0, 0.99, 0.3, 17.0, 40, 1e-6)
    rows = list(range(0, len(X), 64))
    # columns (HMM states) in order of first appearance of the AHC label, as canon() names them
    first = list(dict.fromkeys(int(l) for l in ahc))
    # per-dimension sign of the eigenvectors is arbitrary: report |fea| for the checked rows
    return {
        "n": len(X), "calibratedThreshold": float(thr), "initLabels": canon(ahc), "initClusters": int(S),
        "phi": Phi[:128].tolist(), "feaAbsRows": rows, "feaAbs": np.abs(fea[rows]).ravel().tolist(),
        "ldaRows": x[rows].ravel().tolist(),
        "elbo": elbos, "iterations": len(elbos), "gammaRows": gamma[rows][:, first].ravel().tolist(),
        "pi": pi[first].tolist(), "labels": canon(gamma.argmax(1)), "speakers": int(len(set(gamma.argmax(1)))),
    }


if __name__ == "__main__":
    out = {
        "generator": "tests/golden/gen_vbx.py (numpy %s, h5py %s)" % (np.__version__, h5py.__version__),
        "synthetic_hmm": synthetic(7, 0.9, 0.6, 4.0),
        "synthetic_gmm": synthetic(11, 0.0, 0.6, 4.0),
        "es2005a": es2005a(sys.argv[1]),
    }
    def short(o):  # 12 significant digits keep the file small; ELBOs stay exact
        if isinstance(o, dict):
            return {k: (v if k == "elbo" else short(v)) for k, v in o.items()}
        if isinstance(o, list):
            return [short(v) for v in o]
        return float("%.12g" % o) if isinstance(o, float) else o

    json.dump(short(out), sys.stdout, separators=(",", ":"))
