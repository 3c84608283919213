#!/usr/bin/python3
"""Golden reference for embedkit's segmentation post-processing (core/diarization/segmentation/*).

A numpy/scipy port, written for this generator from pyannote.audio 3.x and pyannote.core 5/6 sources
(utils/powerset.py Powerset.to_multilabel; core/inference.py Inference.aggregate / trim;
pipelines/utils/diarization.py speaker_count / to_diarization / to_annotation; utils/signal.py
binarize_ndarray / Binarize with Annotation.support(collar); pipelines/speaker_diarization.py
get_embeddings' mask choice and reconstruct; pipelines/clustering.py filter_embeddings,
AgglomerativeClustering.cluster, assign_embeddings, constrained_argmax; pipelines/utils/oracle.py
oracle_segmentation with Annotation.discretize), run on fixed seeded inputs that are stored with the
outputs. SlidingWindow arithmetic (closest_frame with np.rint, crop "center") is ported too.

Run: /usr/bin/python3 tests/golden/gen_segmentation_post.py > tests/golden/segmentation_post.json
"""
import itertools
import json
import math

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

rs = np.random.RandomState(20240611)
SEG_PRECISION = 1e-6


# ---------------------------------------------------------------- pyannote.core pieces
def closest_frame(w, t):  # w = (start, duration, step)
    return int(np.rint((t - w[0] - .5 * w[1]) / w[2]))


def support(segs, collar=0.0):  # Timeline.support(collar): segs sorted
    segs = sorted(segs)
    out = []
    for s in segs:
        if out:
            gap = s[0] - out[-1][1]
            if gap <= SEG_PRECISION or gap < collar:
                out[-1] = (min(out[-1][0], s[0]), max(out[-1][1], s[1]))
                continue
        out.append(s)
    return out


# ---------------------------------------------------------------- pyannote.audio ports
def powerset_mapping(n, m):
    sets = [set(c) for k in range(m + 1) for c in itertools.combinations(range(n), k)]
    mp = np.zeros((len(sets), n), dtype=np.float32)
    for i, s in enumerate(sets):
        for j in s:
            mp[i, j] = 1
    return mp


def to_multilabel(logp, mapping, soft):
    if soft:
        probs = np.exp(logp)
    else:
        probs = np.eye(mapping.shape[0], dtype=np.float32)[np.argmax(logp, axis=-1)]
    return (probs @ mapping).astype(np.float32)


def aggregate(scores, chunks, frames, warm_up=(0.0, 0.0), epsilon=1e-12, hamming=False, missing=np.nan, skip_average=False):
    num_chunks, F, K = scores.shape
    fr = (chunks[0], frames[1], frames[2])
    ham = np.hamming(F).reshape(-1, 1) if hamming else np.ones((F, 1))
    warm = np.ones((F, 1))
    wl = round(warm_up[0] / chunks[1] * F)
    warm[:wl] = epsilon
    wr = round(warm_up[1] / chunks[1] * F)
    warm[F - wr:] = epsilon
    N = closest_frame(fr, chunks[0] + chunks[1] + (num_chunks - 1) * chunks[2] + .5 * fr[1]) + 1
    out = np.zeros((N, K), dtype=np.float32)
    cnt = np.zeros((N, K), dtype=np.float32)
    msk = np.zeros((N, K), dtype=np.float32)
    for c in range(num_chunks):
        score = scores[c].copy()
        mask = 1 - np.isnan(score)
        np.nan_to_num(score, copy=False, nan=0.0)
        start = closest_frame(fr, chunks[0] + c * chunks[2] + .5 * fr[1])
        out[start:start + F] += score * mask * ham * warm
        cnt[start:start + F] += mask * ham * warm
        msk[start:start + F] = np.maximum(msk[start:start + F], mask)
    avg = out if skip_average else out / np.maximum(cnt, epsilon)
    avg[msk == 0.0] = missing
    return avg, fr


