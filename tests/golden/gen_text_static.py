"""Golden for the static text model + MNRL + Matryoshka training (tests/text_train_test.ts).

An independent PyTorch implementation (Debian python3-torch 1.13): torch.nn.EmbeddingBag(mode="mean")
as sentence-transformers' StaticEmbedding pools; MultipleNegativesRankingLoss as sentence-transformers
computes it (cos_sim(anchors, [positives; hard negatives]) * scale, cross-entropy with labels
arange(B)); MatryoshkaLoss = sum_k w_k * MNRL(first d_k dims); torch.optim.AdamW with
transformers' get_linear_schedule_with_warmup (lr factor s/warmup, then (total-s)/(total-warmup)).
The same initial table and batches are written out, with the loss of every step (before its update)
and the table after the last step.

Run: /usr/bin/python3 tests/golden/gen_text_static.py  -> tests/golden/text_static_mnrl.json
"""
import json, os
import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
rng = np.random.default_rng(20240607)
V, D, B, STEPS = 60, 16, 6, 5
DIMS, WEIGHTS, SCALE = [16, 8, 4], [1.0, 0.5, 0.25], 20.0
LR, WD, WARMUP = 0.05, 0.01, 2

init = (rng.standard_normal((V, D)) * 0.3).astype(np.float32)
def seqs(n):  # id lists of length 1..7 (one empty text per batch: EmbeddingBag gives zeros)
    out = [rng.integers(0, V, size=int(rng.integers(1, 8))).tolist() for _ in range(n)]
    return out
batches = [{"anchors": seqs(B), "positives": seqs(B), "negatives": seqs(B)} for _ in range(STEPS)]
batches[1]["negatives"][2] = []  # an empty text

emb = torch.nn.EmbeddingBag(V, D, mode="mean")
emb.weight.data = torch.tensor(init)
def bag(ss):
    ids = torch.tensor([i for s in ss for i in s], dtype=torch.long)
    off = torch.tensor(np.cumsum([0] + [len(s) for s in ss[:-1]]), dtype=torch.long)
    return emb(ids, off)
opt = torch.optim.AdamW(emb.parameters(), lr=LR, weight_decay=WD)
sched = torch.optim.lr_scheduler.LambdaLR(
    opt, lambda s: s / max(1, WARMUP) if s < WARMUP else max(0.0, (STEPS - s) / max(1, STEPS - WARMUP)))

def mnrl(a, c):
    s = F.normalize(a, dim=1) @ F.normalize(c, dim=1).T * SCALE
    return F.cross_entropy(s, torch.arange(a.shape[0]))

losses, parts, grad0 = [], [], None
for step, b in enumerate(batches):
    a, p, n = bag(b["anchors"]), bag(b["positives"]), bag(b["negatives"])
    cands = torch.cat([p, n])
    terms = [w * mnrl(a[:, :d], cands[:, :d]) for d, w in zip(DIMS, WEIGHTS)]
    loss = sum(terms)
    opt.zero_grad()
    loss.backward()
    if step == 0:
        grad0 = emb.weight.grad.clone().numpy().ravel().tolist()
    opt.step()
    sched.step()
    losses.append(loss.item())
    parts.append([t.item() for t in terms])

out = {
    "V": V, "D": D, "dims": DIMS, "weights": WEIGHTS, "scale": SCALE, "lr": LR, "weightDecay": WD,
    "warmup": WARMUP, "steps": STEPS,
    "init": init.ravel().tolist(), "batches": batches,
    "losses": losses, "lossParts": parts, "grad0": grad0,
    "final": emb.weight.detach().numpy().ravel().tolist(),
}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "text_static_mnrl.json"), "w") as f:
    json.dump(out, f)
print(losses)
