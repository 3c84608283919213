#!/usr/bin/python3
"""Golden reference for embedkit's ONNX writer (tests/onnx_test.ts).

For each model written by tests/golden/write_onnx_models.ts:
  1. onnx.checker.check_model(full_check=True) with Debian's python3-onnx (an independent protobuf
     reader and shape inferencer);
  2. an independent forward pass in PyTorch (F.conv1d / F.conv2d / F.batch_norm / torch.var), written
     from the architectures' definitions (WeSpeaker resnet.py / TDNN, TSTP pooling), using the weights
     read back from the ONNX initializers, on a fixed seeded input stored in the output.

Run: deno run -A tests/golden/write_onnx_models.ts /tmp/ek-onnx
     /usr/bin/python3 tests/golden/check_onnx.py /tmp/ek-onnx > tests/golden/onnx_check.json
"""
import hashlib
import json
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

d = sys.argv[1] if len(sys.argv) > 1 else "/tmp/ek-onnx"
T = 48
rng = np.random.default_rng(2024)
feats = rng.standard_normal((2, T, 80)).astype(np.float32)
head_in = rng.standard_normal((3, 32)).astype(np.float32)


def bn(x, W, p, eps=1e-5):
    return F.batch_norm(x, W[p + ".running_mean"], W[p + ".running_var"], W[p + ".weight"], W[p + ".bias"], False, 0.0, eps)


def tstp(x):  # WeSpeaker TSTP: mean and sqrt(unbiased var + 1e-7) over time
    return torch.cat([x.mean(dim=-1), torch.sqrt(torch.var(x, dim=-1, unbiased=True) + 1e-7)], dim=1)


def xvector(W, x):
    x = x.permute(0, 2, 1)
    for i, (k, dil) in enumerate([(5, 1), (3, 2), (3, 3), (1, 1), (1, 1)]):
        p = f"frame_{i + 1}"
        x = F.conv1d(x, W[p + ".conv.weight"], W[p + ".conv.bias"], dilation=dil)
        x = bn(F.relu(x), W, p + ".bn")
    return F.linear(tstp(x), W["seg_1.weight"], W["seg_1.bias"])


def resnet(W, x, blocks=(1, 2, 1, 1)):
    x = x.permute(0, 2, 1).unsqueeze(1)
    x = F.relu(bn(F.conv2d(x, W["front.conv1.weight"], padding=1), W, "front.bn1"))
    for li, n in enumerate(blocks):
        for b in range(n):
            p = f"front.layer{li + 1}.{b}"
            stride = 2 if b == 0 and li > 0 else 1
            y = F.relu(bn(F.conv2d(x, W[p + ".conv1.weight"], stride=stride, padding=1), W, p + ".bn1"))
            y = bn(F.conv2d(y, W[p + ".conv2.weight"], padding=1), W, p + ".bn2")
            sc = x
            if p + ".shortcut.0.weight" in W:
                sc = bn(F.conv2d(x, W[p + ".shortcut.0.weight"], stride=stride), W, p + ".shortcut.1")
            x = F.relu(y + sc)
    x = x.reshape(x.shape[0], x.shape[1] * x.shape[2], x.shape[3])
    return F.linear(tstp(x), W["seg_1.weight"], W["seg_1.bias"])


def ecapa(W, x, scale=8):
    def crb(p, x, dil=1):
        k = W[p + ".conv.weight"].shape[-1]
        y = F.conv1d(x, W[p + ".conv.weight"], W[p + ".conv.bias"], padding=(k - 1) // 2 * dil, dilation=dil)
        return bn(F.relu(y), W, p + ".bn")

    def block(p, x, dil):
        y = crb(p + ".0", x)
        spx = torch.chunk(y, scale, dim=1)
        outs = []
        for i in range(scale - 1):
            sp = spx[i] if i == 0 else sp + spx[i]
            sp = F.conv1d(sp, W[f"{p}.1.convs.{i}.weight"], W[f"{p}.1.convs.{i}.bias"], padding=dil, dilation=dil)
            sp = bn(F.relu(sp), W, f"{p}.1.bns.{i}")
            outs.append(sp)
        outs.append(spx[scale - 1])
        y = crb(p + ".2", torch.cat(outs, dim=1))
        s = y.mean(dim=2)
        s = F.relu(F.linear(s, W[p + ".3.linear1.weight"], W[p + ".3.linear1.bias"]))
        s = torch.sigmoid(F.linear(s, W[p + ".3.linear2.weight"], W[p + ".3.linear2.bias"]))
        return y * s.unsqueeze(2)

    x = x.permute(0, 2, 1)
    out1 = crb("layer1", x)
    out2 = block("layer2", out1, 2) + out1
    out3 = block("layer3", out1 + out2, 3) + out1 + out2
    out4 = block("layer4", out1 + out2 + out3, 4) + out1 + out2 + out3
    h = F.relu(F.conv1d(torch.cat([out2, out3, out4], dim=1), W["conv.weight"], W["conv.bias"]))
    # ASTP with global context (WeSpeaker pooling_layers.ASTP)
    cm = h.mean(dim=-1, keepdim=True).expand_as(h)
    cs = torch.sqrt(torch.var(h, dim=-1, keepdim=True) + 1e-7).expand_as(h)
    a = torch.tanh(F.conv1d(torch.cat([h, cm, cs], dim=1), W["pool.linear1.weight"], W["pool.linear1.bias"]))
    a = torch.softmax(F.conv1d(a, W["pool.linear2.weight"], W["pool.linear2.bias"]), dim=2)
    mean = torch.sum(a * h, dim=2)
    var = torch.sum(a * h ** 2, dim=2) - mean ** 2
    pooled = torch.cat([mean, torch.sqrt(var.clamp(min=1e-7))], dim=1)
    return F.linear(bn(pooled, W, "bn"), W["linear.weight"], W["linear.bias"])


def head(W, x):
    x = F.relu(F.linear(x, W["fc1.weight"], W["fc1.bias"]))
    x = F.linear(x, W["fc2.weight"], W["fc2.bias"])
    return F.normalize(x, dim=1)


out = {"generator": "tests/golden/check_onnx.py", "onnx_version": onnx.__version__, "torch_version": torch.__version__,
       "feats_shape": list(feats.shape), "feats": feats.ravel().tolist(), "head_in_shape": list(head_in.shape),
       "head_in": head_in.ravel().tolist(), "models": {}}
for name, fn, inp in [("xvector-small", xvector, feats), ("resnet-small", resnet, feats), ("ecapa-small", ecapa, feats), ("linear-head", head, head_in)]:
    path = f"{d}/{name}.onnx"
    raw = open(path, "rb").read()
    m = onnx.load_from_string(raw)
    onnx.checker.check_model(m, full_check=True)
    W = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in m.graph.initializer}
    with torch.no_grad():
        y = fn(W, torch.from_numpy(inp).double() if False else torch.from_numpy(inp))
    out["models"][name] = {
        "sha256": hashlib.sha256(raw).hexdigest(),
        "checker": "ok",
        "ir_version": m.ir_version,
        "opset": m.opset_import[0].version,
        "inputs": [i.name for i in m.graph.input],
        "outputs": [o.name for o in m.graph.output],
        "metadata": {p.key: p.value for p in m.metadata_props},
        "nodes": len(m.graph.node),
        "output_shape": list(y.shape),
        "torch_output": [float(v) for v in y.numpy().ravel()],
    }
json.dump(out, sys.stdout)
print()
