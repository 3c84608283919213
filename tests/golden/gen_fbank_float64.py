#!/usr/bin/python3
"""Every-frame fbank oracles for real speech (issue 17, item 4).

For each real recording (LibriSpeech test-other, AMI, 8 kHz Asterisk telephone prompt) and each embedkit
preset (kaldi, wespeaker, 3dspeaker, sherpa-onnx; before CMN, dither 0) this writes, for EVERY frame:
  - F: a float64 Kaldi fbank written here from Kaldi's algorithm (feature-window.cc, mel-computations.cc,
    feature-fbank.cc): frames (snip-edges or Kaldi's reflection at the edges), DC removal, pre-emphasis
    (x[0] -= c*x[0]), povey/hamming/hanning window, zero-padding to a power of two, numpy's float64 FFT,
    power spectrum, Kaldi's triangular mel banks (1127 ln(1 + f/700), Nyquist bin excluded), log with
    Kaldi's floor FLT_EPSILON. No float32 anywhere after the samples (which are float32 in every toolkit).
  - T: torchaudio.compliance.kaldi.fbank (Debian python3-torchaudio) on the same float32 waveform, in
    float32, as WeSpeaker / 3D-Speaker call it.
The oracle is checked against torchaudio run entirely in float64 (default dtype float64, so its mel
banks are float64 too): they agree to ~1e-11 on every case (asserted).
Stored compactly in tests/golden/fbank_float64.npz: F quantised to 2^-16 (int32, error <= 7.7e-6, stored
as 4 byte planes [4, frames*bins] uint8 so zlib can squeeze the slowly varying high bytes) and
T - F quantised to 2^-20 (int16: the differences are < 0.03), per case; plus a JSON summary with the
max |T - F| per case (torchaudio's own distance from float64) and, for the Kaldi arks in
kaldi-fbank-reference, real Kaldi's distance from this float64 oracle.
Run from the repo root:  /usr/bin/python3 tests/golden/gen_fbank_float64.py
"""
import json
import os

import numpy as np
import torch
import torchaudio
import torchaudio.compliance.kaldi as K

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "..", "shared", "data")
FLT_EPS = float(np.finfo(np.float32).eps)
Q_F, Q_D = 2.0 ** 16, 2.0 ** 20

FILES = [
    ("libri", "librispeech/test-other/1688/1688-142285-0001.flac"),
    ("ami", "ami/trn01.wav"),
    ("asterisk8k", "asterisk/en_US_f_Allison/agent-alreadyon.wav"),
]
# embedkit's presets (core/features/options.ts) without dither and CMN; 8 kHz audio keeps each preset's
# options at its own rate, with 40 bins where the preset has 80 (80 bins do not fit a 256-point FFT).
PRESETS = {
    "kaldi": dict(window="povey", bins=23, scale=32768.0, snip=True, high=0.0),
    "wespeaker": dict(window="hamming", bins=80, scale=32768.0, snip=True, high=0.0),
    "3dspeaker": dict(window="povey", bins=80, scale=1.0, snip=True, high=0.0),
    "sherpa-onnx": dict(window="povey", bins=80, scale=32768.0, snip=False, high=-400.0),
}


