"""Anchor side of bench/text_train_bench.ts: PyTorch (1 thread) training throughput of the static text
model: EmbeddingBag(mean) [V, D] + MatryoshkaLoss(MNRL with one hard negative, dims D/256/128/64) +
AdamW, on the same synthetic batch (token id t of text i = (i * 7919 + t * 104729 + 13) mod V).

  /usr/bin/python3 bench/text_train_bench.py --serve V D B LA LP
prints {"ready": torch version}, then answers each stdin line "static STEPS" with {"sps": pairs/s}.
"""
import json, sys, time
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
V, D, B, LA, LP = (int(x) for x in sys.argv[2:7])
DIMS = [d for d in (D, 256, 128, 64) if d <= D]


def ids(n, length, base):
    return [[(((base + i) * 7919 + t * 104729 + 13) % V) for t in range(length)] for i in range(n)]


emb = torch.nn.EmbeddingBag(V, D, mode="mean")
torch.nn.init.normal_(emb.weight, std=0.1)
opt = torch.optim.AdamW(emb.parameters(), lr=0.1, weight_decay=0.0)


def bag(seqs):
    flat = torch.tensor([i for s in seqs for i in s])
    off = torch.tensor([0] + [len(s) for s in seqs[:-1]]).cumsum(0)
    return flat, off


A, P, N = bag(ids(B, LA, 0)), bag(ids(B, LP, B)), bag(ids(B, LP, 2 * B))
labels = torch.arange(B)


def step():
    a, c = emb(*A), torch.cat([emb(*P), emb(*N)])
    loss = sum(F.cross_entropy(F.normalize(a[:, :d]) @ F.normalize(c[:, :d]).T * 20, labels) for d in DIMS)
    opt.zero_grad()
    loss.backward()
    opt.step()


for _ in range(2):
    step()
print(json.dumps({"ready": torch.__version__}), flush=True)
for line in sys.stdin:
    name, steps = line.split()
    t0 = time.perf_counter()
    for _ in range(int(steps)):
        step()
    print(json.dumps({"sps": int(steps) * B / (time.perf_counter() - t0)}), flush=True)