def trim(scores, chunks, warm_up):
    F = scores.shape[1]
    l, r = round(F * warm_up[0]), round(F * warm_up[1])
    return scores[:, l:F - r], (chunks[0] + warm_up[0] * chunks[1], (1 - warm_up[0] - warm_up[1]) * chunks[1], chunks[2])


def speaker_count(binarized, chunks, frames, warm_up):
    t, tc = trim(binarized, chunks, warm_up)
    c, fr = aggregate(np.sum(t, axis=-1, keepdims=True), tc, frames, hamming=False, missing=0.0)
    return np.rint(c).astype(np.uint8)[:, 0], fr


def binarize_ndarray(scores, onset, offset=None, initial_state=None):
    offset = offset or onset
    batch, num_frames = scores.shape
    scores = np.nan_to_num(scores)
    if initial_state is None:
        initial_state = scores[:, 0] >= 0.5 * (onset + offset)
    elif isinstance(initial_state, bool):
        initial_state = initial_state * np.ones((batch,), dtype=bool)
    initial_state = np.tile(initial_state, (num_frames, 1)).T
    on = scores > onset
    off_or_on = (scores < offset) | on
    well = np.array(list(itertools.zip_longest(*[np.nonzero(o)[0] for o in off_or_on], fillvalue=-1))).T
    if not well.size:
        return np.zeros_like(scores, dtype=bool) | initial_state
    same_as = np.cumsum(off_or_on, axis=1)
    samples = np.tile(np.arange(batch), (num_frames, 1)).T
    return np.where(same_as, on[samples, well[samples, same_as - 1]], initial_state)


def binarize_regions(data, fr, onset=0.5, offset=None, min_on=0.0, min_off=0.0, pad_on=0.0, pad_off=0.0):
    offset = offset or onset
    ts = [fr[0] + i * fr[2] + .5 * fr[1] for i in range(data.shape[0])]
    out = []
    for k, ks in enumerate(data.T):
        regions = []
        start, active = ts[0], ks[0] > onset
        for t, y in zip(ts[1:], ks[1:]):
            if active:
                if y < offset:
                    regions.append((start - pad_on, t + pad_off))
                    start, active = t, False
            elif y > onset:
                start, active = t, True
        if active:
            regions.append((start - pad_on, t + pad_off))
        regions = [r for r in regions if r[1] - r[0] > SEG_PRECISION]
        if pad_off > 0 or pad_on > 0 or min_off > 0:
            regions = support(regions, min_off)
        for r in sorted(regions):
            if min_on > 0 and r[1] - r[0] < min_on:
                continue
            out.append([k, r[0], r[1]])
    return out


def embedding_masks(binary, exclude_overlap, min_num_frames):
    if not exclude_overlap:
        min_num_frames = -1
        clean = binary
    else:
        clean = binary * (np.sum(binary, axis=2, keepdims=True) < 2)
    C, F, K = binary.shape
    masks = np.zeros((C, K, F), dtype=np.uint8)
    for c in range(C):
        for k in range(K):
            masks[c, k] = clean[c, :, k] if np.sum(clean[c, :, k]) > min_num_frames else binary[c, :, k]
    return masks


def filter_embeddings(emb, seg):
    active = np.sum(seg, axis=1) > 0
    valid = ~np.any(np.isnan(emb), axis=2)
    ci, si = np.where(active * valid)
    return emb[ci, si], ci, si


