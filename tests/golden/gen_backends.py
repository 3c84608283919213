#!/usr/bin/python3
"""Independent oracle for embedkit's back-end adapters (tests/backends_test.ts).

Run:  /usr/bin/python3 tests/golden/gen_backends.py   -> tests/golden/backends.json

- LDA: scipy.linalg.eigh(Sb, Sw) on synthetic two-covariance data (sign: largest |component| positive).
- WCCN: numpy Cholesky of the inverse mean per-speaker covariance.
- PLDA llr: NOT from the diagonalised form the code uses, but from full Gaussians in the original space:
  log N([x1;x2]; [mu;mu], [[B+W, B],[B, B+W]]) - log N(x1; mu, B+W) - log N(x2; mu, B+W)
  (scipy.stats.multivariate_normal), with W, B the moment estimates (pooled within-class covariance,
  class-size-weighted between-class covariance of class means).
- pyannote: a literal numpy port of pyannote.audio's vbx.py `vbx_setup` (xvec_tf, plda_tf with eigh(B, W))
  applied to seeded random 256-d vectors, plus original-space llrs from W = inv(tr^T tr),
  B = inv(tr^T diag(1/psi) tr).
- VBx Kaldi PLDA: parsed here with a small independent reader, llrs from the same full-Gaussian formula.
Shared data is read from ../shared/data (never copied); outputs are small.
"""
import json
import os
import struct

import numpy as np
from scipy.linalg import eigh
from scipy.stats import multivariate_normal as mvn

SEED = 11
rng = np.random.default_rng(SEED)
HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "..", "shared", "data")


def j32(a):
    """float32 values as their shortest round-trip text (exact once read into a Float32Array)."""
    return [float(str(v)) for v in np.asarray(a, dtype=np.float32).ravel()]


def f32(a):
    return np.asarray(a, dtype=np.float32)


def class_stats(x, y):
    classes = list(dict.fromkeys(y.tolist()))
    mu = x.mean(axis=0)
    d = x.shape[1]
    Sw = np.zeros((d, d))
    Sb = np.zeros((d, d))
    for c in classes:
        xc = x[y == c]
        mc = xc.mean(axis=0)
        Sw += (xc - mc).T @ (xc - mc)
        Sb += len(xc) * np.outer(mc - mu, mc - mu)
    return mu, Sw / len(x), Sb / len(x)


def fix_sign(v):
    idx = np.argmax(np.abs(v), axis=0)
    s = np.sign(v[idx, np.arange(v.shape[1])])
    return v * s


def two_cov_em(x, y, mu, B, W, iters):
    """Two-covariance EM (Sizov, Lee & Kinnunen 2014), written from the paper's equations."""
    classes = list(dict.fromkeys(y.tolist()))
    N, K = len(x), len(classes)
    for _ in range(iters):
        Bi, Wi = np.linalg.inv(B), np.linalg.inv(W)
        Ey, Eyy, ns, fs = [], [], [], []
        for c in classes:
            xc = x[y == c]
            n, f = len(xc), xc.sum(axis=0)
            L = np.linalg.inv(Bi + n * Wi)
            m = L @ (Bi @ mu + Wi @ f)
            Ey.append(m)
            Eyy.append(np.outer(m, m) + L)
            ns.append(n)
            fs.append(f)
        mu = np.mean(Ey, axis=0)
        B = np.mean(Eyy, axis=0) - np.outer(mu, mu)
        Wn = x.T @ x
        for m, yy, n, f in zip(Ey, Eyy, ns, fs):
            Wn += -np.outer(f, m) - np.outer(m, f) + n * yy
        W = Wn / N
    return mu, B, W


def llr_full(x1, x2, mu, B, W):
    T = B + W
    big = np.block([[T, B], [B, T]])
    return (mvn.logpdf(np.concatenate([x1, x2]), np.concatenate([mu, mu]), big)
            - mvn.logpdf(x1, mu, T) - mvn.logpdf(x2, mu, T))


