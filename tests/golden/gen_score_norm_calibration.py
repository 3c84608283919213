#!/usr/bin/python3
"""Independent oracle for embedkit's score normalisation, calibration/fusion and multi-utterance
enrollment (tests/scorers_verification_test.ts).

Run:  /usr/bin/python3 tests/golden/gen_score_norm_calibration.py   -> tests/golden/score_norm_calibration.json

- S-norm / AS-norm: WeSpeaker wespeaker/bin/score_norm.py `get_mean_std` reproduced literally (L2-normalise,
  cosine against the cohort, sort descending, mean / np.std of the top-n), with the cohort either as samples or
  as one mean embedding per speaker (tools/vector_mean.py).
- AS-norm2: the two z-scored terms averaged with separate top-X per side ('own-side'), and the variant that
  picks each side's cohort by the other side's closest entries ('other-side'), by explicit loops.
- Calibration / fusion: the BOSARIS prior-weighted logistic-regression objective minimised by
  scipy.optimize.minimize (BFGS, analytic gradient, tight tolerance).
"""
import json
import os

import numpy as np
from scipy.optimize import minimize

SEED = 7
rng = np.random.default_rng(SEED)
D = 16


def j32(a):
    """float32 values as their shortest round-trip text (exact once read into a Float32Array)."""
    return [float(str(v)) for v in np.asarray(a, dtype=np.float32).ravel()]


def f32(a):
    return np.asarray(a, dtype=np.float32)


def l2(x):
    return x / np.sqrt(np.sum(x**2, axis=1, keepdims=True))


# ---- WeSpeaker get_mean_std, literal ----------------------------------------------------------------
def get_mean_std(emb, cohort, top_n):
    emb = emb / np.sqrt(np.sum(emb**2, axis=1, keepdims=True))
    cohort = cohort / np.sqrt(np.sum(cohort**2, axis=1, keepdims=True))
    emb_cohort_score = np.matmul(emb, cohort.T)
    emb_cohort_score = np.sort(emb_cohort_score, axis=1)[:, ::-1]
    emb_cohort_score_topn = emb_cohort_score[:, :top_n]
    return np.mean(emb_cohort_score_topn, axis=1), np.std(emb_cohort_score_topn, axis=1)


def speaker_means(cohort, labels):
    order = list(dict.fromkeys(labels.tolist()))
    return np.stack([cohort[labels == l].mean(axis=0) for l in order])


def as_norm(scores, e_idx, t_idx, enroll, test, cohort, top_n):
    em, es = get_mean_std(enroll, cohort, top_n)
    tm, ts = get_mean_std(test, cohort, top_n)
    return 0.5 * ((scores - em[e_idx]) / es[e_idx] + (scores - tm[t_idx]) / ts[t_idx])


def as_norm2(scores, e_idx, t_idx, enroll, test, cohort, xe, xt, other):
    E = l2(enroll) @ l2(cohort).T
    T = l2(test) @ l2(cohort).T
    out = np.empty(len(scores))
    for k, (a, b) in enumerate(zip(e_idx, t_idx)):
        if other:
            sel_e = np.argsort(-T[b], kind="stable")[:xe]  # cohort closest to the test -> enrollment stats
            sel_t = np.argsort(-E[a], kind="stable")[:xt]
        else:
            sel_e = np.argsort(-E[a], kind="stable")[:xe]
            sel_t = np.argsort(-T[b], kind="stable")[:xt]
        se, st = E[a, sel_e], T[b, sel_t]
        out[k] = 0.5 * ((scores[k] - se.mean()) / se.std() + (scores[k] - st.mean()) / st.std())
    return out


# ---- BOSARIS-style prior-weighted logistic regression ----------------------------------------------
def train_fusion(systems, labels, prior, lam):
    X = np.vstack([systems, np.ones(systems.shape[1])]).T  # [n, S+1]
    tar, non = X[labels == 1], X[labels == 0]
    lp = np.log(prior / (1 - prior))
    wt, wn = prior / len(tar), (1 - prior) / len(non)
    S = systems.shape[0]

    def f(th):
        zt, zn = tar @ th + lp, non @ th + lp
        return wt * np.sum(np.logaddexp(0, -zt)) + wn * np.sum(np.logaddexp(0, zn)) + 0.5 * lam * np.sum(th[:S] ** 2)

    def g(th):
        zt, zn = tar @ th + lp, non @ th + lp
        gt = -wt * (1 / (1 + np.exp(zt))) @ tar
        gn = wn * (1 / (1 + np.exp(-zn))) @ non
        r = gt + gn
        r[:S] += lam * th[:S]
        return r

    res = minimize(f, np.zeros(S + 1), jac=g, method="BFGS", options={"gtol": 1e-13, "maxiter": 10000})
    return res.x, res.fun / np.log(2)