def ahc_cluster(embeddings, min_clusters, max_clusters, num_clusters, threshold, method, min_cluster_size, metric="cosine"):
    n = embeddings.shape[0]
    min_cluster_size = min(min_cluster_size, max(1, round(0.1 * n)))
    if n == 1:
        return np.zeros((1,), dtype=np.uint8)
    if metric == "cosine" and method in ["centroid", "median", "ward"]:
        embeddings = embeddings / np.linalg.norm(embeddings, axis=-1, keepdims=True)
        dendrogram = linkage(embeddings, method=method, metric="euclidean")
    else:
        dendrogram = linkage(embeddings, method=method, metric=metric)
    clusters = fcluster(dendrogram, threshold, criterion="distance") - 1
    cu, cc = np.unique(clusters, return_counts=True)
    large = cu[cc >= min_cluster_size]
    nl = len(large)
    if nl < min_clusters:
        num_clusters = min_clusters
    elif nl > max_clusters:
        num_clusters = max_clusters
    if num_clusters is not None and nl != num_clusters:
        dd = np.copy(dendrogram)
        dd[:, 2] = np.arange(n - 1)
        best_it, best_nl = n - 1, 1
        for it in np.argsort(np.abs(dendrogram[:, 2] - threshold), kind="stable"):
            if dd[it, 3] < min_cluster_size:
                continue
            clusters = fcluster(dd, it, criterion="distance") - 1
            cu, cc = np.unique(clusters, return_counts=True)
            large = cu[cc >= min_cluster_size]
            nl = len(large)
            if abs(nl - num_clusters) < abs(best_nl - num_clusters):
                best_it, best_nl = it, nl
            if nl == num_clusters:
                break
        if best_nl != num_clusters:
            clusters = fcluster(dd, best_it, criterion="distance") - 1
            cu, cc = np.unique(clusters, return_counts=True)
            large = cu[cc >= min_cluster_size]
            nl = len(large)
    if nl == 0:
        clusters[:] = 0
        return clusters
    small = cu[cc < min_cluster_size]
    if len(small) == 0:
        return clusters
    lc = np.vstack([np.mean(embeddings[clusters == k], axis=0) for k in large])
    sc = np.vstack([np.mean(embeddings[clusters == k], axis=0) for k in small])
    for s, l in enumerate(np.argmin(cdist(lc, sc, metric=metric), axis=0)):
        clusters[clusters == small[s]] = large[l]
    _, clusters = np.unique(clusters, return_inverse=True)
    return clusters


def set_num_clusters(n, num=None, mn=None, mx=None):
    mn = num or mn or 1
    mn = max(1, min(n, mn))
    mx = num or mx or n
    mx = max(1, min(n, mx))
    if mn == mx:
        num = mn
    return num, mn, mx


def assign(emb, ci, si, train_clusters, constrained):
    M = np.max(train_clusters) + 1
    C, K, D = emb.shape
    tr = emb[ci, si]
    centroids = np.vstack([np.mean(tr[train_clusters == k], axis=0) for k in range(M)])
    soft = 2 - cdist(emb.reshape(C * K, D), centroids, metric="cosine").reshape(C, K, M)
    if constrained:
        s2 = np.nan_to_num(soft, nan=np.nanmin(soft))
        hard = -2 * np.ones((C, K), dtype=np.int8)
        for c, cost in enumerate(s2):
            for s, k in zip(*linear_sum_assignment(cost, maximize=True)):
                hard[c, s] = k
    else:
        hard = np.argmax(soft, axis=2)
    return hard, soft


def reconstruct(seg, hard, count, fr_count, chunks):
    C, F, K = seg.shape
    M = np.max(hard) + 1
    cs = np.nan * np.zeros((C, F, M))
    for c in range(C):
        for k in np.unique(hard[c]):
            if k == -2:
                continue
            cs[c, :, k] = np.max(seg[c][:, hard[c] == k], axis=1)
    act, fr = aggregate(cs, chunks, fr_count, hamming=False, missing=0.0, skip_average=True)
    mx = np.max(count)
    if act.shape[1] < mx:
        act = np.pad(act, ((0, 0), (0, mx - act.shape[1])))
    n = min(act.shape[0], count.shape[0])
    order = np.argsort(-act[:n], axis=-1)
    binary = np.zeros((n, act.shape[1]), dtype=np.float32)
    for t in range(n):
        for i in range(int(count[t])):
            binary[t, order[t, i]] = 1.0
    return binary, fr


