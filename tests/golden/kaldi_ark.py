"""Minimal independent Kaldi binary-ark reader for the golden generators (make_clusterers.py,
pipelines_vbx_ahc.py): float ('FV ') and double ('DV ') vectors only, read with numpy from the format
Kaldi's io docs give ('<key> \\0B FV <int32 size as \\4 + 4 bytes> <values>'), not with embedkit's
reader (core/io/kaldi_ark.ts), which the goldens check.
"""
import struct

import numpy as np


def read_ark_vectors(path):
    """(keys, float32 matrix [n, dim]) of the ark's vectors in file order (doubles rounded to float32)."""
    buf = open(path, "rb").read()
    p, keys, vecs = 0, [], []
    while p < len(buf):
        sp = buf.index(b" ", p)
        key = buf[p:sp].decode()
        p = sp + 1
        assert buf[p:p + 2] == b"\0B", key
        p += 2
        tok = buf[p:p + 3]
        assert tok in (b"FV ", b"DV "), tok
        p += 3
        assert buf[p] == 4
        (dim,) = struct.unpack_from("<i", buf, p + 1)
        p += 5
        dt = {b"FV ": "<f4", b"DV ": "<f8"}[tok]
        vecs.append(np.frombuffer(buf, dtype=dt, count=dim, offset=p).astype(np.float32))
        p += dim * np.dtype(dt).itemsize
        keys.append(key)
        while p < len(buf) and buf[p] in b" \n":
            p += 1
    return keys, np.stack(vecs)
