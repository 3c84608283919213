"""Golden values for the `identification` metric (tests/speakers_metrics_test.ts).

An independent numpy/scipy implementation of pyannote.metrics' identification error rate, precision
and recall (pyannote/metrics/identification.py + matcher.py: per segment, a one-to-one matching of
reference and hypothesis labels maximising equal pairs, scipy.optimize.linear_sum_assignment on the
padded N x N cost 1 - match; None stands for pyannote's Unknown, and two Unknowns match; IER keeps
Unknowns, precision/recall drop them) and of top-N accuracy. Seeded; run:

    python3 tests/golden/gen_identification.py > tests/golden/identification.json
"""
import json

import numpy as np
from scipy.optimize import linear_sum_assignment


def same(r, h):
    return (r is None and h is None) or (r is not None and r == h)


def match(rs, hs):
    nr, nh = len(rs), len(hs)
    n = max(nr, nh)
    out = dict(total=nr, correct=0, confusion=0, miss=0, fa=0)
    if n == 0:
        return out
    m = np.zeros((n, n), dtype=bool)
    for i, r in enumerate(rs):
        for j, h in enumerate(hs):
            m[i, j] = same(r, h)
    rows, cols = linear_sum_assignment(1 - m.astype(float))
    for i, j in zip(rows, cols):
        if i >= nr:
            out["fa"] += 1
        elif j >= nh:
            out["miss"] += 1
        elif m[i, j]:
            out["correct"] += 1
        else:
            out["confusion"] += 1
    return out


def as_list(x):
    return list(x) if isinstance(x, list) else [x]


def metrics(ref, hyp, dur, ranked, wc=1.0, wm=1.0, wf=1.0, topn=(1, 5)):
    tot = dict(total=0.0, correct=0.0, confusion=0.0, miss=0.0, fa=0.0)
    retrieved = relevant = rel_ret = 0.0
    for r, h, d in zip(ref, hyp, dur):
        r, h = as_list(r), as_list(h)
        c = match(r, h)
        for k in tot:
            tot[k] += d * c[k]
        rk = [x for x in r if x is not None]
        hk = [x for x in h if x is not None]
        p = match(rk, hk)
        retrieved += d * len(hk)
        relevant += d * p["total"]
        rel_ret += d * p["correct"]
    num = wc * tot["confusion"] + wf * tot["fa"] + wm * tot["miss"]
    ier = (0.0 if num == 0 else 1.0) if tot["total"] == 0 else num / tot["total"]
    out = dict(
        ier=ier,
        precision=1.0 if retrieved == 0 else rel_ret / retrieved,
        recall=1.0 if relevant == 0 else rel_ret / relevant,
        total=tot["total"], correct=tot["correct"], confusion=tot["confusion"], miss=tot["miss"],
        falseAlarm=tot["fa"],
    )
    known = [i for i, r in enumerate(ref) if isinstance(r, str)]
    if ranked is not None and known:
        for n in topn:
            out["top%dAccuracy" % n] = sum(ref[i] in ranked[i][:n] for i in known) / len(known)
        out["topNSegments"] = len(known)
    return out


def random_case(rng, n, multi):
    names = ["alice", "bob", "carol", "dave", "eve"]
    pool = names + [None]

    def labels():
        if not multi:
            return pool[rng.integers(len(pool))]
        k = int(rng.integers(0, 4))
        return [pool[rng.integers(len(pool))] for _ in range(k)]

    ref = [labels() for _ in range(n)]
    hyp = [labels() for _ in range(n)]
    dur = [float(np.round(rng.uniform(0.1, 5.0), 3)) for _ in range(n)]
    ranked = [list(rng.permutation(names)) for _ in range(n)]
    return ref, hyp, dur, ranked


def main():
    rng = np.random.default_rng(20261204)
    cases = []
    # hand-checkable: 4 utterances; 2 correct, 1 confused, 1 out-of-set accepted as bob
    ref = ["alice", "bob", "carol", None]
    hyp = ["alice", "bob", "alice", "bob"]
    ranked = [["alice", "bob"], ["carol", "bob"], ["alice", "carol"], ["bob", "alice"]]
    cases.append(dict(name="hand", reference=ref, hypothesis=hyp, durations=[1, 1, 1, 1], ranked=ranked,
                      options={}, expected=metrics(ref, hyp, [1, 1, 1, 1], ranked)))
    for i, (n, multi) in enumerate([(30, False), (50, False), (40, True), (60, True)]):
        ref, hyp, dur, rk = random_case(rng, n, multi)
        opts = {} if i % 2 == 0 else dict(confusion=0.5, miss=2.0, falseAlarm=1.5, topN=[1, 3])
        exp = metrics(ref, hyp, dur, rk, wc=opts.get("confusion", 1.0), wm=opts.get("miss", 1.0),
                      wf=opts.get("falseAlarm", 1.0), topn=tuple(opts.get("topN", [1, 5])))
        cases.append(dict(name="random%d" % i, reference=ref, hypothesis=hyp, durations=dur, ranked=rk,
                          options=opts, expected=exp))
    print(json.dumps(dict(generator="tests/golden/gen_identification.py", seed=20261204, cases=cases), indent=1))


main()