def discretize(ref, labels, chunk, fr, duration):  # Annotation.discretize(chunk, fr, labels, duration)
    start_time, end_time = chunk
    res = (start_time, fr[1], fr[2])
    num_frames = int(round(duration / res[2]))
    data = np.zeros((num_frames, len(labels)), dtype=np.uint8)
    for k, label in enumerate(labels):
        segs = [(max(a, start_time), min(b, end_time)) for (a, b, l) in ref if l == label]
        segs = [s for s in segs if s[1] - s[0] > SEG_PRECISION]
        ranges = []
        for i, s in enumerate(support(segs)):
            rng = [closest_frame(res, s[0]), closest_frame(res, s[1]) + 1]
            if i == 0 or rng[0] > ranges[-1][1]:
                ranges.append(rng)
            else:
                ranges[-1][1] = rng[1]
        for a, b in ranges:
            data[max(0, a):min(b, num_frames), k] += 1
    return np.minimum(data, 1)


def oracle_segmentation(ref, duration, window, fr, num_speakers=None):
    labels = sorted(set(l for _, _, l in ref))
    actual = len(labels)
    if num_speakers is None:
        num_speakers = actual
    if num_speakers > actual:
        labels += ["Fake%d" % i for i in range(num_speakers - actual)]
    segs = []
    i = 0
    while True:
        s = (i * window[1], i * window[1] + window[0])
        if s[0] >= duration:
            break
        if s[1] <= duration:
            d = discretize(ref, labels, s, fr, window[0])
            if num_speakers < actual:
                # pyannote negates np.sum of the uint8 frames, an unsigned (uint64) sum that wraps, so its
                # argsort keeps the LEAST talkative (silent first) speakers; we port the documented intent
                # ("keep num_speakers most talkative speakers") with a signed sum.
                talk = np.sum(d, axis=0).astype(np.int64)
                d = d[:, np.argsort(-talk, kind="stable")[:num_speakers]]
            segs.append(d)
        i += 1
    return np.float32(np.stack(segs))


# ---------------------------------------------------------------- fixed inputs
def L(a):
    """Flat list: null for NaN, ints for integral values, 9 significant digits otherwise (exact for float32)."""
    out = []
    for v in np.asarray(a, dtype=np.float64).reshape(-1).tolist():
        out.append(None if math.isnan(v) else int(v) if v == int(v) else float("%.9g" % v))
    return out


C, F, K, P = 6, 115, 3, 7
chunks = (0.0, 2.0, 0.5)
frames = (0.0, 991 / 16000, 270 / 16000)
raw = rs.randn(C, F + 8, P) * 2.5
raw = np.stack([np.convolve(raw[c, :, p], np.ones(9) / 3, mode="valid") for c in range(C) for p in range(P)]).reshape(C, P, F).transpose(0, 2, 1)
logp = (raw - np.log(np.sum(np.exp(raw), axis=-1, keepdims=True))).astype(np.float32)
mapping = powerset_mapping(K, 2)
hard = to_multilabel(logp, mapping, False)
soft = to_multilabel(logp, mapping, True)
out = {"generator": "tests/golden/gen_segmentation_post.py (numpy %s)" % np.__version__, "seed": 20240611,
       "chunks": chunks, "frames": frames, "C": C, "F": F, "K": K,
       "logp": L(logp), "hard": L(hard), "soft": L(soft)}

soft_nan = soft.copy()
soft_nan[2, 10:20, 1] = np.nan
soft_nan[5, :, 2] = np.nan
out["soft_nan"] = L(soft_nan)
a1, fr1 = aggregate(soft_nan, chunks, frames, warm_up=(0.2, 0.1), hamming=True)
out["agg_hamming_warm"] = {"data": L(a1), "frames": a1.shape[0], "window": fr1}
a2, _ = aggregate(soft_nan, chunks, frames, hamming=False, missing=0.0, skip_average=True)
out["agg_sum"] = {"data": L(a2), "frames": a2.shape[0]}
cnt0, frc = speaker_count(hard, chunks, frames, (0.0, 0.0))
cnt1, frc1 = speaker_count(hard, chunks, frames, (0.1, 0.1))
out["count"] = {"warm0": cnt0.tolist(), "warm1": cnt1.tolist(), "window0": frc, "window1": frc1}

