#!/usr/bin/python3
"""Golden fbank features from torchaudio.compliance.kaldi.fbank (Debian python3-torchaudio), an
implementation independent of ours, for real speech at 80 bins. Run from the repo root:
    /usr/bin/python3 tests/golden/gen_fbank_torchaudio.py
Writes tests/golden/fbank_torchaudio.json: per case the options, the frame count, ~12 selected frames
(rounded to 1e-5) and the per-bin mean over all frames. Also sliding-window CMN goldens from
torchaudio.functional.sliding_window_cmn on a small fixed matrix."""
import json, os
import numpy as np
import torch, torchaudio
import torchaudio.compliance.kaldi as K

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data")
CASES = [
    # (name, file, torchaudio kwargs, our option names, scale by 32768)
    ("libri_wespeaker", "librispeech/test-other/1688/1688-142285-0001.flac",
     dict(num_mel_bins=80, window_type="hamming", dither=0.0), True),
    ("libri_3dspeaker", "librispeech/test-other/1998/1998-15444-0000.flac",
     dict(num_mel_bins=80, dither=0.0), False),
    ("ami_sherpa", "ami/trn01.wav",
     dict(num_mel_bins=80, dither=0.0, snip_edges=False, high_freq=-400.0), True),
    ("asterisk_8k_energy", "asterisk/en_US_f_Allison/agent-alreadyon.wav",
     dict(num_mel_bins=40, dither=0.0, sample_frequency=8000.0, use_energy=True, window_type="hanning",
          preemphasis_coefficient=0.0, remove_dc_offset=False, low_freq=64.0, high_freq=3800.0), True),
]


def r5(a):
    return [round(float(v), 5) for v in a]


out = {"generator": "tests/golden/gen_fbank_torchaudio.py", "torchaudio": torchaudio.__version__, "cases": []}
for name, rel, kw, scale in CASES:
    path = os.path.join(SHARED, rel)
    if not os.path.exists(path):  # pick the first file of that folder (names vary between copies)
        d = os.path.dirname(path)
        path = os.path.join(d, sorted(f for f in os.listdir(d) if f.endswith((".flac", ".wav")))[0])
        rel = os.path.relpath(path, SHARED)
    w, sr = torchaudio.load(path)
    w = w[:1].to(torch.float64)
    if scale:
        w = w * 32768
    kw.setdefault("sample_frequency", float(sr))
    f = K.fbank(w, **kw).numpy()
    n = f.shape[0]
    idx = sorted(set([0, 1, 2, n // 7, n // 3, n // 2, 2 * n // 3, n - 3, n - 2, n - 1] + list(range(40, n, max(1, n // 3)))))
    out["cases"].append({
        "name": name, "file": rel, "torchaudio_kwargs": kw, "scaled_32768": scale, "frames": n, "bins": f.shape[1],
        "rows": idx, "values": [r5(f[i]) for i in idx], "mean": r5(f.mean(0)),
    })
    print(name, rel, f.shape)

# Sliding CMN (Kaldi apply-cmvn-sliding semantics) on a fixed pseudo-random matrix.
rng = np.random.default_rng(7)
x = rng.normal(size=(157, 4)).cumsum(0).astype(np.float32)
cmn = []
for window, center, minw in [(50, False, 20), (50, True, 20), (600, False, 100), (31, True, 100)]:
    y = torchaudio.functional.sliding_window_cmn(torch.tensor(x), cmn_window=window, min_cmn_window=minw, center=center,
                                                 norm_vars=False).numpy()
    cmn.append({"window": window, "center": center, "min_window": minw, "output": [r5(r) for r in y]})
out["sliding_cmn"] = {"input": [r5(r) for r in x], "cases": cmn}
json.dump(out, open(os.path.join(os.path.dirname(__file__), "fbank_torchaudio.json"), "w"), separators=(",", ":"))