def l2_norm(vec_or_matrix):
    if vec_or_matrix.ndim == 1:
        return vec_or_matrix / np.linalg.norm(vec_or_matrix)
    return vec_or_matrix / np.linalg.norm(vec_or_matrix, axis=1)[:, np.newaxis]


def vbx_setup(transform_npz, plda_npz):
    """Literal port of pyannote.audio.utils.vbx.vbx_setup."""
    x = np.load(transform_npz)
    mean1, mean2, lda = x["mean1"], x["mean2"], x["lda"]
    p = np.load(plda_npz)
    plda_mu, plda_tr, plda_psi = p["mu"], p["tr"], p["psi"]
    W = np.linalg.inv(plda_tr.T.dot(plda_tr))
    B = np.linalg.inv((plda_tr.T / plda_psi).dot(plda_tr))
    acvar, wccn = eigh(B, W)
    plda_psi = acvar[::-1]
    plda_tr = wccn.T[::-1]

    def xvec_tf(x0):
        return np.sqrt(lda.shape[1]) * l2_norm(lda.T.dot(l2_norm(x0 - mean1).transpose()).transpose() - mean2)

    def plda_tf(x0, lda_dim=lda.shape[1]):
        return (x0 - plda_mu).dot(plda_tr.T)[:, :lda_dim]

    return xvec_tf, plda_tf, plda_psi, (plda_mu, W, B)


def read_kaldi_plda(path):
    b = open(path, "rb").read()
    assert b[:2] == b"\0B"
    p = 2

    def token():
        nonlocal p
        e = b.index(b" ", p)
        t = b[p:e].decode()
        p = e + 1
        return t

    def size():
        nonlocal p
        assert b[p] == 4
        v = struct.unpack("<i", b[p + 1:p + 5])[0]
        p += 5
        return v

    def arr(kind, n):
        nonlocal p
        dt = "<f8" if kind[0] == "D" else "<f4"
        w = 8 if kind[0] == "D" else 4
        a = np.frombuffer(b[p:p + n * w], dtype=dt).astype(np.float64)
        p += n * w
        return a

    assert token() == "<Plda>"
    k = token()
    mean = arr(k, size())
    k = token()
    r, c = size(), size()
    tr = arr(k, r * c).reshape(r, c)
    k = token()
    psi = arr(k, size())
    assert token() == "</Plda>"
    return mean, tr, psi