agg_soft, frs = aggregate(soft, chunks, frames, hamming=True)
seq = agg_soft.T.copy()
out["hysteresis"] = {"input": L(seq), "rows": seq.shape[0], "cols": seq.shape[1],
                     "default": L(binarize_ndarray(seq, 0.6, 0.4)),
                     "false": L(binarize_ndarray(seq, 0.6, 0.4, initial_state=False))}
out["regions"] = {"window": frs, "plain": binarize_regions(agg_soft, frs, 0.5),
                  "full": binarize_regions(agg_soft, frs, 0.55, 0.45, 0.1, 0.08, 0.01, 0.02)}
out["masks"] = {"exclude5": L(embedding_masks(hard, True, 5)), "exclude15": L(embedding_masks(hard, True, 15)),
                "all": L(embedding_masks(hard, False, 5))}

D, G = 16, 4
centers = rs.randn(G, D)
emb = np.zeros((C, K, D), dtype=np.float32)
for c in range(C):
    perm = rs.permutation(G)[:K]
    for k in range(K):
        emb[c, k] = centers[perm[k]] + 0.35 * rs.randn(D)
emb[3, 1] = np.nan
out["emb"] = {"data": L(emb), "dim": D}
tr, ci, si = filter_embeddings(emb, hard)
out["filter"] = {"chunk": ci.tolist(), "speaker": si.tolist()}
ahc = {}
for name, (num, mn, mx, thr, meth, mcs) in {
    "threshold": (None, None, None, 0.6, "centroid", 3),
    "num3": (3, None, None, 0.6, "centroid", 3),
    "min5": (None, 5, None, 0.6, "centroid", 3),
    "max2avg": (None, None, 2, 0.3, "average", 2),
}.items():
    n2, mn2, mx2 = set_num_clusters(len(tr), num, mn, mx)
    lab = ahc_cluster(tr.copy(), mn2, mx2, n2, thr, meth, mcs)
    hc, sc = assign(emb, ci, si, lab, True)
    hu, _ = assign(emb, ci, si, lab, False)
    ahc[name] = {"num": num, "min": mn, "max": mx, "threshold": thr, "method": meth, "min_cluster_size": mcs,
                 "set": [n2, mn2, mx2], "labels": np.asarray(lab).tolist(), "constrained": hc.tolist(),
                 "unconstrained": hu.tolist()}
out["ahc"] = ahc

hc = np.array(ahc["threshold"]["constrained"])
hc[np.sum(hard, axis=1) == 0] = -2
binary, frb = reconstruct(hard, hc, cnt0, frames, chunks)
out["reconstruct"] = {"hard_clusters": hc.tolist(), "binary": L(binary), "frames": binary.shape[0],
                      "classes": binary.shape[1], "window": frb,
                      "turns": binarize_regions(binary, frb, 0.5, 0.5, 0.0, 0.1)}

ref = [(0.0, 1.3, "B"), (0.9, 2.4, "A"), (2.0, 2.05, "C"), (2.6, 4.8, "C"), (3.1, 3.9, "A"), (4.0, 4.0000001, "A"),
       (4.7, 5.9, "D"), (5.0, 6.2, "E"), (5.5, 5.6, "B")]
out["oracle"] = {"ref": ref, "duration": 6.3, "window": [2.0, 0.5],
                 "none": L(oracle_segmentation(ref, 6.3, (2.0, 0.5), frames)),
                 "k2": L(oracle_segmentation(ref, 6.3, (2.0, 0.5), frames, 2)),
                 "k7": L(oracle_segmentation(ref, 6.3, (2.0, 0.5), frames, 7)),
                 "pyannote_unsigned_negation_wraps": bool(np.argsort(-np.sum(np.array([[1, 0]], dtype=np.uint8), axis=0))[0] == 1)}
print(json.dumps(out))