def main():
    out = {"seed": SEED, "generator": "tests/golden/gen_score_norm_calibration.py"}
    # --- embeddings: speaker centres + noise; enroll/test from 12 speakers, cohort from 30 others ---
    centres = rng.normal(0, 1, (42, D))
    spk_e = rng.integers(0, 12, 10)
    spk_t = rng.integers(0, 12, 25)
    enroll = f32(centres[spk_e] + 0.8 * rng.normal(0, 1, (10, D)) + 0.5)
    test = f32(centres[spk_t] + 0.8 * rng.normal(0, 1, (25, D)) + 0.5)
    coh_lab = np.sort(rng.integers(12, 42, 150))
    cohort = f32(centres[coh_lab] + 0.8 * rng.normal(0, 1, (150, D)) + 0.5)
    e_idx = np.repeat(np.arange(10), 25)
    t_idx = np.tile(np.arange(25), 10)
    e64, t64, c64 = enroll.astype(np.float64), test.astype(np.float64), cohort.astype(np.float64)
    raw = np.sum(l2(e64)[e_idx] * l2(t64)[t_idx], axis=1)
    spk_coh = speaker_means(c64, coh_lab)
    out["norm"] = {
        "dim": D,
        "enroll": j32(enroll),
        "test": j32(test),
        "cohort": j32(cohort),
        "cohort_labels": coh_lab.tolist(),
        "trial_enroll": e_idx.tolist(),
        "trial_test": t_idx.tolist(),
        "raw": raw.tolist(),
        "snorm": as_norm(raw, e_idx, t_idx, e64, t64, c64, len(c64)).tolist(),
        "asnorm_sample_top20": as_norm(raw, e_idx, t_idx, e64, t64, c64, 20).tolist(),
        "asnorm_speaker_top10": as_norm(raw, e_idx, t_idx, e64, t64, spk_coh, 10).tolist(),
        "snorm_speaker": as_norm(raw, e_idx, t_idx, e64, t64, spk_coh, len(spk_coh)).tolist(),
        "asnorm2_own_15_40": as_norm2(raw, e_idx, t_idx, e64, t64, c64, 15, 40, False).tolist(),
        "asnorm2_other_15_40": as_norm2(raw, e_idx, t_idx, e64, t64, c64, 15, 40, True).tolist(),
        "n_speakers_cohort": int(len(spk_coh)),
    }
    # --- multi-utterance enrollment: 3 models with 2-3 utterances from the enroll rows ---
    models = {"m1": [0, 1], "m2": [2, 3, 4], "m3": [5, 6, 7]}
    emb_mean = []
    score_mean = []
    tr = [(m, t) for m in models for t in range(0, 25, 3)]
    for m, t in tr:
        rows = models[m]
        mean_emb = np.mean(l2(e64[rows]), axis=0)
        emb_mean.append(float(mean_emb @ t64[t] / np.linalg.norm(mean_emb) / np.linalg.norm(t64[t])))
        score_mean.append(float(np.mean([l2(e64[[r]])[0] @ l2(t64[[t]])[0] for r in rows])))
    out["enrollment"] = {
        "models": {k: [f"u{r}" for r in v] for k, v in models.items()},
        "trials": [[m, f"t{t}"] for m, t in tr],
        "embedding_mean": emb_mean,
        "score_mean": score_mean,
    }
    # --- calibration / fusion ---
    def sys_scores(n_t, n_n):
        lat_t = rng.normal(0, 1, n_t)
        lat_n = rng.normal(0, 1, n_n)
        s1 = np.concatenate([1.8 + 1.0 * lat_t, 0.2 * rng.normal(0, 1, n_n) + 1.1 * lat_n])
        s2 = np.concatenate([0.6 * lat_t + 0.9 * rng.normal(0, 1, n_t) + 3.0, 0.4 * lat_n + 1.2 * rng.normal(0, 1, n_n) + 0.5])
        s3 = np.concatenate([rng.normal(0.9, 0.5, n_t), rng.normal(0.3, 0.5, n_n)])
        lab = np.concatenate([np.ones(n_t), np.zeros(n_n)]).astype(np.int8)
        perm = rng.permutation(n_t + n_n)
        return f32(np.vstack([s1, s2, s3])[:, perm]).astype(np.float64), lab[perm]

    dev, dev_lab = sys_scores(300, 2500)
    ev, _ = sys_scores(100, 600)
    cases = []
    for name, systems, prior, lam in [
        ("cal_sys0_p0.5", [0], 0.5, 0.0),
        ("cal_sys1_p0.1", [1], 0.1, 0.0),
        ("fusion_3_p0.5", [0, 1, 2], 0.5, 0.0),
        ("fusion_2_p0.01_reg", [0, 2], 0.01, 0.05),
    ]:
        th, obj = train_fusion(dev[systems], dev_lab, prior, lam)
        cases.append({
            "name": name,
            "systems": systems,
            "prior": prior,
            "regularization": lam,
            "weights": th[:-1].tolist(),
            "offset": float(th[-1]),
            "objective_bits": float(obj),
            "eval_llr": (th[:-1] @ ev[systems] + th[-1]).tolist(),
        })
    out["calibration"] = {
        "dev": [j32(s) for s in dev],
        "dev_labels": dev_lab.tolist(),
        "eval": [j32(s) for s in ev],
        "cases": cases,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "score_norm_calibration.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
