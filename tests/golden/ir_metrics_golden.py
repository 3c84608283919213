#!/usr/bin/env python3
"""Golden values for core/retrieval (ir_metrics.ts, tfidf.ts, cranfield.ts).

Run with Debian's system python (needs python3-sklearn):
    /usr/bin/python3 tests/golden/ir_metrics_golden.py ../shared/data/cranfield
Writes tests/golden/ir_metrics.json with
  1. Cranfield + sklearn TfidfVectorizer (default settings, fitted on the documents): the
     sentence-transformers InformationRetrievalEvaluator metrics, re-implemented here from its
     compute_metrics loop, plus a few TF-IDF scores for spot checks;
  2. a small synthetic dense set (float32 values) evaluated at several Matryoshka dims
     (truncate + L2-renormalise), for the multi-dim path.
Ranking: scores rounded to 1e-10 (floor(s*1e10+0.5)/1e10), then a stable descending sort, so ties
(and 1e-16 differences in summation order) are broken by the lower corpus index on both sides.
"""
import json
import os
import re
import sys

import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer

ACC = [1, 3, 5, 10]
PR = [1, 3, 5, 10]
MRR = [10]
NDCG = [10]
MAP = [100]


def smart(path):
    """SMART records: list of (id, {field: text}); repeated fields joined by newline."""
    recs, field = [], None
    with open(path, encoding="utf-8", newline="") as f:
        text = f.read()
    for line in re.split(r"\r\n|\n|\r", text):
        m = re.match(r"^\.([A-Z])(?:\s+(\S+))?\s*$", line)
        if m and m.group(1) == "I":
            recs.append((m.group(2), {}))
            field = None
        elif m and not m.group(2):
            field = m.group(1)
            d = recs[-1][1]
            d[field] = d[field] + "\n" if field in d else ""
        elif line.strip():
            d = recs[-1][1]
            prev = d[field]
            d[field] = prev + "\n" + line if prev and not prev.endswith("\n") else prev + line
    return recs


def compute_metrics(rankings, relevant):
    """sentence-transformers InformationRetrievalEvaluator.compute_metrics, binary relevance."""
    def dcg(rel, k):
        return sum(rel[i] / np.log2(i + 2) for i in range(min(len(rel), k)))

    acc = {k: 0 for k in ACC}
    prec = {k: [] for k in PR}
    rec = {k: [] for k in PR}
    mrr = {k: 0 for k in MRR}
    ndcg = {k: [] for k in NDCG}
    ap = {k: [] for k in MAP}
    n = 0
    for hits, rel in zip(rankings, relevant):
        if not rel:
            continue
        n += 1
        for k in ACC:
            for h in hits[:k]:
                if h in rel:
                    acc[k] += 1
                    break
        for k in PR:
            c = sum(1 for h in hits[:k] if h in rel)
            prec[k].append(c / k)
            rec[k].append(c / len(rel))
        for k in MRR:
            for r, h in enumerate(hits[:k]):
                if h in rel:
                    mrr[k] += 1.0 / (r + 1)
                    break
        for k in NDCG:
            pred = [1 if h in rel else 0 for h in hits[:k]]
            ndcg[k].append(dcg(pred, k) / dcg([1] * len(rel), k))
        for k in MAP:
            c, s = 0, 0
            for r, h in enumerate(hits[:k]):
                if h in rel:
                    c += 1
                    s += c / (r + 1)
            ap[k].append(s / min(k, len(rel)))
    out = {}
    for name, ks, value in (
        ("accuracy", ACC, lambda k: acc[k] / n),
        ("precision", PR, lambda k: float(np.mean(prec[k]))),
        ("recall", PR, lambda k: float(np.mean(rec[k]))),
        ("mrr", MRR, lambda k: mrr[k] / n),
        ("ndcg", NDCG, lambda k: float(np.mean(ndcg[k]))),
        ("map", MAP, lambda k: float(np.mean(ap[k]))),
    ):
        for k in ks:
            out[f"{name}@{k}"] = value(k)
    out["queries"] = n
    return out


