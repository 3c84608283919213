/**
 * PyanNet, the architecture of pyannote segmentation-3.0 (pyannote.audio models/segmentation/PyanNet.py
 * with blocks/sincnet.py and asteroid-filterbanks' ParamSincFB), built with the ONNX writer:
 *
 *   x [N, 1, T] -> InstanceNorm1d(1) -> SincNet: ParamSincFB(80 filters, 251 taps, stride 10) -> |.| ->
 *   MaxPool(3) -> InstanceNorm(80) -> LeakyReLU -> Conv1d(80, 60, 5) -> MaxPool(3) -> InstanceNorm(60) ->
 *   LeakyReLU -> Conv1d(60, 60, 5) -> MaxPool(3) -> InstanceNorm(60) -> LeakyReLU -> 4-layer BiLSTM (128 per
 *   direction) -> 2 x (Linear(., 128) + LeakyReLU) -> Linear(128, 7) -> LogSoftmax -> y [N, F, 7]
 *
 * 7 = powerset classes of 3 local speakers with at most 2 active per frame ({}, {0}, {1}, {2}, {0,1},
 * {0,2}, {1,2}). 10 s at 16 kHz gives F = 589 frames, step 270 samples (16.875 ms), receptive field 991
 * samples (61.9375 ms), first frame centred at sample 495 (so the frames' SlidingWindow starts at 0).
 *
 * Weights: a seeded draw shaped like PyTorch's default initialisations (uniform, bound g/sqrt(fan_in)
 * with gains g > 1 so that an untrained network still switches between powerset classes instead of
 * settling on a flat output; mel-spaced sinc bands as ParamSincFB initialises them, jittered), or a given state
 * dict with pyannote's parameter names. The sinc filters are computed here from `low_hz_` / `band_hz_`
 * (asteroid's formulas) and stored as the first convolution's weights, as torch.onnx.export's constant
 * folding does. The metadata is what sherpa-onnx's export script (scripts/pyannote/segmentation/
 * export-onnx.py) writes, so sherpa-onnx and embedkit's segmentation plugin read the layout from it.
 * @module
 */
import { Graph } from "../writer.ts";
import { conv1d, type StateDict, WeightSource } from "../layers.ts";
import { instanceNorm1d, leakyRelu, linearSeq, lstm, maxPool1d } from "../layers_seq.ts";
import { Rng } from "../../random.ts";

/** PyanNet hyper-parameters (defaults: segmentation-3.0). */
export interface PyanNetOptions {
  readonly seed?: number;
  /** SincNet stride (pyannote: 10). */
  readonly sincStride?: number;
  readonly lstmHidden?: number;
  readonly lstmLayers?: number;
  readonly linearHidden?: number;
  readonly linearLayers?: number;
  /** Local speakers per chunk (3). */
  readonly numSpeakers?: number;
  /** Powerset: most speakers active in one frame (2). */
  readonly maxSpeakersPerFrame?: number;
  /** Chunk duration written to the metadata (10 s). */
  readonly chunkSeconds?: number;
  /** Weights with pyannote's state-dict names instead of a seeded draw. */
  readonly state?: StateDict;
}

/** A built segmentation model. */
export interface BuiltSegmentationModel {
  readonly bytes: Uint8Array;
  readonly inputName: string;
  readonly outputName: string;
  /** Powerset classes (the output's last axis). */
  readonly numClasses: number;
  readonly parameters: number;
  readonly metadata: Record<string, string>;
  /** The weights with PyTorch names and layouts (what pyannote's checkpoint holds). */
  readonly state: StateDict;
}

const SR = 16000, SINC_FILTERS = 80, SINC_TAPS = 251, MIN_LOW = 50, MIN_BAND = 50;

/** Number of powerset classes: sum over k <= maxSet of C(n, k). */
export function powersetClassCount(numSpeakers: number, maxSet: number): number {
  let total = 0, c = 1;
  for (let k = 0; k <= maxSet; k++) {
    total += c;
    c = (c * (numSpeakers - k)) / (k + 1);
  }
  return total;
}

/** Kernel sizes and strides of SincNet's six layers (conv, pool, conv, pool, conv, pool). */
function sincLayers(stride: number): [number, number][] {
  return [[SINC_TAPS, stride], [3, 3], [5, 1], [3, 3], [5, 1], [3, 3]];
}

