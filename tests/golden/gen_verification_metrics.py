#!/usr/bin/python3
"""Independent oracle for embedkit's verification metrics (tests/scorers_verification_test.ts).

Run with Debian's python (numpy, scipy, sklearn):  /usr/bin/python3 tests/golden/gen_verification_metrics.py
Writes tests/golden/verification_metrics.json.

- WeSpeaker's score_metrics.py functions (compute_pmiss_pfa_rbst / compute_eer / compute_c_norm), reproduced
  literally, on tie-free score sets.
- A brute-force threshold sweep (count trials above each distinct threshold, O(n*m)) for every set, including
  sets with ties: a tied group of scores is accepted or rejected together.
- ROCCH EER and minCllr from sklearn's IsotonicRegression (which pools tied x values), actDCF and Cllr by
  direct formulas, DET probits from scipy.stats.norm.ppf.
Scores are cast to float32 first because embedkit's scorers exchange Float32Array.
"""
import json
import os

import numpy as np
from scipy.stats import norm
from sklearn.isotonic import IsotonicRegression

SEED = 20261123
rng = np.random.default_rng(SEED)


# ---- WeSpeaker wespeaker/utils/score_metrics.py, literal -------------------------------------------
def ws_pmiss_pfa(scores, labels):
    sorted_ndx = np.argsort(scores)
    labels = labels[sorted_ndx]
    weights = np.ones((labels.shape), dtype="f8")
    tgt_wghts = weights * (labels == 1).astype("f8")
    imp_wghts = weights * (labels == 0).astype("f8")
    fnr = np.cumsum(tgt_wghts) / np.sum(tgt_wghts)
    fpr = 1 - np.cumsum(imp_wghts) / np.sum(imp_wghts)
    return fnr, fpr


def ws_eer(fnr, fpr, scores):
    diff_pm_fa = fnr - fpr
    x1 = np.flatnonzero(diff_pm_fa >= 0)[0]
    x2 = np.flatnonzero(diff_pm_fa < 0)[-1]
    a = (fnr[x1] - fpr[x1]) / (fpr[x2] - fpr[x1] - (fnr[x2] - fnr[x1]))
    return fnr[x1] + a * (fnr[x2] - fnr[x1]), np.sort(scores)[x1]


def ws_c_norm(fnr, fpr, p_target, c_miss=1, c_fa=1):
    dcf = c_miss * fnr * p_target + c_fa * fpr * (1 - p_target)
    return np.min(dcf) / min(c_miss * p_target, c_fa * (1 - p_target))


# ---- brute-force sweep over achievable thresholds (ties move together) -----------------------------
def sweep(tar, non):
    thr = np.concatenate([[-np.inf], np.unique(np.concatenate([tar, non]))])
    pmiss = np.array([np.mean(tar <= t) for t in thr])
    pfa = np.array([np.mean(non > t) for t in thr])
    return thr, pmiss, pfa


def brute_eer(tar, non):
    thr, pmiss, pfa = sweep(tar, non)
    d = pmiss - pfa
    x1 = int(np.flatnonzero(d >= 0)[0])
    x2 = x1 - 1
    a = (pmiss[x1] - pfa[x1]) / (pfa[x2] - pfa[x1] - (pmiss[x2] - pmiss[x1]))
    return pmiss[x1] + a * (pmiss[x2] - pmiss[x1]), thr[x1]


def brute_min_dcf(tar, non, p, cm=1.0, cf=1.0):
    _, pmiss, pfa = sweep(tar, non)
    return float(np.min(cm * p * pmiss + cf * (1 - p) * pfa) / min(cm * p, cf * (1 - p)))


def act_dcf(tar, non, p, cm=1.0, cf=1.0):
    t = np.log(cf * (1 - p) / (cm * p))
    return float((cm * p * np.mean(tar <= t) + cf * (1 - p) * np.mean(non > t)) / min(cm * p, cf * (1 - p)))


def cllr(tar, non):
    return float(0.5 * (np.mean(np.logaddexp(0, -tar)) + np.mean(np.logaddexp(0, non))) / np.log(2))


def iso_posteriors(tar, non):
    x = np.concatenate([tar, non])
    y = np.concatenate([np.ones(len(tar)), np.zeros(len(non))])
    ir = IsotonicRegression(increasing=True, out_of_bounds="clip").fit(x, y)
    return ir, x, y


def min_cllr(tar, non):
    ir, x, y = iso_posteriors(tar, non)
    p = ir.predict(x)
    with np.errstate(divide="ignore"):
        llr = np.log(p) - np.log1p(-p) - np.log(len(tar) / len(non))
    t, n = llr[y == 1], llr[y == 0]
    ct = np.where(np.isposinf(t), 0.0, np.logaddexp(0, -t))
    cn = np.where(np.isneginf(n), 0.0, np.logaddexp(0, n))
    return float(0.5 * (ct.mean() + cn.mean()) / np.log(2))


