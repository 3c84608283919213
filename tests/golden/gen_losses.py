#!/usr/bin/python3
"""Golden values for the loss plugins, from independent PyTorch implementations written here from
the papers' formulas (float64). Run with Debian's PyTorch:  /usr/bin/python3 tests/golden/gen_losses.py
Writes tests/golden/losses.json (inputs, loss values and gradients)."""
import json
import math
import os

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
g = torch.Generator().manual_seed(20240607)
B, D, C = 6, 5, 4
S, M = 32.0, 0.2

emb0 = torch.randn(B, D, generator=g)
W0 = torch.randn(C, D, generator=g)
labels = [0, 1, 2, 3, 0, 1]
# row 2 points almost opposite its class centre, so cos(theta_y) < th = cos(pi - m): the ArcFace fallback
emb0[2] = -W0[2] * 1.3 + 0.01 * torch.randn(D, generator=g)
pos0 = emb0 + 0.4 * torch.randn(B, D, generator=g)
hard0 = torch.randn(3, D, generator=g)
Wsub0 = torch.randn(2 * C, D, generator=g)
bias0 = 0.1 * torch.randn(C, generator=g)
cent0 = torch.randn(3, D, generator=g)
rbf0 = torch.randn(C, D, generator=g)
H = 7
dw1 = torch.randn(H, D, generator=g) * 0.5
db1 = torch.randn(H, generator=g) * 0.1
dw2 = torch.randn(2, H, generator=g) * 0.5
db2 = torch.randn(2, generator=g) * 0.1
pair_y = [0, 1, 0, 1, 1, 0]
tri_y = [0, 0, 1, 1, 2, 2]
langs = [0, 1, 0, 1, 1, 0]
domains = [0, 0, 1, 1, 0, 1]
y = torch.tensor(labels)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1)]


cases = {}


def run(name, fn, **tensors):
    ts = {k: v.clone().requires_grad_(True) for k, v in tensors.items()}
    loss = fn(**ts)
    loss.backward()
    cases[name] = {"loss": float(loss), "grads": {k: flat(v.grad) for k, v in ts.items()}}


def cosines(x, w):
    xn = x / x.norm(dim=1, keepdim=True)
    wn = w / w.norm(dim=1, keepdim=True)
    return xn @ wn.T


def ce(logits, target):
    # -log softmax written out
    lse = torch.log(torch.exp(logits - logits.max(1, keepdim=True).values).sum(1)) + logits.max(1).values
    return (lse - logits[torch.arange(len(target)), target]).mean()


run("softmax", lambda x, w, b: ce(x @ w.T + b, y), x=emb0, w=W0, b=bias0)


def am(x, w):
    cos = cosines(x, w)
    onehot = F.one_hot(y, C).double()
    return ce(S * (cos - M * onehot), y)


run("am-softmax", am, x=emb0, w=W0)


def arc_target(cy, easy):
    # theta-based: phi = cos(acos(c) + m), fallback below th = cos(pi - m)
    theta = torch.acos(cy.clamp(-1 + 1e-12, 1 - 1e-12))
    phi = torch.cos(theta + M)
    if easy:
        return torch.where(cy > 0, phi, cy)
    th = math.cos(math.pi - M)
    return torch.where(cy > th, phi, cy - math.sin(math.pi - M) * M)


def aam(x, w, easy=False, k=1):
    cos = cosines(x, w)
    if k > 1:
        cos = cos.view(B, C, k).max(dim=2).values
    cy = cos[torch.arange(B), y]
    logits = cos.clone()
    logits[torch.arange(B), y] = arc_target(cy, easy)
    return ce(S * logits, y)


run("aam-softmax", lambda x, w: aam(x, w), x=emb0, w=W0)
run("aam-softmax-easy", lambda x, w: aam(x, w, easy=True), x=emb0, w=W0)
run("aam-softmax-subcenter2", lambda x, w: aam(x, w, k=2), x=emb0, w=Wsub0)
cos_check = cosines(emb0, W0)[2, 2].item()
assert cos_check < math.cos(math.pi - M), "row 2 must exercise the fallback"


def real_am(x, w, variant):
    cos = cosines(x, w)
    total = 0
    for i in range(B):
        acc = 0
        for j in range(C):
            if j == labels[i]:
                continue
            v = torch.clamp(-S * (cos[i, labels[i]] - cos[i, j] - M), min=0)
            acc = acc + (torch.exp(v) if variant == "exp" else v)
        total = total + torch.log(1 + acc)
    return total / B


run("real-am-softmax-exp", lambda x, w: real_am(x, w, "exp"), x=emb0, w=W0)
run("real-am-softmax-relu", lambda x, w: real_am(x, w, "relu"), x=emb0, w=W0)


def contrastive(a, p):
    total = 0
    for i in range(B):
        d = torch.sqrt(((a[i] - p[i]) ** 2).sum())
        yy = pair_y[i]
        total = total + (1 - yy) * d ** 2 + yy * torch.clamp(1.0 - d, min=0) ** 2
    return total / B