/** Output frames for `numSamples` input samples (pyannote's multi_conv_num_frames). */
export function pyannetFrames(numSamples: number, stride = 10): number {
  let n = numSamples;
  for (const [k, s] of sincLayers(stride)) n = Math.floor((n - k) / s) + 1;
  return Math.max(0, n);
}

/** Receptive field of one output frame and the step between frames, in samples (991 and 270). */
export function pyannetReceptiveField(stride = 10): { size: number; step: number; center0: number } {
  const layers = sincLayers(stride).reverse();
  const size = (frames: number) => layers.reduce((n, [k, s]) => k + (n - 1) * s, frames);
  const center0 = layers.reduce((c, [k, s]) => c * s + (k - 1) / 2, 0);
  return { size: size(1), step: size(2) - size(1), center0 };
}

const toMel = (hz: number) => 2595 * Math.log10(1 + hz / 700);
const toHz = (mel: number) => 700 * (10 ** (mel / 2595) - 1);

/** ParamSincFB's initial bands: mel-spaced between 30 Hz and sr/2 - 100 Hz (float32, as numpy does). */
export function sincInitialBands(n = SINC_FILTERS / 2, sr = SR): { low: Float32Array; band: Float32Array } {
  const lo = Math.fround(toMel(30)), hi = Math.fround(toMel(sr / 2 - (MIN_LOW + MIN_BAND)));
  const hz = Array.from(
    { length: n + 1 },
    (_, i) => Math.fround(toHz(Math.fround(lo + ((hi - lo) * i) / n))),
  );
  return {
    low: Float32Array.from(hz.slice(0, n)),
    band: Float32Array.from({ length: n }, (_, i) => hz[i + 1] - hz[i]),
  };
}

/**
 * asteroid ParamSincFB.filters(): [2n, 1, taps] (n cosine then n sine band-pass filters, Hamming
 * half-window), from `low_hz_` and `band_hz_` ([n, 1]). Computed in float64.
 */
export function sincFilters(
  lowHz: ArrayLike<number>,
  bandHz: ArrayLike<number>,
  taps = SINC_TAPS,
  sr = SR,
): Float32Array {
  const n = lowHz.length, half = Math.floor(taps / 2);
  const out = new Float32Array(2 * n * taps);
  // np.hamming(taps)[:half] and n_ = 2 pi (-half..-1) / sr
  const win = Array.from(
    { length: half },
    (_, i) => Math.fround(0.54 - 0.46 * Math.cos((2 * Math.PI * i) / (taps - 1))),
  );
  const twoPi = Math.fround(2 * Math.PI);
  const nn = Array.from({ length: half }, (_, i) => Math.fround(twoPi * Math.fround((i - half) / sr)));
  for (let j = 0; j < n; j++) {
    const low = MIN_LOW + Math.abs(lowHz[j]);
    const high = Math.min(Math.max(low + MIN_BAND + Math.abs(bandHz[j]), MIN_LOW), sr / 2);
    const band = high - low;
    const cos = out.subarray(j * taps, (j + 1) * taps),
      sin = out.subarray((n + j) * taps, (n + j + 1) * taps);
    for (let i = 0; i < half; i++) {
      const c = ((Math.sin(high * nn[i]) - Math.sin(low * nn[i])) / (nn[i] / 2)) * win[i];
      const s = ((Math.cos(low * nn[i]) - Math.cos(high * nn[i])) / (nn[i] / 2)) * win[i];
      cos[i] = c / (2 * band);
      cos[taps - 1 - i] = c / (2 * band);
      sin[i] = s / (2 * band);
      sin[taps - 1 - i] = -s / (2 * band);
    }
    cos[half] = (2 * band) / (2 * band);
    sin[half] = 0;
  }
  return out;
}

/** Gains over PyTorch's default bounds (1/sqrt(fan_in)) for the seeded draw. */
const GAIN = { lstm: 4, linear: 3, classifier: 6 };

