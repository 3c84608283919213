#!/usr/bin/python3
"""Golden reference for embedkit's PyanNet ONNX builder (core/onnx/models/pyannet.ts).

An independent PyTorch PyanNet written from pyannote.audio's published architecture
(models/segmentation/PyanNet.py, models/blocks/sincnet.py) and asteroid-filterbanks' ParamSincFB
(param_sinc_fb.py: the sinc filters are recomputed here from low_hz_ / band_hz_), using torch.nn.LSTM,
nn.InstanceNorm1d, nn.MaxPool1d, nn.Conv1d and nn.Linear. It loads the state dict embedkit drew
(PyTorch names and layouts; load_state_dict must accept every key, so the names are pyannote's), runs in
float64 on the fixed inputs, and stores the log-probabilities. python3-onnx's checker validates the
ONNX file.

Run: deno run -A tests/golden/write_pyannet.ts /tmp/ek-pyannet
     /usr/bin/python3 tests/golden/gen_pyannet.py /tmp/ek-pyannet > tests/golden/pyannet.json
"""
import hashlib
import json
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

d = sys.argv[1] if len(sys.argv) > 1 else "/tmp/ek-pyannet"


class ParamSincFB(nn.Module):
    """asteroid_filterbanks.ParamSincFB(80, 251, stride, sample_rate=16000, min_low_hz=50, min_band_hz=50)."""

    def __init__(self, n_filters=80, kernel_size=251, stride=10, sample_rate=16000, min_low_hz=50, min_band_hz=50):
        super().__init__()
        self.n_filters, self.kernel_size, self.stride = n_filters, kernel_size, stride
        self.sample_rate, self.min_low_hz, self.min_band_hz = sample_rate, min_low_hz, min_band_hz
        self.half_kernel = kernel_size // 2
        self.low_hz_ = nn.Parameter(torch.zeros(n_filters // 2, 1))
        self.band_hz_ = nn.Parameter(torch.zeros(n_filters // 2, 1))
        self.register_buffer("window_", torch.from_numpy(np.hamming(kernel_size)[: self.half_kernel]).float())
        self.register_buffer("n_", 2 * np.pi * (torch.arange(-self.half_kernel, 0.0).view(1, -1) / sample_rate))

    def make_filters(self, low, high, kind):
        band = (high - low)[:, 0]
        ft_low, ft_high = torch.matmul(low, self.n_), torch.matmul(high, self.n_)
        if kind == "cos":
            left = ((torch.sin(ft_high) - torch.sin(ft_low)) / (self.n_ / 2)) * self.window_
            center, right = 2 * band.view(-1, 1), torch.flip(left, dims=[1])
        else:
            left = ((torch.cos(ft_low) - torch.cos(ft_high)) / (self.n_ / 2)) * self.window_
            center, right = torch.zeros_like(band.view(-1, 1)), -torch.flip(left, dims=[1])
        bp = torch.cat([left, center, right], dim=1) / (2 * band[:, None])
        return bp.view(self.n_filters // 2, 1, self.kernel_size)

    def filters(self):
        low = self.min_low_hz + torch.abs(self.low_hz_)
        high = torch.clamp(low + self.min_band_hz + torch.abs(self.band_hz_), self.min_low_hz, self.sample_rate / 2)
        return torch.cat([self.make_filters(low, high, "cos"), self.make_filters(low, high, "sin")], dim=0)

    def forward(self, x):  # asteroid Encoder: conv1d with the filterbank, no padding
        return F.conv1d(x, self.filters(), stride=self.stride)


class Encoder(nn.Module):
    def __init__(self, fb):
        super().__init__()
        self.filterbank = fb

    def forward(self, x):
        return self.filterbank(x)


class SincNet(nn.Module):
    def __init__(self, stride=10):
        super().__init__()
        self.wav_norm1d = nn.InstanceNorm1d(1, affine=True)
        self.conv1d = nn.ModuleList([Encoder(ParamSincFB(stride=stride)), nn.Conv1d(80, 60, 5), nn.Conv1d(60, 60, 5)])
        self.pool1d = nn.ModuleList([nn.MaxPool1d(3, stride=3) for _ in range(3)])
        self.norm1d = nn.ModuleList([nn.InstanceNorm1d(c, affine=True) for c in (80, 60, 60)])

    def forward(self, w):
        out = self.wav_norm1d(w)
        for c, (conv, pool, norm) in enumerate(zip(self.conv1d, self.pool1d, self.norm1d)):
            out = conv(out)
            if c == 0:
                out = torch.abs(out)
            out = F.leaky_relu(norm(pool(out)))
        return out


class PyanNet(nn.Module):
    def __init__(self, hidden=128, layers=4, linear=128, nlin=2, classes=7):
        super().__init__()
        self.sincnet = SincNet()
        self.lstm = nn.LSTM(60, hidden, num_layers=layers, bidirectional=True, batch_first=True, dropout=0.0)
        dims = [2 * hidden] + [linear] * nlin
        self.linear = nn.ModuleList([nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:])])
        self.classifier = nn.Linear(dims[-1], classes)

    def forward(self, w):
        out, _ = self.lstm(self.sincnet(w).permute(0, 2, 1))
        for lin in self.linear:
            out = F.leaky_relu(lin(out))
        return F.log_softmax(self.classifier(out), dim=-1)


def load(name):
    index = json.load(open(f"{d}/{name}.json"))
    raw = np.fromfile(f"{d}/{name}.bin", dtype="<f4")
    return index, raw


meta, raw = load("state")
state = {t["name"]: torch.from_numpy(raw[t["offset"]: t["offset"] + t["length"]].reshape(t["shape"]).copy())
         for t in meta["tensors"]}
model = PyanNet()
missing, unexpected = model.load_state_dict(state, strict=False)
assert set(missing) == {"sincnet.conv1d.0.filterbank.window_", "sincnet.conv1d.0.filterbank.n_"}, missing
assert not unexpected, unexpected
model = model.double().eval()

onnx_model = onnx.load(f"{d}/model.onnx")
onnx.checker.check_model(onnx_model, full_check=True)

inputs, raw_in = load("inputs")
outputs = []
with torch.no_grad():
    for t in inputs:
        x = raw_in[t["offset"]: t["offset"] + t["length"]].reshape(t["shape"])
        y = model(torch.from_numpy(x.astype(np.float64))).numpy()
        outputs.append({
            "input_shape": t["shape"],
            "input_sha256": hashlib.sha256(x.astype("<f4").tobytes()).hexdigest(),
            "output_shape": list(y.shape),
            "output": [float(f"{v:.7g}") for v in y.reshape(-1)],
            "argmax_counts": np.bincount(y.argmax(-1).reshape(-1), minlength=7).tolist(),
        })

print(json.dumps({
    "generator": "tests/golden/gen_pyannet.py (PyTorch %s, float64)" % torch.__version__,
    "seed": meta["seed"],
    "parameters": int(sum(p.numel() for p in model.parameters())),
    "state_sha256": hashlib.sha256(raw.tobytes()).hexdigest(),
    "checker": "ok",
    "metadata": {p.key: p.value for p in onnx_model.metadata_props},
    "cases": outputs,
}, indent=1))