run("contrastive", contrastive, a=emb0 * 0.3, p=pos0 * 0.3)


def triplet(x, mining, margin=0.3):
    n = len(tri_y)
    d = [[torch.sqrt(((x[i] - x[j]) ** 2).sum()) for j in range(n)] for i in range(n)]
    terms = []
    for a in range(n):
        pos = [j for j in range(n) if j != a and tri_y[j] == tri_y[a]]
        neg = [j for j in range(n) if tri_y[j] != tri_y[a]]
        if mining == "batch-hard":
            p = max(pos, key=lambda j: d[a][j].item())
            q = min(neg, key=lambda j: d[a][j].item())
            terms.append(torch.clamp(d[a][p] - d[a][q] + margin, min=0))
        else:
            for p in pos:
                farther = [j for j in neg if d[a][j].item() > d[a][p].item()]
                q = min(farther, key=lambda j: d[a][j].item()) if farther else max(neg, key=lambda j: d[a][j].item())
                terms.append(torch.clamp(d[a][p] - d[a][q] + margin, min=0))
    return sum(terms) / len(terms)


run("triplet-batch-hard", lambda x: triplet(x, "batch-hard"), x=emb0 * 0.3)
run("triplet-semi-hard", lambda x: triplet(x, "semi-hard"), x=emb0 * 0.3)


def cos_sim(a, b):
    return F.normalize(a, dim=1) @ F.normalize(b, dim=1).T


def mnrl(a, p, hard=None, symmetric=False, scale=20.0):
    cands = p if hard is None else torch.cat([p, hard])
    scores = cos_sim(a, cands) * scale
    target = torch.arange(a.shape[0])
    fwd = F.cross_entropy(scores, target)
    if not symmetric:
        return fwd
    bwd = F.cross_entropy(scores[:, : a.shape[0]].T, target)
    return (fwd + bwd) / 2


run("mnrl", lambda a, p: mnrl(a, p), a=emb0, p=pos0)
run("mnrl-hard", lambda a, p, n: mnrl(a, p, n), a=emb0, p=pos0, n=hard0)
run("mnrl-symmetric", lambda a, p: mnrl(a, p, symmetric=True), a=emb0, p=pos0)
run("matryoshka-mnrl", lambda a, p: 1.0 * mnrl(a, p) + 0.5 * mnrl(a[:, :3], p[:, :3]), a=emb0, p=pos0)
run("lang-invariant-within", lambda a, p: ((a - p) ** 2).mean(), a=emb0, p=pos0)


def lang_batch(x):
    la = torch.stack([x[i] for i in range(B) if langs[i] == 0]).mean(0)
    lb = torch.stack([x[i] for i in range(B) if langs[i] == 1]).mean(0)
    return ((la - lb) ** 2).mean()


run("lang-invariant-batch", lang_batch, x=emb0)


def ckm(z, mu, tau=0.5):
    d = ((z[:, None, :] - mu[None, :, :]) ** 2).sum(-1)
    s = torch.softmax(-d / tau, dim=1)
    return (s * d).sum(1).mean()


run("ckm", ckm, z=emb0, mu=cent0)


def rbf(z, c, gamma=0.5):
    d = ((z[:, None, :] - c[None, :, :]) ** 2).sum(-1)
    return F.cross_entropy(-gamma * d, y)


run("kshot-rbf", rbf, z=emb0, c=rbf0)
run("reconstruction-mse", lambda r, x: F.mse_loss(r, x), r=pos0, x=emb0)


class GradReverse(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, lam):
        ctx.lam = lam
        return x.view_as(x)

    @staticmethod
    def backward(ctx, gr):
        return -ctx.lam * gr, None


def dann(x, w1, b1, w2, b2):
    h = torch.relu(GradReverse.apply(x, 0.7) @ w1.T + b1)
    return F.cross_entropy(h @ w2.T + b2, torch.tensor(domains))


run("domain-adversarial", dann, x=emb0, w1=dw1, b1=db1, w2=dw2, b2=db2)

out = {
    "generator": "tests/golden/gen_losses.py (torch %s, float64)" % torch.__version__,
    "B": B, "D": D, "C": C, "scale": S, "margin": M,
    "inputs": {
        "emb": flat(emb0), "pos": flat(pos0), "hard": flat(hard0), "W": flat(W0), "Wsub": flat(Wsub0),
        "bias": flat(bias0), "centroids": flat(cent0), "rbf": flat(rbf0),
        "dw1": flat(dw1), "db1": flat(db1), "dw2": flat(dw2), "db2": flat(db2), "hidden": H,
        "labels": labels, "pairLabels": pair_y, "tripletLabels": tri_y, "languages": langs, "domains": domains,
    },
    "cases": cases,
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "losses.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", path, "cases:", ", ".join(cases))