def rocch_eer(tar, non):
    ir, x, y = iso_posteriors(tar, non)
    u = np.unique(x)
    p = ir.predict(u)
    pm, pf = [0.0], [1.0]
    for k in range(len(u)):
        if k == len(u) - 1 or p[k + 1] != p[k]:
            pm.append(np.mean(tar <= u[k]))
            pf.append(np.mean(non > u[k]))
    eer = 0.0
    for i in range(len(pf) - 1):
        xx, yy = np.array(pf[i:i + 2]), np.array(pm[i:i + 2])
        XY = np.stack([xx, yy], axis=1)
        dd = np.array([1, -1]) @ XY  # BOSARIS: [pfa0 - pfa1, pmiss0 - pmiss1]
        if np.min(np.abs(dd)) == 0 or abs(np.linalg.det(XY)) == 0:
            seg = 0.0  # horizontal or vertical segment, or one on a line through the origin
        else:
            seg_c = np.linalg.solve(XY, np.ones(2))
            seg = 1 / np.sum(seg_c)
        eer = max(eer, seg)
    return float(eer)


def j32(a):
    """float32 values as their shortest round-trip text (exact once read into a Float32Array)."""
    return [float(str(v)) for v in np.asarray(a, dtype=np.float32).ravel()]


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def make_sets():
    sets = {}
    sets["gauss"] = (f32(rng.normal(2.0, 1.0, 300)), f32(rng.normal(0.0, 1.0, 3000)))
    sets["llr_like"] = (f32(rng.normal(3.0, 2.2, 500)), f32(rng.normal(-4.0, 2.5, 5000)))
    sets["cosine_like"] = (f32(np.tanh(rng.normal(0.6, 0.25, 200))), f32(np.tanh(rng.normal(0.05, 0.15, 4000))))
    # ties: scores rounded to one decimal -> many tied groups mixing targets and non-targets
    sets["ties_rounded"] = (f32(np.round(rng.normal(1.0, 1.0, 400), 1)), f32(np.round(rng.normal(0.0, 1.0, 2000), 1)))
    # heavy ties: a handful of integer levels
    sets["ties_integer"] = (f32(rng.integers(2, 8, 150)), f32(rng.integers(0, 5, 900)))
    sets["separable"] = (f32(rng.uniform(1.0, 2.0, 50)), f32(rng.uniform(-1.0, 0.5, 80)))
    sets["small_handmade"] = (f32([0.9, 0.8, 0.8, 0.5, 0.3]), f32([0.8, 0.5, 0.5, 0.2, 0.1, 0.0, -0.3]))
    return sets


def main():
    out = {"seed": SEED, "generator": "tests/golden/gen_verification_metrics.py", "sets": {}}
    for name, (tar, non) in make_sets().items():
        e, thr = brute_eer(tar, non)
        rec = {
            "tar": j32(tar),
            "non": j32(non),
            "eer": float(e),
            "eer_threshold": float(thr),
            "eer_rocch": rocch_eer(tar, non),
            "min_dcf_0.01": brute_min_dcf(tar, non, 0.01),
            "min_dcf_0.05": brute_min_dcf(tar, non, 0.05),
            "min_dcf_0.05_cmiss10": brute_min_dcf(tar, non, 0.05, 10.0, 1.0),
            "act_dcf_0.01": act_dcf(tar, non, 0.01),
            "act_dcf_0.05": act_dcf(tar, non, 0.05),
            "act_dcf_0.5": act_dcf(tar, non, 0.5),
            "cllr": cllr(tar, non),
            "min_cllr": min_cllr(tar, non),
        }
        has_ties = len(np.unique(np.concatenate([tar, non]))) < len(tar) + len(non)
        rec["has_ties"] = bool(has_ties)
        if not has_ties:
            scores = np.concatenate([tar, non])
            labels = np.concatenate([np.ones(len(tar)), np.zeros(len(non))])
            fnr, fpr = ws_pmiss_pfa(scores, labels)
            we, wthr = ws_eer(fnr, fpr, scores)
            rec["wespeaker"] = {
                "eer": float(we),
                "eer_threshold": float(wthr),
                "min_dcf_0.01": float(ws_c_norm(fnr, fpr, 0.01)),
                "min_dcf_0.05": float(ws_c_norm(fnr, fpr, 0.05)),
            }
        thr_s, pmiss, pfa = sweep(tar, non)
        rec["det"] = {
            "n_points": len(thr_s),
            "pmiss_head": pmiss[:20].tolist(),
            "pfa_head": pfa[:20].tolist(),
        }
        out["sets"][name] = rec
    ps = [1e-9, 1e-6, 0.001, 0.01, 0.02425, 0.1, 0.3, 0.5, 0.77, 0.97575, 0.999, 1 - 1e-7]
    out["probit"] = {"p": ps, "x": [float(norm.ppf(p)) for p in ps]}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "verification_metrics.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
    print("wrote", path)


if __name__ == "__main__":
    main()
