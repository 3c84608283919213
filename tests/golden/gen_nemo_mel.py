#!/usr/bin/python3
"""Golden NeMo mel-spectrogram features (FilterbankFeatures, TitaNet preprocessor config) for
tests/nemo_frontend_test.ts. Run from the repo root with Debian's python (torch + torchaudio):
    /usr/bin/python3 tests/golden/gen_nemo_mel.py
Writes tests/golden/nemo_mel.json.

Two references, both independent of embedkit's TypeScript:
  * `numpy64`: a float64 numpy implementation written from the definitions (symmetric Hann window
    centred in n_fft, zero centre padding, rfft, slaney mel filterbank built from librosa's formula since
    librosa is not installed here, ln(x + 2^-24), per-feature mean / unbiased std + 1e-5, masking,
    pad_to 16). This is the golden the test compares against.
  * `torch32`: NeMo's FilterbankFeatures.forward transcribed op for op (torch.stft with
    center=True, pad_mode="constant", torch.hann_window(periodic=False), float32), fed the numpy mel
    matrix rounded to float32 the way librosa stores it. Its max difference to numpy64 is recorded: it
    is the float32 noise any float32 implementation (NeMo itself) has against the float64 one.
Cases: a real LibriSpeech utterance (frames subsampled), a 0.5 s slice stored whole (all frames), the
same slice under the legacy rules (reflect padding, seq_len + 1), and an 8 kHz / 64-bin / hamming /
all_features case, plus the mel filterbank (sparse rows).
"""
import json
import math
import os

import numpy as np
import torch
import torchaudio

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data")
FILE = "librispeech/test-other/1688/1688-142285-0001.flac"
CONSTANT = 1e-5


def cfg(**kw):
    c = dict(sr=16000, window_size=0.025, window_stride=0.01, window="hann", n_fft=512, features=80,
             lowfreq=0.0, highfreq=None, preemph=0.97, guard=2.0 ** -24, normalize="per_feature", pad_to=16,
             pad_mode="constant", legacy_seq_len=False)
    c.update(kw)
    return c


# ---------- slaney mel filterbank, from librosa's definition (htk=False, norm="slaney") ----------
def hz_to_mel(f):
    f = np.asanyarray(f, dtype=np.float64)
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel, logstep = min_log_hz / f_sp, np.log(6.4) / 27.0
    return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-300) / min_log_hz) / logstep, f / f_sp)


def mel_to_hz(m):
    m = np.asanyarray(m, dtype=np.float64)
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel, logstep = min_log_hz / f_sp, np.log(6.4) / 27.0
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)


