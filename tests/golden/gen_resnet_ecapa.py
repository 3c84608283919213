"""Golden values for tests/resnet_ecapa_test.ts: tiny ResNet, ResNet-SE and ECAPA-TDNN in PyTorch
(Debian python3-torch), written independently from the architectures' descriptions (WeSpeaker's
resnet.py / ecapa_tdnn.py layouts, Hu et al.'s SE block), with parameter names equal to embedkit's
state dicts. For each model: seeded weights (and BN running statistics), a batch [B, F, T] and labels,
AAM-softmax (s=32, m=0.2, the insightface fallback below cos(pi - m)) over the embeddings in
training mode (batch statistics), then the loss, every parameter's gradient, the running statistics
after the step and the eval-mode embeddings. Computed in float64 (the test's float32 result is
compared within 1e-4 relative).

    /usr/bin/python3 tests/golden/gen_resnet_ecapa.py   # writes tests/golden/resnet_ecapa.json

bench/train_bench.py imports the model classes (ResNet, Ecapa, aam) from here as its PyTorch anchor.
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class SE(nn.Module):
    def __init__(self, c, h):
        super().__init__()
        self.linear1, self.linear2 = nn.Linear(c, h), nn.Linear(h, c)

    def forward(self, x):
        s = x.mean(dim=tuple(range(2, x.dim())))
        s = torch.sigmoid(self.linear2(F.relu(self.linear1(s))))
        return x * s.reshape(s.shape + (1,) * (x.dim() - 2))


class Block(nn.Module):
    def __init__(self, cin, planes, stride, se):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.se = SE(planes, max(1, planes // 2)) if se else None
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != planes:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        if self.se is not None:
            y = self.se(y)
        return F.relu(y + self.shortcut(x))


class Front(nn.Module):
    def __init__(self, m, blocks, se):
        super().__init__()
        self.conv1 = nn.Conv2d(1, m, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(m)
        cin = m
        for li, n in enumerate(blocks):
            planes, layers = m * 2**li, []
            for b in range(n):
                layers.append(Block(cin, planes, 2 if b == 0 and li > 0 else 1, se))
                cin = planes
            setattr(self, f"layer{li + 1}", nn.Sequential(*layers))
        self.n = len(blocks)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        for li in range(self.n):
            x = getattr(self, f"layer{li + 1}")(x)
        return x


class ResNet(nn.Module):
    def __init__(self, feat, m, blocks, emb, se):
        super().__init__()
        self.front = Front(m, blocks, se)
        self.seg_1 = nn.Linear(feat // 2 ** (len(blocks) - 1) * m * 2 ** (len(blocks) - 1) * 2, emb)

    def forward(self, x):  # x [B, F, T]
        y = self.front(x.unsqueeze(1))
        y = y.reshape(y.shape[0], -1, y.shape[-1])
        return self.seg_1(torch.cat([y.mean(-1), torch.sqrt(y.var(-1, unbiased=True) + 1e-7)], 1))


class ConvReluBn(nn.Module):
    def __init__(self, cin, cout, k, d=1):
        super().__init__()
        self.conv = nn.Conv1d(cin, cout, k, padding=d * (k - 1) // 2, dilation=d)
        self.bn = nn.BatchNorm1d(cout)

    def forward(self, x):
        return self.bn(F.relu(self.conv(x)))


class Res2(nn.Module):
    def __init__(self, c, d, scale):
        super().__init__()
        self.w, self.scale = c // scale, scale
        self.convs = nn.ModuleList([nn.Conv1d(self.w, self.w, 3, padding=d, dilation=d) for _ in range(scale - 1)])
        self.bns = nn.ModuleList([nn.BatchNorm1d(self.w) for _ in range(scale - 1)])

    def forward(self, x):
        parts, out, sp = torch.split(x, self.w, 1), [], None
        for i in range(self.scale - 1):
            sp = parts[i] if i == 0 else sp + parts[i]
            sp = self.bns[i](F.relu(self.convs[i](sp)))
            out.append(sp)
        return torch.cat(out + [parts[-1]], 1)


class SeRes2Block(nn.Sequential):
    def __init__(self, c, d, scale, se):
        super().__init__(ConvReluBn(c, c, 1), Res2(c, d, scale), ConvReluBn(c, c, 1), SE(c, se))

    def forward(self, x):
        return x + super().forward(x)


class Astp(nn.Module):
    def __init__(self, c, att):
        super().__init__()
        self.linear1, self.linear2 = nn.Conv1d(3 * c, att, 1), nn.Conv1d(att, c, 1)

    def forward(self, x):
        m = x.mean(-1, keepdim=True).expand_as(x)
        s = torch.sqrt(x.var(-1, keepdim=True, unbiased=True) + 1e-7).expand_as(x)
        a = torch.softmax(self.linear2(torch.tanh(self.linear1(torch.cat([x, m, s], 1)))), dim=2)
        mean = (a * x).sum(2)
        var = (a * x * x).sum(2) - mean**2
        return torch.cat([mean, torch.sqrt(var.clamp(min=1e-7))], 1)


class Ecapa(nn.Module):
    def __init__(self, feat, c, mfa, att, se, scale, emb):
        super().__init__()
        self.layer1 = ConvReluBn(feat, c, 5)
        self.layer2, self.layer3, self.layer4 = (SeRes2Block(c, d, scale, se) for d in (2, 3, 4))
        self.conv = nn.Conv1d(3 * c, mfa, 1)
        self.pool = Astp(mfa, att)
        self.bn = nn.BatchNorm1d(2 * mfa)
        self.linear = nn.Linear(2 * mfa, emb)

    def forward(self, x):
        o1 = self.layer1(x)
        o2 = self.layer2(o1)
        o3 = self.layer3(o1 + o2)
        o4 = self.layer4(o1 + o2 + o3)
        h = F.relu(self.conv(torch.cat([o2, o3, o4], 1)))
        return self.linear(self.bn(self.pool(h)))


def aam(emb, w, y, s=32.0, m=0.2):
    cos = F.linear(F.normalize(emb), F.normalize(w))
    sin = torch.sqrt((1.0 - cos * cos).clamp(0, 1))
    phi = cos * math.cos(m) - sin * math.sin(m)
    phi = torch.where(cos > math.cos(math.pi - m), phi, cos - math.sin(math.pi - m) * m)
    onehot = F.one_hot(y, cos.shape[1]).to(cos.dtype)
    return F.cross_entropy(s * (onehot * phi + (1 - onehot) * cos), y)


def r8(a):
    """Values rounded to 8 significant digits (what the JSON holds, so both sides use the same numbers)."""
    return np.array([float(f"{v:.8g}") for v in np.asarray(a, dtype=np.float64).ravel()]).reshape(np.shape(a))


def case(name, model, feat, T, B, classes, seed):
    rng = np.random.default_rng(seed)
    state = {}
    with torch.no_grad():
        for k, v in model.state_dict().items():
            if k.endswith("num_batches_tracked"):
                continue
            if k.endswith("running_var"):
                t = rng.uniform(0.5, 1.5, v.shape)
            elif k.endswith("running_mean"):
                t = 0.1 * rng.standard_normal(v.shape)
            elif "bn" in k or ".shortcut.1." in k:
                t = (1.0 if k.endswith("weight") else 0.0) + 0.1 * rng.standard_normal(v.shape)
            else:
                fan_in = int(np.prod(v.shape[1:])) if v.dim() > 1 else v.shape[0]
                t = rng.standard_normal(v.shape) / math.sqrt(fan_in)
            t = r8(t)
            v.copy_(torch.from_numpy(t))
            state[k] = {"shape": list(v.shape), "data": t.ravel().tolist()}
    x = r8(rng.standard_normal((B, feat, T)))
    y = rng.integers(0, classes, B)
    emb_dim = model.seg_1.out_features if hasattr(model, "seg_1") else model.linear.out_features
    w = r8(rng.standard_normal((classes, emb_dim)) / math.sqrt(emb_dim))
    model.train()
    W = torch.tensor(w, requires_grad=True)
    loss = aam(model(torch.tensor(x)), W, torch.tensor(y))
    loss.backward()
    grads = {k: r8(p.grad.numpy()).ravel().tolist() for k, p in model.named_parameters()}
    running = {k: r8(v.numpy()).ravel().tolist() for k, v in model.state_dict().items() if "running" in k}
    model.eval()
    with torch.no_grad():
        # eval forward with the ORIGINAL running statistics (the test reloads the state dict)
        for k, v in model.state_dict().items():
            if k in state:
                v.copy_(torch.tensor(state[k]["data"]).reshape(v.shape))
        ev = model(torch.tensor(x)).numpy()
    return {
        "name": name,
        "x": {"shape": [B, feat, T], "data": x.ravel().tolist()},
        "labels": y.tolist(),
        "aam": {"shape": [classes, emb_dim], "data": w.ravel().tolist(), "grad": r8(W.grad.numpy()).ravel().tolist()},
        "state": state,
        "loss": loss.item(),
        "grads": grads,
        "running_after": running,
        "eval_embeddings": {"shape": list(ev.shape), "data": r8(ev).ravel().tolist()},
    }


def main():
    torch.manual_seed(0)
    cases = [
        case("resnet", ResNet(16, 2, [1, 1, 1, 1], 8, False), 16, 16, 4, 5, 1),
        case("resnet-se", ResNet(16, 2, [1, 1, 1, 1], 8, True), 16, 16, 4, 5, 2),
        case("ecapa", Ecapa(12, 8, 12, 4, 4, 4, 6), 12, 20, 4, 5, 3),
    ]
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "resnet_ecapa.json")
    with open(out, "w") as f:
        json.dump({"generator": "tests/golden/gen_resnet_ecapa.py", "torch": torch.__version__, "cases": cases}, f)
    print(f"wrote {out} ({os.path.getsize(out)} bytes)")


if __name__ == "__main__":
    torch.set_default_dtype(torch.float64)
    main()