def frames_of(x, win, shift, snip):
    n_samp = len(x)
    if snip:
        n = 0 if n_samp < win else 1 + (n_samp - win) // shift
        starts = np.arange(n) * shift
    else:
        n = (n_samp + shift // 2) // shift
        starts = np.arange(n) * shift + shift // 2 - win // 2
    idx = starts[:, None] + np.arange(win)[None, :]
    if not snip:  # Kaldi's ExtractWindow: reflect around the edges
        idx = np.where(idx < 0, -idx - 1, idx)
        idx = np.where(idx >= n_samp, 2 * n_samp - 1 - idx, idx)
    return x[idx]


def window_of(kind, n):
    a = 2 * np.pi / (n - 1)
    i = np.arange(n)
    if kind == "hanning":
        return 0.5 - 0.5 * np.cos(a * i)
    if kind == "hamming":
        return 0.54 - 0.46 * np.cos(a * i)
    if kind == "povey":
        return (0.5 - 0.5 * np.cos(a * i)) ** 0.85
    raise ValueError(kind)


def mel(f):
    return 1127.0 * np.log(1.0 + f / 700.0)


def mel_banks(bins, sr, nfft, low, high):
    nyq = 0.5 * sr
    if high <= 0:
        high += nyq
    n_fft_bins = nfft // 2
    lo, hi = mel(low), mel(high)
    delta = (hi - lo) / (bins + 1)
    m = mel(np.arange(n_fft_bins) * sr / nfft)
    W = np.zeros((bins, n_fft_bins))
    for b in range(bins):
        left, center, right = lo + b * delta, lo + (b + 1) * delta, lo + (b + 2) * delta
        up = (m - left) / (center - left)
        down = (right - m) / (right - center)
        W[b] = np.where((m > left) & (m < right), np.minimum(up, down), 0.0)
    return W


def fbank64(samples32, sr, p):
    x = samples32.astype(np.float64) * p["scale"]
    win, shift = int(sr * 0.025), int(sr * 0.010)
    fr = frames_of(x, win, shift, p["snip"]).copy()
    fr -= fr.mean(axis=1, keepdims=True)
    prev = np.concatenate([fr[:, :1], fr[:, :-1]], axis=1)
    fr = fr - 0.97 * prev
    fr *= window_of(p["window"], win)[None, :]
    nfft = 1 << (win - 1).bit_length()
    spec = np.abs(np.fft.rfft(fr, n=nfft, axis=1)) ** 2
    W = mel_banks(p["bins"], sr, nfft, 20.0, p["high"])
    e = spec[:, : nfft // 2] @ W.T
    return np.log(np.maximum(e, FLT_EPS))


def torchaudio_fbank(samples32, sr, p):
    w = torch.from_numpy(samples32.astype(np.float32))[None, :] * p["scale"]
    f = K.fbank(w, num_mel_bins=p["bins"], window_type=p["window"], dither=0.0, snip_edges=p["snip"],
                high_freq=p["high"], sample_frequency=float(sr))
    return f.numpy().astype(np.float64)


def torchaudio_fbank_float64(samples32, sr, p):
    """torchaudio with EVERYTHING in float64 (its mel banks follow the default dtype): a second,
    independent implementation of the float64 oracle; the two must agree to ~1e-11."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        w = torch.from_numpy(samples32.astype(np.float64))[None, :] * p["scale"]
        return K.fbank(w, num_mel_bins=p["bins"], window_type=p["window"], dither=0.0, snip_edges=p["snip"],
                       high_freq=p["high"], sample_frequency=float(sr)).numpy()
    finally:
        torch.set_default_dtype(old)


def main():
    arrays, summary = {}, {"generator": "tests/golden/gen_fbank_float64.py",
                           "torchaudio": torchaudio.__version__, "numpy": np.__version__,
                           "quantisation": {"F": Q_F, "T_minus_F": Q_D}, "cases": []}
    for name, rel in FILES:
        w, sr = torchaudio.load(os.path.join(SHARED, rel))
        s32 = w[0].numpy().astype(np.float32)
        for preset, p0 in PRESETS.items():
            p = dict(p0)
            if sr == 8000 and p["bins"] == 80:
                p["bins"] = 40
            F = fbank64(s32, sr, p)
            T = torchaudio_fbank(s32, sr, p)
            assert F.shape == T.shape, (name, preset, F.shape, T.shape)
            cross = float(np.abs(torchaudio_fbank_float64(s32, sr, p) - F).max())
            assert cross < 1e-9, (name, preset, cross)
            key = f"{name}__{preset}"
            qF = np.round(F * Q_F)
            d = T - qF / Q_F
            assert np.abs(d).max() * Q_D < 32767, (key, np.abs(d).max())
            # byte planes of the little-endian int32 (4 x n: the slowly varying high bytes compress well)
            arrays[f"{key}__F"] = qF.astype("<i4").view(np.uint8).reshape(-1, 4).T.copy()
            arrays[f"{key}__D"] = np.round(d * Q_D).astype(np.int16)
            ta = float(np.abs(T - F).max())
            summary["cases"].append({
                "key": key, "file": rel, "sample_rate": int(sr), "preset": preset, "frames": int(F.shape[0]),
                "bins": int(F.shape[1]), "options": p, "torchaudio_vs_float64_max_abs": ta,
                "oracle_vs_torchaudio_all_float64_max_abs": cross,
            })
            print(f"{key}: {F.shape[0]} frames x {F.shape[1]} bins; torchaudio vs float64 max {ta:.3e}")
    # real Kaldi (compute-fbank-feats, float32) against this float64 oracle: what 'Kaldi's own float32
    # arithmetic' costs
    kal = []
    ref = os.path.join(SHARED, "kaldi-fbank-reference")
    w, sr = torchaudio.load(os.path.join(ref, "test.wav"))
    s32 = w[0].numpy().astype(np.float32)
    for file, bins, snip in [("test.txt", 23, True), ("test-40.txt", 40, True), ("test-40-no-snip-edges.txt", 40, False)]:
        rows = [r.replace("]", "").split() for r in open(os.path.join(ref, file)).read().split("\n")[1:]]
        A = np.array([[float(v) for v in r] for r in rows if r])
        F = fbank64(s32, sr, dict(window="povey", bins=bins, scale=32768.0, snip=snip, high=0.0))
        kal.append({"file": file, "kaldi_vs_float64_max_abs": float(np.abs(A - F).max())})
        print(file, "kaldi vs float64", kal[-1]["kaldi_vs_float64_max_abs"])
    summary["kaldi_arks"] = kal
    np.savez_compressed(os.path.join(HERE, "fbank_float64.npz"), **arrays)
    with open(os.path.join(HERE, "fbank_float64.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print("npz bytes", os.path.getsize(os.path.join(HERE, "fbank_float64.npz")))


if __name__ == "__main__":
    main()