/** A seeded state dict with pyannote's names, drawn as PyTorch initialises each module. */
export function pyannetStateDict(o: PyanNetOptions = {}): StateDict {
  const rng = new Rng(o.seed ?? 1);
  const H = o.lstmHidden ?? 128,
    L = o.lstmLayers ?? 4,
    lin = o.linearHidden ?? 128,
    nLin = o.linearLayers ?? 2;
  const classes = powersetClassCount(o.numSpeakers ?? 3, o.maxSpeakersPerFrame ?? 2);
  const s: StateDict = {};
  const uni = (name: string, shape: number[], bound: number) => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = (2 * rng.next() - 1) * bound;
    s[name] = { shape, data };
  };
  const affine = (name: string, c: number) => {
    s[`${name}.weight`] = {
      shape: [c],
      data: Float32Array.from({ length: c }, () => 1 + 0.1 * rng.normal()),
    };
    s[`${name}.bias`] = { shape: [c], data: Float32Array.from({ length: c }, () => 0.1 * rng.normal()) };
  };
  const init = sincInitialBands();
  const jitter = (v: Float32Array) => Float32Array.from(v, (x) => x * (1 + 0.05 * rng.normal()));
  affine("sincnet.wav_norm1d", 1);
  s["sincnet.conv1d.0.filterbank.low_hz_"] = { shape: [SINC_FILTERS / 2, 1], data: jitter(init.low) };
  s["sincnet.conv1d.0.filterbank.band_hz_"] = { shape: [SINC_FILTERS / 2, 1], data: jitter(init.band) };
  affine("sincnet.norm1d.0", 80);
  uni("sincnet.conv1d.1.weight", [60, 80, 5], 1 / Math.sqrt(80 * 5));
  uni("sincnet.conv1d.1.bias", [60], 1 / Math.sqrt(80 * 5));
  affine("sincnet.norm1d.1", 60);
  uni("sincnet.conv1d.2.weight", [60, 60, 5], 1 / Math.sqrt(60 * 5));
  uni("sincnet.conv1d.2.bias", [60], 1 / Math.sqrt(60 * 5));
  affine("sincnet.norm1d.2", 60);
  for (let l = 0; l < L; l++) {
    for (const sfx of ["", "_reverse"]) {
      const inSize = l === 0 ? 60 : 2 * H;
      uni(`lstm.weight_ih_l${l}${sfx}`, [4 * H, inSize], GAIN.lstm / Math.sqrt(inSize));
      uni(`lstm.weight_hh_l${l}${sfx}`, [4 * H, H], GAIN.lstm / Math.sqrt(H));
      uni(`lstm.bias_ih_l${l}${sfx}`, [4 * H], 1 / Math.sqrt(H));
      uni(`lstm.bias_hh_l${l}${sfx}`, [4 * H], 1 / Math.sqrt(H));
    }
  }
  for (let i = 0; i < nLin; i++) {
    const din = i === 0 ? 2 * H : lin;
    uni(`linear.${i}.weight`, [lin, din], GAIN.linear / Math.sqrt(din));
    uni(`linear.${i}.bias`, [lin], 1 / Math.sqrt(din));
  }
  const cin = nLin > 0 ? lin : 2 * H;
  uni("classifier.weight", [classes, cin], GAIN.classifier / Math.sqrt(cin));
  uni("classifier.bias", [classes], 1 / Math.sqrt(cin));
  return s;
}

/** sherpa-onnx's segmentation metadata keys (export-onnx.py), plus embedkit's provenance keys. */
export function pyannoteMetadata(
  o: { numSpeakers: number; maxSpeakersPerFrame: number; numClasses: number; windowSize: number },
  rf: { size: number; step: number },
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    model_type: "pyannote-segmentation-3.0",
    version: "1",
    num_speakers: String(o.numSpeakers),
    powerset_max_classes: String(o.maxSpeakersPerFrame),
    num_classes: String(o.numClasses),
    sample_rate: String(SR),
    window_size: String(o.windowSize),
    receptive_field_size: String(rf.size),
    receptive_field_shift: String(rf.step),
    ...extra,
  };
}