def slaney_mel(sr, n_fft, n_mels, fmin, fmax):
    fftfreqs = np.arange(n_fft // 2 + 1) * sr / n_fft
    mel_f = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fftfreqs[None, :]
    w = np.zeros((n_mels, len(fftfreqs)), dtype=np.float64)
    for i in range(n_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        w[i] = np.maximum(0, np.minimum(lower, upper))
    enorm = 2.0 / (mel_f[2:n_mels + 2] - mel_f[:n_mels])
    w32 = w.astype(np.float32)  # librosa fills a float32 array, then scales it in place
    w32 *= enorm[:, None]
    return w, enorm, w32


def window(kind, n):
    i = np.arange(n, dtype=np.float64)
    a = 2 * np.pi * i / (n - 1)
    return {"hann": 0.5 - 0.5 * np.cos(a), "hamming": 0.54 - 0.46 * np.cos(a)}[kind]


def sizes(c):
    win = int(c["window_size"] * c["sr"])
    hop = int(c["window_stride"] * c["sr"])
    return win, hop, c["n_fft"]


def seq_len_of(L, c):
    win, hop, n_fft = sizes(c)
    s = (L + n_fft // 2 * 2 - n_fft) // hop
    return s + 1 if c["legacy_seq_len"] else s


# ---------- reference 1: float64 numpy from the definitions ----------
def numpy64(x, c):
    win, hop, n_fft = sizes(c)
    x = np.asarray(x, dtype=np.float64)
    y = np.concatenate([x[:1], x[1:] - c["preemph"] * x[:-1]])
    half = n_fft // 2
    yp = np.pad(y, (half, half), mode="constant" if c["pad_mode"] == "constant" else "reflect")
    T = 1 + (len(yp) - n_fft) // hop
    wfull = np.zeros(n_fft)
    left = (n_fft - win) // 2
    wfull[left:left + win] = window(c["window"], win)
    frames = np.stack([yp[t * hop:t * hop + n_fft] * wfull for t in range(T)])  # [T, n_fft]
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2  # [T, bins]
    _, _, fb32 = slaney_mel(c["sr"], n_fft, c["features"], c["lowfreq"], c["highfreq"] or c["sr"] / 2)
    mel = power @ fb32.astype(np.float64).T  # [T, F]
    lm = np.log(mel + c["guard"])
    s = seq_len_of(len(x), c)
    v = lm[:s]
    if c["normalize"] == "per_feature":
        mean = v.mean(0)
        std = np.sqrt(((v - mean) ** 2).sum(0) / (s - 1)) + CONSTANT
    else:
        mean = np.full(lm.shape[1], v.mean())
        std = np.full(lm.shape[1], np.sqrt(((v - v.mean()) ** 2).sum() / (v.size - 1)) + CONSTANT)
    out = (lm - mean) / std
    out[s:] = 0.0
    rows = math.ceil(T / c["pad_to"]) * c["pad_to"]
    out = np.concatenate([out, np.zeros((rows - T, out.shape[1]))])
    return out, s, T, lm[:s].mean(0), mean, std


# ---------- reference 2: NeMo's FilterbankFeatures.forward, transcribed (float32 torch) ----------
def nemo_torch32(x, c):
    win, hop, n_fft = sizes(c)
    _, _, fb32 = slaney_mel(c["sr"], n_fft, c["features"], c["lowfreq"], c["highfreq"] or c["sr"] / 2)
    fb = torch.tensor(fb32, dtype=torch.float).unsqueeze(0)
    wfn = {"hann": torch.hann_window, "hamming": torch.hamming_window}[c["window"]]
    window_t = wfn(win, periodic=False)
    x = torch.tensor(np.asarray(x, dtype=np.float32)).unsqueeze(0)
    seq_len_time = torch.tensor([x.shape[1]])
    seq_len = torch.floor_divide(seq_len_time + n_fft // 2 * 2 - n_fft, hop)
    if c["legacy_seq_len"]:
        seq_len = seq_len + 1
    timemask = torch.arange(x.shape[1]).unsqueeze(0) < seq_len_time.unsqueeze(1)
    x = torch.cat((x[:, 0].unsqueeze(1), x[:, 1:] - c["preemph"] * x[:, :-1]), dim=1)
    x = x.masked_fill(~timemask, 0.0)
    x = torch.stft(x, n_fft=n_fft, hop_length=hop, win_length=win, center=True, window=window_t,
                   return_complex=True, pad_mode=c["pad_mode"])
    x = torch.view_as_real(x)
    x = torch.sqrt(x.pow(2).sum(-1))
    x = x.pow(2.0)
    x = torch.matmul(fb.to(x.dtype), x)
    x = torch.log(x + c["guard"])
    # normalize_batch (current vectorised form)
    if c["normalize"] == "per_feature":
        B, _, Tm = x.shape
        valid = torch.arange(Tm).unsqueeze(0).expand(B, Tm) < seq_len.unsqueeze(1)
        num = torch.where(valid.unsqueeze(1), x, 0.0).sum(axis=2)
        den = valid.sum(axis=1)
        mean = num / den.unsqueeze(1)
        std = torch.sqrt(torch.sum(torch.where(valid.unsqueeze(1), x - mean.unsqueeze(2), 0.0) ** 2, axis=2)
                         / (den.unsqueeze(1) - 1.0))
        std = std.masked_fill(std.isnan(), 0.0) + CONSTANT
        x = (x - mean.unsqueeze(2)) / std.unsqueeze(2)
    else:
        s = int(seq_len[0])
        mean = x[0, :, :s].mean()
        std = x[0, :, :s].std() + CONSTANT
        x = (x - mean) / std
    Tm = x.size(-1)
    mask = torch.arange(Tm).repeat(x.size(0), 1) >= seq_len.unsqueeze(1)
    x = x.masked_fill(mask.unsqueeze(1), 0.0)
    pad_amt = x.size(-1) % c["pad_to"]
    if pad_amt != 0:
        x = torch.nn.functional.pad(x, (0, c["pad_to"] - pad_amt), value=0.0)
    return x[0].numpy().T.astype(np.float64), int(seq_len[0])  # [T, F]


def r6(a):
    return [round(float(v), 6) for v in np.ravel(a)]


def main():
    path = os.path.join(SHARED, FILE)
    wav, sr = torchaudio.load(path)
    audio = wav[0].numpy().astype(np.float32)
    assert sr == 16000
    short = audio[8000:8000 + 8037]  # 0.5 s + 37 samples: 50 valid frames of 51, padded to 64
    out = {"generator": "tests/golden/gen_nemo_mel.py", "torch": torch.__version__, "numpy": np.__version__,
           "file": FILE, "cases": []}
    cases = [
        ("libri_titanet", None, audio, cfg(), "rows"),
        ("slice_titanet", [8000, 8037], short, cfg(), "all"),
        ("slice_legacy", [8000, 8037], short, cfg(pad_mode="reflect", legacy_seq_len=True), "rows"),
        ("slice_8k_hamming_all", [8000, 8037], short[::2].copy(),
         cfg(sr=8000, n_fft=256, features=64, window="hamming", normalize="all_features", lowfreq=20.0,
             highfreq=3800.0), "rows"),
    ]
    for name, sl, x, c, store in cases:
        ref, s, T, raw_mean, mean, std = numpy64(x, c)
        t32, s32 = nemo_torch32(x, c)
        assert s32 == s and t32.shape == ref.shape, (s32, s, t32.shape, ref.shape)
        d = float(np.abs(t32 - ref).max())
        case = {"name": name, "slice": sl, "samples": len(x), "options": c, "seq_len": s, "stft_frames": T,
                "rows": ref.shape[0], "torch32_vs_numpy64_max_abs": d, "raw_mean": r6(raw_mean),
                "mean": r6(mean), "std": r6(std)}
        if store == "all":
            case["frame_index"] = list(range(ref.shape[0]))
        else:
            n = ref.shape[0]
            case["frame_index"] = sorted(set([0, 1, 2, 3, s // 3, s // 2, 2 * s // 3, s - 2, s - 1, s, n - 1]))
        case["values"] = [r6(ref[i]) for i in case["frame_index"]]
        out["cases"].append(case)
        print(name, "samples", len(x), "seq_len", s, "stft", T, "rows", ref.shape[0], "torch32 vs numpy64", d)
    w, enorm, w32 = slaney_mel(16000, 512, 80, 0.0, 8000.0)
    out["melbank_16k_512_80"] = [
        {"start": int(np.nonzero(r)[0][0]), "values": [float(f"{v:.9g}") for v in r[np.nonzero(r)[0][0]:np.nonzero(r)[0][-1] + 1]]}
        for r in w32]
    out["hann_400_symmetric"] = {"index": [0, 1, 100, 199, 200, 399], "values": r6(window("hann", 400)[[0, 1, 100, 199, 200, 399]]),
                                 "torch": r6(torch.hann_window(400, periodic=False).numpy()[[0, 1, 100, 199, 200, 399]])}
    with open(os.path.join(os.path.dirname(__file__), "nemo_mel.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
