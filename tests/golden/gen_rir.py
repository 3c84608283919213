"""Golden room impulse responses for tests/augment_test.ts: an independent numpy/scipy implementation of
the image-source method (Allen & Berkley 1979) as documented in core/augment/rir.ts:

- wall reflection coefficient beta from the shoebox decay model: energy at time t is the mean over
  directions u of beta^(2 c t g(u)), g(u) = |ux|/Lx + |uy|/Ly + |uz|/Lz (directions by Monte Carlo here,
  a Fibonacci lattice there); beta solves 2 (t(-35 dB) - t(-5 dB)) = RT60 on its backward integral
  (scipy.optimize.brentq here, bisection there);
- images vectorised over a grid of (n, q), amplitude beta^(|n-q|+|n| summed over axes) / (4 pi d),
  each a Hann-windowed sinc of 33 taps at delay d/c*fs + 16 samples;
- Allen & Berkley's high-pass (zeros 1 and e^-W, poles e^-W e^{+-jW}, W = 2 pi 100 / fs) by
  scipy.signal.lfilter;
- T30 / T20 by Schroeder backward integration and numpy.polyfit.

    /usr/bin/python3 tests/golden/gen_rir.py   # writes tests/golden/rir.json
"""
import json
import math
import os

import numpy as np
from scipy.optimize import brentq
from scipy.signal import lfilter

C, FS, TAPS = 343.0, 16000, 33


def model_beta(dims, rt60):
    # a 400 x 400 midpoint grid in (cos theta, phi) over one octant (uniform in solid angle)
    n = 400
    z, phi = np.meshgrid((np.arange(n) + 0.5) / n, (np.arange(n) + 0.5) / n * np.pi / 2, indexing="ij")
    r = np.sqrt(1 - z**2)
    u = np.stack([r * np.cos(phi), r * np.sin(phi), z], -1).reshape(-1, 3)
    g = (u / np.asarray(dims)).sum(1)

    def edc_db(k, t):
        kg = k * C * g
        return 10 * np.log10(np.mean(np.exp(-kg * t) / kg) / np.mean(1 / kg))

    def t30(k):
        t5 = brentq(lambda t: edc_db(k, t) + 5, 0, 1e5)
        t35 = brentq(lambda t: edc_db(k, t) + 35, 0, 1e5)
        return 2 * (t35 - t5)

    k = brentq(lambda k: t30(k) - rt60, 1e-3, 50)
    return math.exp(-k / 2)


def rir(dims, src, mic, rt60, length):
    L, s, m = np.asarray(dims), np.asarray(src), np.asarray(mic)
    beta = model_beta(dims, rt60)
    H = (TAPS - 1) // 2
    n_out = int(math.ceil(length * FS)) + TAPS
    h = np.zeros(n_out)
    N = np.ceil(C * length / (2 * L)).astype(int) + 1
    grids = np.meshgrid(*[np.arange(-N[i], N[i] + 1) for i in range(3)], indexing="ij")
    n = np.stack([g.ravel() for g in grids], 1)
    for q in np.ndindex(2, 2, 2):
        q = np.asarray(q)
        d = np.linalg.norm((1 - 2 * q) * s + 2 * n * L - m, axis=1)
        keep = d <= C * length
        refl = (np.abs(n - q) + np.abs(n)).sum(1)[keep]
        d = d[keep]
        amp = beta**refl / (4 * math.pi * d)
        tau = d / C * FS + H
        k0 = np.floor(tau).astype(int)
        for j in range(-H, H + 2):
            t = k0 + j
            x = t - tau
            ok = (t >= 0) & (t < n_out) & (np.abs(x) < H + 1)
            w = 0.5 * (1 + np.cos(np.pi * x[ok] / (H + 1)))
            np.add.at(h, t[ok], amp[ok] * w * np.sinc(x[ok]))
    W = 2 * math.pi * 100 / FS
    R = math.exp(-W)
    h = lfilter([1, -(1 + R), R], [1, -2 * R * math.cos(W), R * R], h)
    return h, beta


def decay(h, lo, hi):
    e = np.cumsum((h**2)[::-1])[::-1]
    db = 10 * np.log10(e / e[0])
    sel = (db <= lo) & (db >= hi)
    t = np.arange(len(h))[sel] / FS
    slope = np.polyfit(t, db[sel], 1)[0]
    return -60 / slope


rooms = [
    {"dims": [4.3, 4.0, 2.7], "source": [1.0, 1.5, 1.2], "mic": [3.0, 2.5, 1.5], "rt60": 0.5},
    {"dims": [7.5, 6.0, 3.2], "source": [2.0, 4.5, 1.7], "mic": [5.5, 1.2, 1.1], "rt60": 0.3},
]
out = []
for r in rooms:
    h, beta = rir(r["dims"], r["source"], r["mic"], r["rt60"], r["rt60"])
    out.append({
        **r,
        "beta": beta,
        "t30": decay(h, -5, -35),
        "t20": decay(h, -5, -25),
        "length": len(h),
        "energy": float(np.sum(h**2)),
        # the first 0.2 s (direct sound, early reflections, start of the tail), to keep the file small
        "rirHead": [float(f"{v:.7g}") for v in h[:3200]],
    })
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rir.json")
with open(path, "w") as f:
    json.dump({"generator": "tests/golden/gen_rir.py", "sampleRate": FS, "taps": TAPS, "rooms": out}, f)
print(f"wrote {path}: " + ", ".join(f"RT60 {o['rt60']} -> T30 {o['t30']:.3f}, beta {o['beta']:.5f}" for o in out))