def rank(scores, k):
    s = np.floor(scores * 1e10 + 0.5) / 1e10
    return [list(np.argsort(-row, kind="stable")[:k]) for row in s]


def load_cranfield(folder):
    """Cranfield as core/retrieval/cranfield.ts reads it: document texts (title + words, ids <= 1400),
    query texts, and per query the set of relevant document rows (cranqrel relevance >= 1)."""
    docs = [(str(int(i)), f) for i, f in smart(os.path.join(folder, "cran.all.1400")) if int(i) <= 1400]
    texts = ["\n".join(x for x in (f.get("T", "").strip(), f.get("W", "").strip()) if x) for _, f in docs]
    queries = [f.get("W", "").strip() for _, f in smart(os.path.join(folder, "cran.qry"))]
    doc_index = {d: j for j, (d, _) in enumerate(docs)}
    relevant = [set() for _ in queries]
    with open(os.path.join(folder, "cranqrel"), encoding="utf-8", newline="") as f:
        for line in f:
            p = line.split()
            if len(p) >= 3 and int(p[2]) >= 1:
                relevant[int(p[0]) - 1].add(doc_index[str(int(p[1]))])
    return texts, queries, relevant


def cranfield(folder):
    texts, queries, relevant = load_cranfield(folder)
    vec = TfidfVectorizer()  # defaults: lowercase, token_pattern (?u)\b\w\w+\b, smooth idf, l2
    D = vec.fit_transform(texts)
    Q = vec.transform(queries)
    S = (Q @ D.T).toarray()
    rankings = rank(S, 100)
    spots = [[qi, dj, float(S[qi, dj])] for qi, dj in [(0, 0), (0, 183), (0, 12), (10, 500), (224, 1399), (100, 99)]]
    return {
        "docs": len(texts),
        "queries": len(queries),
        "vocabulary": len(vec.vocabulary_),
        "judged_pairs": sum(len(r) for r in relevant),
        "spot_scores": spots,
        "top5_query1": [int(x) for x in rankings[0][:5]],
        "metrics": compute_metrics(rankings, relevant),
    }


def matryoshka():
    rs = np.random.RandomState(11)
    nq, nd, dim = 30, 120, 16
    base = rs.randn(nd, dim)
    corpus = base.astype(np.float32)
    # Each query is a noisy copy of 1-3 documents, which are its relevant set.
    relevant, qs = [], []
    for i in range(nq):
        rel = list(rs.choice(nd, size=rs.randint(1, 4), replace=False))
        if i % 10 == 9:
            rel = []  # dropped by the evaluator
        src = base[rel].mean(axis=0) if rel else rs.randn(dim)
        qs.append(src + 0.9 * rs.randn(dim))
        relevant.append(sorted(int(r) for r in rel))
    queries = np.array(qs).astype(np.float32)
    out = {}
    for d in [16, 8, 4]:
        q = queries[:, :d].astype(np.float64)
        c = corpus[:, :d].astype(np.float64)
        q /= np.linalg.norm(q, axis=1, keepdims=True)
        c /= np.linalg.norm(c, axis=1, keepdims=True)
        rankings = [list(np.argsort(-row, kind="stable")[:100]) for row in q @ c.T]
        out[str(d)] = compute_metrics(rankings, [set(r) for r in relevant])
    return {
        "queries": queries.astype(float).tolist(),
        "corpus": corpus.astype(float).tolist(),
        "relevant": relevant,
        "dims": [16, 8, 4],
        "metrics": out,
    }


if __name__ == "__main__":
    folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), "..", "..", "..", "shared", "data", "cranfield")
    result = {
        "generator": "tests/golden/ir_metrics_golden.py",
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "ranking": "scores rounded to 1e-10, stable descending sort (lower index first on ties)",
        "cranfield_tfidf": cranfield(folder),
        "matryoshka": matryoshka(),
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ir_metrics.json")
    with open(path, "w") as f:
        json.dump(result, f)
    print(f"wrote {path}")
    print(json.dumps(result["cranfield_tfidf"]["metrics"], indent=1))