/** Builds PyanNet: input `x` [N, 1, T] -> output `y` [N, F, numClasses] (log-probabilities). */
export function buildPyanNet(o: PyanNetOptions = {}): BuiltSegmentationModel {
  const H = o.lstmHidden ?? 128,
    L = o.lstmLayers ?? 4,
    lin = o.linearHidden ?? 128,
    nLin = o.linearLayers ?? 2;
  const numSpeakers = o.numSpeakers ?? 3, maxSet = o.maxSpeakersPerFrame ?? 2, stride = o.sincStride ?? 10;
  const numClasses = powersetClassCount(numSpeakers, maxSet);
  const seed = o.seed ?? 1;
  const state = o.state ?? pyannetStateDict(o);
  const w = new WeightSource(undefined, state);
  const g = new Graph("pyannet");
  let x = g.input("x", ["N", 1, "T"]);
  x = instanceNorm1d(g, w, "sincnet.wav_norm1d", x, 1);
  const low = w.take("sincnet.conv1d.0.filterbank.low_hz_", [SINC_FILTERS / 2, 1], "small");
  const band = w.take("sincnet.conv1d.0.filterbank.band_hz_", [SINC_FILTERS / 2, 1], "small");
  const filters = g.init(
    "sincnet.conv1d.0.filterbank.filters",
    [SINC_FILTERS, 1, SINC_TAPS],
    sincFilters(low, band),
  );
  x = g.op("Conv", [x, filters], { kernel_shape: [SINC_TAPS], strides: [stride], pads: [0, 0] });
  x = g.op("Abs", [x]);
  x = leakyRelu(g, instanceNorm1d(g, w, "sincnet.norm1d.0", maxPool1d(g, x, 3), SINC_FILTERS));
  x = conv1d(g, w, "sincnet.conv1d.1", x, 80, 60, 5, { pad: 0 });
  x = leakyRelu(g, instanceNorm1d(g, w, "sincnet.norm1d.1", maxPool1d(g, x, 3), 60));
  x = conv1d(g, w, "sincnet.conv1d.2", x, 60, 60, 5, { pad: 0 });
  x = leakyRelu(g, instanceNorm1d(g, w, "sincnet.norm1d.2", maxPool1d(g, x, 3), 60));
  x = g.op("Transpose", [x], { perm: [2, 0, 1] }); // [N, 60, F] -> [F, N, 60]
  x = lstm(g, w, "lstm", x, 60, H, L, true);
  x = g.op("Transpose", [x], { perm: [1, 0, 2] }); // [F, N, 2H] -> [N, F, 2H]
  let din = 2 * H;
  for (let i = 0; i < nLin; i++) {
    x = leakyRelu(g, linearSeq(g, w, `linear.${i}`, x, din, lin));
    din = lin;
  }
  x = g.op("LogSoftmax", [linearSeq(g, w, "classifier", x, din, numClasses)], { axis: -1 });
  g.output(x, "y", ["N", "F", numClasses]);
  const rf = pyannetReceptiveField(stride);
  const windowSize = Math.round((o.chunkSeconds ?? 10) * SR);
  const metadata = pyannoteMetadata(
    { numSpeakers, maxSpeakersPerFrame: maxSet, numClasses, windowSize },
    rf,
    {
      model_author: "embedkit (architecture of pyannote/segmentation-3.0; random weights)",
      comment: `PyanNet: SincNet stride ${stride}, ${L}-layer BiLSTM ${H}, ${nLin} x Linear ${lin}`,
      "embedkit.seed": o.state ? "state-dict" : String(seed),
    },
  );
  const parameters = Object.entries(state).reduce((n, [, t]) => n + t.data.length, 0);
  return {
    bytes: g.encode({ metadata, opset: 17 }),
    inputName: "x",
    outputName: "y",
    numClasses,
    parameters,
    metadata,
    state,
  };
}

/** Named small variants for fast tests (`random:NAME[@SEED]`). */
export const PYANNET_VARIANTS: Record<string, PyanNetOptions> = {
  pyannet: {},
  "pyannet-small": { lstmHidden: 16, lstmLayers: 1, linearHidden: 16 },
};

/** Builds `random:pyannet[@SEED]` or `random:pyannet-small[@SEED]`. */
export function buildRandomPyanNet(spec: string): BuiltSegmentationModel {
  const m = /^random:([a-z0-9-]+)(?:@(\d+))?$/.exec(spec);
  const variant = m && PYANNET_VARIANTS[m[1]];
  if (!variant) {
    throw new Error(
      `'${spec}' is not a random segmentation model; use random:NAME[@SEED] with NAME one of ${
        Object.keys(PYANNET_VARIANTS).join(", ")
      }`,
    );
  }
  return buildPyanNet({ ...variant, seed: Number(m![2] ?? 1) });
}
