"""Anchor side of bench/train_bench.ts: PyTorch (1 thread) training throughput of the same models (head,
TDNN, and the ResNet34 / ECAPA-TDNN of tests/golden/gen_resnet_ecapa.py at the widths the TS side uses).

Usage:
  /usr/bin/python3 bench/train_bench.py HEAD_BATCH HEAD_STEPS TDNN_BATCH TDNN_FRAMES TDNN_STEPS
      prints one JSON line: {"head": samples_per_sec, "tdnn": samples_per_sec, "torch": version}
      (best of 3 rounds each).
  /usr/bin/python3 bench/train_bench.py --serve HEAD_BATCH TDNN_BATCH TDNN_FRAMES
      builds and warms up both models, prints {"ready": version}, then answers each stdin line
      "head STEPS" or "tdnn STEPS" with {"sps": samples_per_sec} of one timed round. The TypeScript
      side interleaves its own rounds with these, so both see the same load on a shared machine.
"""
import json
import math
import sys
import time

import os

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "golden"))
import gen_resnet_ecapa as conv_models  # noqa: E402  (ResNet, Ecapa, aam: the parity test's models)

torch.set_num_threads(1)
torch.manual_seed(0)


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


class Trainer:
    """One model + loss + Adam on a fixed batch; round(steps) times `steps` training steps."""

    def __init__(self, model, loss, x, y):
        self.model, self.loss, self.x, self.y = model, loss, x, y
        self.opt = torch.optim.Adam(list(model.parameters()) + list(loss.parameters()), lr=1e-3)
        for _ in range(3):  # warm-up
            self.step()

    def step(self):
        self.opt.zero_grad()
        self.loss(self.model(self.x), self.y).backward()
        self.opt.step()

    def round(self, steps):
        t0 = time.perf_counter()
        for _ in range(steps):
            self.step()
        return steps * self.x.shape[0] / (time.perf_counter() - t0)


def make(hb, tb, tf, resnet_m=8, ecapa_c=128):
    head = nn.Sequential(nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 512))
    x, y = torch.randn(tb, 80, tf), torch.randint(0, 100, (tb,))
    resnet = conv_models.ResNet(80, resnet_m, [3, 4, 6, 3], 256, False)
    ecapa = conv_models.Ecapa(80, ecapa_c, 3 * ecapa_c, 128, 128, 8, 192)
    return {
        "head": Trainer(head, AAM(512, 1000), torch.randn(hb, 512), torch.randint(0, 1000, (hb,))),
        "tdnn": Trainer(Tdnn(), AAM(128, 100), x, y),
        "resnet": Trainer(resnet, AAM(256, 100), x, y),
        "ecapa": Trainer(ecapa, AAM(192, 100), x, y),
    }


if sys.argv[1] == "--serve":
    hb, tb, tf = map(int, sys.argv[2:5])
    rm, ec = (int(v) for v in sys.argv[5:7]) if len(sys.argv) >= 7 else (8, 128)
    trainers = make(hb, tb, tf, rm, ec)
    print(json.dumps({"ready": torch.__version__}), flush=True)
    for line in sys.stdin:
        name, steps = line.split()
        print(json.dumps({"sps": trainers[name].round(int(steps))}), flush=True)
else:
    hb, hs, tb, tf, ts = map(int, sys.argv[1:6])
    trainers = make(hb, tb, tf)
    best = {k: max(t.round(s) for _ in range(3)) for k, t, s in [("head", trainers["head"], hs), ("tdnn", trainers["tdnn"], ts)]}
    print(json.dumps({"head": best["head"], "tdnn": best["tdnn"], "torch": torch.__version__}))