def main():
    out = {"seed": SEED, "generator": "tests/golden/gen_backends.py"}
    # ---- synthetic two-covariance data --------------------------------------------------------------
    d, K, n = 10, 40, 6
    A = rng.normal(0, 1, (d, d))
    B0 = A @ A.T / d + 0.5 * np.eye(d)
    C = rng.normal(0, 1, (d, d))
    W0 = 0.3 * C @ C.T / d + 0.1 * np.eye(d)
    m0 = rng.normal(0, 1, d)
    ys = rng.multivariate_normal(m0, B0, K)
    labels = np.repeat(np.arange(K) * 3 + 5, n)  # non-contiguous label ids on purpose
    x = f32(np.repeat(ys, n, axis=0) + rng.multivariate_normal(np.zeros(d), W0, K * n)).astype(np.float64)
    probe = f32(rng.multivariate_normal(m0, B0 + W0, 7)).astype(np.float64)
    mu, Sw, Sb = class_stats(x, labels)
    evals, evecs = eigh(Sb, Sw)
    order = np.argsort(-evals)
    V = fix_sign(evecs[:, order])
    lda_dim = 4
    # WCCN: mean per-speaker covariance (each speaker weighs the same)
    Wc = np.zeros((d, d))
    for c in np.unique(labels):
        xc = x[labels == c]
        Wc += np.cov(xc.T, bias=True)
    Wc /= len(np.unique(labels))
    Bw = np.linalg.cholesky(np.linalg.inv(Wc))
    # PLDA llr in the original space
    enr, tst = probe[:3], probe[3:]
    llr = [[float(llr_full(e, t, mu, Sb, Sw)) for t in tst] for e in enr]
    emu, eB, eW = two_cov_em(x, labels, mu, Sb, Sw, 10)
    llr_em = [[float(llr_full(e, t, emu, eB, eW)) for t in tst] for e in enr]
    psi_em = np.sort(eigh(eB, eW, eigvals_only=True))[::-1]
    # psi = generalised eigenvalues of (Sb, Sw)
    out["synthetic"] = {
        "dim": d,
        "x": j32(x),
        "labels": labels.tolist(),
        "probe": j32(probe),
        "lda_dim": lda_dim,
        "lda_eigenvalues": evals[order][:lda_dim].tolist(),
        "lda_probe": ((probe - mu) @ V[:, :lda_dim]).ravel().tolist(),
        "wccn_probe": (probe @ Bw).ravel().tolist(),
        "plda_psi": evals[order].tolist(),
        "plda_llr_3x4": llr,
        "plda_em10_psi": psi_em.tolist(),
        "plda_em10_llr_3x4": llr_em,
    }
    # ---- mean-sub --------------------------------------------------------------------------------------
    src = f32(rng.normal(0.3, 1, (20, 5))).astype(np.float64)
    tgt = f32(rng.normal(-0.7, 1, (30, 5))).astype(np.float64)
    out["mean_sub"] = {
        "enroll": j32(src),
        "test": j32(tgt),
        "test_shifted": (tgt + src.mean(axis=0) - tgt.mean(axis=0)).ravel().tolist(),
    }
    # ---- pyannote PLDA ---------------------------------------------------------------------------------
    pdir = os.path.join(SHARED, "pyannote-plda", "plda")
    xvec_tf, plda_tf, psi, (pmu, PW, PB) = vbx_setup(os.path.join(pdir, "xvec_transform.npz"), os.path.join(pdir, "plda.npz"))
    raw = f32(rng.normal(0, 1, (6, 256)) + 0.05)
    xt = xvec_tf(raw.astype(np.float64))
    pt = plda_tf(xt)
    out["pyannote"] = {
        "raw": j32(raw),
        "xvec_tf": xt.ravel().tolist(),
        "plda_tf_abs": np.abs(pt).ravel().tolist(),  # eigenvector signs are arbitrary; compare magnitudes
        "psi": psi.tolist(),
        "llr_3x3": [[float(llr_full(xt[i], xt[j], pmu, PB, PW)) for j in range(3, 6)] for i in range(3)],
    }
    # ---- VBx Kaldi PLDA -----------------------------------------------------------------------------
    kmean, ktr, kpsi = read_kaldi_plda(os.path.join(SHARED, "vbx-es2005a", "VBx", "models", "ResNet101_16kHz", "plda"))
    KW = np.linalg.inv(ktr.T @ ktr)
    KB = np.linalg.inv((ktr.T / kpsi) @ ktr)
    # sample from the model itself: speaker z ~ N(0, diag(psi)), utterance z + N(0, I), mapped back by tr^-1;
    # enrollment i and test i share a speaker
    zs = rng.normal(0, 1, (3, 128)) * np.sqrt(kpsi)
    zu = np.concatenate([zs, zs]) + rng.normal(0, 1, (6, 128))
    kx = f32(kmean + zu @ np.linalg.inv(ktr).T).astype(np.float64)
    out["kaldi"] = {
        "mean_head": kmean[:5].tolist(),
        "psi_sorted_desc_head": np.sort(kpsi)[::-1][:5].tolist(),
        "x": j32(kx),
        "llr_3x3": [[float(llr_full(kx[i], kx[j], kmean, KB, KW)) for j in range(3, 6)] for i in range(3)],
    }
    path = os.path.join(HERE, "backends.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
