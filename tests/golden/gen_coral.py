#!/usr/bin/env python3
"""Golden values for the CORAL adapter with NumPy/SciPy (independent of our eigh):
A = Cs^{-1/2} Ct^{1/2} (scipy.linalg.fractional_matrix_power), C = np.cov + eps*I, eps = 0.01 * mean variance.
Run: python3 tests/golden/gen_coral.py  -> tests/golden/coral.json"""
import json
import os

import numpy as np
from scipy.linalg import fractional_matrix_power

rng = np.random.default_rng(7)
d, ns, nt = 6, 40, 50
src = rng.normal(size=(ns, d)) @ rng.normal(size=(d, d)) + 1.0
tgt = rng.normal(size=(nt, d)) @ np.diag([3, 1, 0.5, 2, 0.2, 1]) - 0.5
probe = rng.normal(size=(5, d))


def reg_cov(x):
    c = np.cov(x, rowvar=False)
    return c + 0.01 * np.trace(c) / d * np.eye(d)


A = np.real(fractional_matrix_power(reg_cov(src), -0.5) @ fractional_matrix_power(reg_cov(tgt), 0.5))
out_centered = (probe - src.mean(0)) @ A + tgt.mean(0)
out_plain = probe @ A
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "coral.json")
json.dump({"generator": "tests/golden/gen_coral.py (numpy/scipy)", "d": d, "source": src.ravel().tolist(),
           "target": tgt.ravel().tolist(), "probe": probe.ravel().tolist(),
           "centered": out_centered.ravel().tolist(), "plain": out_plain.ravel().tolist()}, open(path, "w"))
print("wrote", path)
