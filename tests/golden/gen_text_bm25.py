"""Golden values for core/retrieval/bm25.ts and the `bm25` backbone (tests/bm25_test.ts).

Independent implementation: scikit-learn's CountVectorizer (default token pattern, lower-case) for the
tokens, numpy for Okapi BM25 with Lucene's idf ln(1 + (N - df + 0.5) / (df + 0.5)), k1 = 1.2, b = 0.75,
query terms counted as often as they occur. Metrics: sentence-transformers InformationRetrievalEvaluator
definitions computed here with numpy on a stable ranking (ties: lower corpus row first).

Writes tests/golden/text_bm25.json:
- `tiny`: a 7-document corpus and 4 queries -> full BM25 score matrix;
- `dev`: card metrics on ../shared/data/debian-descriptions/dev.jsonl.gz (queries = anchors, corpus =
  positives) for BM25 and for TF-IDF (TfidfVectorizer defaults, as the `tfidf-text` backbone; and
  sublinear_tf=True, the README's TF-IDF setting).
Run: /usr/bin/python3 tests/golden/gen_text_bm25.py   (Debian python3-sklearn, python3-numpy)
"""
import gzip, json, os
import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

HERE = os.path.dirname(os.path.abspath(__file__))
DEV = os.path.join(HERE, "..", "..", "..", "shared", "data", "debian-descriptions", "dev.jsonl.gz")


def bm25_matrix(queries, corpus, k1=1.2, b=0.75):
    cv = CountVectorizer().fit(corpus)
    X = cv.transform(corpus).tocsr().astype(np.float64)
    Q = cv.transform(queries).astype(np.float64)
    N = X.shape[0]
    df = np.bincount(X.indices, minlength=X.shape[1])
    dl = np.asarray(X.sum(1)).ravel()
    avg = dl.mean()
    idf = np.log(1 + (N - df + 0.5) / (df + 0.5))
    C = X.tocoo()
    w = C.data * (k1 + 1) / (C.data + k1 * (1 - b + b * dl[C.row] / avg)) * idf[C.col]
    W = sp.csr_matrix((w, (C.row, C.col)), shape=X.shape)
    return (Q @ W.T).toarray()


def card_metrics(S):
    """S: queries x corpus scores, query i's one relevant passage is row i."""
    n = S.shape[0]
    order = np.argsort(-S, axis=1, kind="stable")[:, :100]
    hit = order == np.arange(n)[:, None]
    r = np.where(hit.any(1), hit.argmax(1), 10**9)  # 0-based rank of the relevant passage
    out = {}
    for k in (1, 3, 5, 10):
        a = float((r < k).mean())
        out[f"accuracy@{k}"] = a
        out[f"precision@{k}"] = a / k
        out[f"recall@{k}"] = a
    out["mrr@10"] = float(np.where(r < 10, 1 / (r + 1), 0).mean())
    out["ndcg@10"] = float(np.where(r < 10, 1 / np.log2(np.minimum(r, 10**6) + 2), 0).mean())
    out["map@100"] = float(np.where(r < 100, 1 / (r + 1), 0).mean())
    return out


tiny_corpus = [
    "The quick brown fox jumps over the lazy dog",
    "A fast brown fox; foxes are quick and brown",
    "Lazy dogs sleep all day, lazy lazy dogs",
    "Python library for parsing JSON lines files",
    "Rust crate: JSON parsing, fast and safe JSON",
    "Café crème — naïve résumé of a café",
    "x y z a b",  # only 1-character tokens: an empty document for the analyzer
]
tiny_queries = ["quick brown fox", "json json parser library", "café résumé", "lazy dog lazy"]
out = {
    "tiny": {
        "corpus": tiny_corpus,
        "queries": tiny_queries,
        "k1": 1.2,
        "b": 0.75,
        "scores": bm25_matrix(tiny_queries, tiny_corpus).tolist(),
    }
}
if os.path.exists(DEV):
    rows = [json.loads(l) for l in gzip.open(DEV, "rt", encoding="utf-8")]
    Q = [r["anchor"] for r in rows]
    D = [r["positive"] for r in rows]
    dev = {"pairs": len(rows), "bm25": card_metrics(bm25_matrix(Q, D))}
    for name, kw in (("tfidf", {}), ("tfidf_sublinear", {"sublinear_tf": True})):
        tv = TfidfVectorizer(**kw).fit(D)
        dev[name] = card_metrics((tv.transform(Q) @ tv.transform(D).T).toarray())
    out["dev"] = dev
with open(os.path.join(HERE, "text_bm25.json"), "w") as f:
    json.dump(out, f, indent=1)
print(json.dumps(out.get("dev", {}), indent=1))
