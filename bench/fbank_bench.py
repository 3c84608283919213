"""Anchor side of bench/fbank_bench.ts: torchaudio.compliance.kaldi.fbank (one thread) on the same samples.

Usage: /usr/bin/python3 bench/fbank_bench.py SAMPLES.f32 RATE REPEATS
Prints one JSON line {"seconds": best of REPEATS, "frames": n}."""
import json
import sys
import time

import numpy as np
import torch
import torchaudio.compliance.kaldi as K

torch.set_num_threads(1)
x = torch.from_numpy(np.fromfile(sys.argv[1], dtype=np.float32) * 32768)[None]
rate, reps = float(sys.argv[2]), int(sys.argv[3])
best, n = float("inf"), 0
for _ in range(reps):
    t = time.perf_counter()
    f = K.fbank(x, num_mel_bins=80, window_type="hamming", dither=0.0, sample_frequency=rate)
    best = min(best, time.perf_counter() - t)
    n = f.shape[0]
print(json.dumps({"seconds": best, "frames": n}))
