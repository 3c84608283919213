"""Golden for tests/pipelines_test.ts (ir-eval): Cranfield retrieval with scikit-learn
TfidfVectorizer(max_features=k). The tfidf-text backbone orders its dimensions by corpus term frequency,
so truncating its embeddings to k dims (Matryoshka) must equal max_features=k.

Run with a Python that has scikit-learn (Debian: /usr/bin/python3):
  /usr/bin/python3 tests/golden/pipelines_ir_maxfeatures.py ../shared/data/cranfield > tests/golden/pipelines_ir_maxfeatures.json
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ir_metrics_golden as g  # noqa: E402  (load_cranfield(), rank(), compute_metrics() with the evaluator's definitions)
import sklearn  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402

folder = sys.argv[1]
texts, queries, relevant = g.load_cranfield(folder)
out = {"generator": "tests/golden/pipelines_ir_maxfeatures.py", "sklearn": sklearn.__version__, "metrics": {}}
for k in [512, 128]:
    vec = TfidfVectorizer(max_features=k)
    D = vec.fit_transform(texts)
    Q = vec.transform(queries)
    S = (Q @ D.T).toarray()
    out["metrics"][str(k)] = g.compute_metrics(g.rank(S, 100), relevant)
json.dump(out, sys.stdout, indent=1)
sys.stdout.write("\n")
