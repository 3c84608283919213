/**
 * Powerset <-> multilabel, as pyannote.audio's utils/powerset.py: class k of a powerset model is a
 * set of speakers, enumerated by size then lexicographically ({}, {0}, {1}, {2}, {0,1}, {0,2}, {1,2}
 * for 3 speakers and sets of at most 2). Hard decoding takes the argmax class (first one on ties, as
 * torch.argmax); soft decoding sums the class probabilities exp(log p) of the sets holding each speaker.
 * @module
 */

/** The powerset classes: each a sorted list of speaker indices. */
export function powersetClasses(numSpeakers: number, maxSetSize: number): number[][] {
  const out: number[][] = [];
  const rec = (size: number, from: number, cur: number[]) => {
    if (cur.length === size) return void out.push([...cur]);
    for (let s = from; s < numSpeakers; s++) rec(size, s + 1, [...cur, s]);
  };
  for (let size = 0; size <= maxSetSize; size++) rec(size, 0, []);
  return out;
}

/** mapping[i, j] = 1 when speaker j is in powerset class i: `[classes x numSpeakers]`. */
export function powersetMapping(numSpeakers: number, maxSetSize: number): Float32Array {
  const classes = powersetClasses(numSpeakers, maxSetSize);
  const m = new Float32Array(classes.length * numSpeakers);
  classes.forEach((set, i) => set.forEach((s) => (m[i * numSpeakers + s] = 1)));
  return m;
}

/**
 * Powerset log-probabilities `[rows x classes]` (rows = chunks*frames) -> multilabel `[rows x numSpeakers]`:
 * hard (one-hot argmax @ mapping, values 0/1) or soft (exp(logp) @ mapping).
 */
export function powersetToMultilabel(
  logp: Float32Array,
  numSpeakers: number,
  maxSetSize: number,
  soft = false,
): Float32Array {
  const classes = powersetClasses(numSpeakers, maxSetSize);
  const nc = classes.length;
  if (logp.length % nc) {
    throw new RangeError(`powerset scores: ${logp.length} values is not a multiple of ${nc} classes`);
  }
  const rows = logp.length / nc;
  const out = new Float32Array(rows * numSpeakers);
  for (let r = 0; r < rows; r++) {
    const o = r * nc;
    if (soft) {
      for (let c = 0; c < nc; c++) {
        const p = Math.exp(logp[o + c]);
        for (const s of classes[c]) out[r * numSpeakers + s] += p;
      }
    } else {
      let best = 0;
      for (let c = 1; c < nc; c++) if (logp[o + c] > logp[o + best]) best = c;
      for (const s of classes[best]) out[r * numSpeakers + s] = 1;
    }
  }
  return out;
}
