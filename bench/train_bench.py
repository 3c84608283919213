"""Anchor side of bench/train_bench.ts: PyTorch (1 thread) training throughput of the same two models.

Usage: /usr/bin/python3 bench/train_bench.py HEAD_BATCH HEAD_STEPS TDNN_BATCH TDNN_FRAMES TDNN_STEPS
Prints one JSON line: {"head": samples_per_sec, "tdnn": samples_per_sec, "torch": version}.
"""
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
torch.manual_seed(0)
hb, hs, tb, tf, ts = map(int, sys.argv[1:6])


class AAM(nn.Module):
    def __init__(self, dim, classes, s=32.0, m=0.2):
        super().__init__()
        self.w = nn.Parameter(torch.randn(classes, dim) * 0.05)
        self.s, self.m = s, m
        self.th, self.mm = math.cos(math.pi - m), math.sin(math.pi - m) * m

    def forward(self, x, y):
        cos = F.linear(F.normalize(x), F.normalize(self.w))
        sin = torch.sqrt((1.0 - cos * cos).clamp(0, 1))
        phi = cos * math.cos(self.m) - sin * math.sin(self.m)
        phi = torch.where(cos > self.th, phi, cos - self.mm)
        onehot = F.one_hot(y, cos.shape[1]).to(cos.dtype)
        return F.cross_entropy(self.s * (onehot * phi + (1 - onehot) * cos), y)


def bench(model, loss, make_batch, steps, batch):
    opt = torch.optim.Adam(list(model.parameters()) + list(loss.parameters()), lr=1e-3)
    x, y = make_batch()
    for _ in range(3):  # warm-up
        opt.zero_grad()
        loss(model(x), y).backward()
        opt.step()
    best = 0.0
    for _ in range(3):  # best of 3 rounds, as the TypeScript side
        t0 = time.perf_counter()
        for _ in range(steps):
            opt.zero_grad()
            loss(model(x), y).backward()
            opt.step()
        best = max(best, steps * batch / (time.perf_counter() - t0))
    return best


head = nn.Sequential(nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 512))
head_sps = bench(head, AAM(512, 1000), lambda: (torch.randn(hb, 512), torch.randint(0, 1000, (hb,))), hs, hb)


class Tdnn(nn.Module):
    def __init__(self):
        super().__init__()
        chans, ks, ds = [256, 256, 256], [5, 3, 3], [1, 2, 3]
        layers, cin = [], 80
        for c, k, d in zip(chans, ks, ds):
            layers += [nn.Conv1d(cin, c, k, dilation=d), nn.ReLU(), nn.BatchNorm1d(c)]
            cin = c
        self.frames = nn.Sequential(*layers)
        self.embed = nn.Linear(2 * cin, 128)

    def forward(self, x):
        h = self.frames(x)
        mu = h.mean(2)
        sd = torch.sqrt(h.var(2, unbiased=False) + 1e-5)
        return self.embed(torch.cat([mu, sd], 1))


tdnn_sps = bench(Tdnn(), AAM(128, 100), lambda: (torch.randn(tb, 80, tf), torch.randint(0, 100, (tb,))), ts, tb)
print(json.dumps({"head": head_sps, "tdnn": tdnn_sps, "torch": torch.__version__}))
