/**
 * The model zoo: official download locations and sha256 of popular speaker-embedding models and VAD.
 *
 * Where the checksums come from (we cannot download the files here to hash them ourselves):
 * - sherpa-onnx `speaker-recongition-models` release assets (k2-fsa/sherpa-onnx GitHub releases): sha256
 *   as pinned in SherpaONNXUnity's model table (Eitan.SherpaONNXUnity SherpaONNXConstants); the
 *   TitaNet-small value is also pinned, with its size (40,257,283 bytes), by two other independent projects.
 * - Hugging Face Wespeaker/wespeaker-voxceleb-resnet34 at a fixed revision: sha256 and size as pinned by
 *   a third-party project (haizflow). A revision-pinned URL cannot change under us.
 * - Silero VAD v5: shipped in the npm package @ricky0123/vad-web@0.0.31 (hashed here, from the installed
 *   file); the sherpa-onnx `asr-models/silero_vad.onnx` asset with its pinned sha256 and size.
 * `models verify` re-hashes installed files, so a wrong pin shows up as a clear mismatch, never silently.
 * Bundled model FOLDERS (the text model, a transformers.js folder) pin every file: `bundled.files` and the
 * folder digest come from the generated core/zoo/bundled_files.ts (refresh: core/zoo/bundled_files_gen.ts).
 * @module
 */
import { BUNDLED_FILES } from "./bundled_files.ts";

/** One place a file can be fetched from. */
export interface ModelSource {
  readonly url: string;
  /** Expected sha256 (hex); null when no trustworthy published value was found. */
  readonly sha256: string | null;
  /** Expected size in bytes, when published. */
  readonly size?: number;
}

/** A zoo entry. */
export interface ZooModel {
  readonly name: string;
  readonly kind: "speaker-embedding" | "vad" | "segmentation" | "text-embedding";
  /** File name (a folder name for folder models). */
  readonly file: string;
  readonly description: string;
  /**
   * Front end for the onnx-speaker backbone; "metadata" when the file declares its own (embedkit exports);
   * null when embedkit has no matching front end.
   */
  readonly frontend: "wespeaker" | "3dspeaker" | "nemo" | "metadata" | null;
  readonly license: string;
  /** Tried in order. */
  readonly sources: readonly ModelSource[];
  /**
   * Shipped, so no download is needed: inside the npm package `npm` at `path`, or, without `npm`, inside
   * embedkit itself at `path` relative to core/zoo/. A folder model has `files` (path in the folder ->
   * sha256; every one is verified when it loads) and `sha256` is the folder digest (core/zoo/folder_digest.ts).
   */
  readonly bundled?: {
    readonly npm?: string;
    readonly path: string;
    readonly sha256: string;
    readonly files?: Readonly<Record<string, string>>;
  };
}

const SHERPA = "https://github.com/k2-fsa/sherpa-onnx/releases/download/speaker-recongition-models";

/** Every zoo model, by name. */
export const ZOO: readonly ZooModel[] = [
  {
    name: "wespeaker-resnet34",
    kind: "speaker-embedding",
    file: "wespeaker_en_voxceleb_resnet34.onnx",
    description: "WeSpeaker ResNet34, VoxCeleb2 (256-d)",
    frontend: "wespeaker",
    license: "Apache-2.0 (WeSpeaker); trained on VoxCeleb",
    sources: [
      {
        url: `${SHERPA}/wespeaker_en_voxceleb_resnet34.onnx`,
        sha256: "5ef208a9da1453335308a6b6f4e6dfbd7e183a38b604de0a57664f45d257fe94",
      },
      {
        url:
          "https://huggingface.co/Wespeaker/wespeaker-voxceleb-resnet34/resolve/ff1ac5bca8ef11e90662b879aa923979e0bd277b/voxceleb_resnet34.onnx",
        sha256: "9fea6516d7ad6bf0a76c7689f5a49b65d330fad6dde96c91bb4435ffbfe056a1",
        size: 26_534_127,
      },
    ],
  },
  {
    name: "wespeaker-resnet34-lm",
    kind: "speaker-embedding",
    file: "wespeaker_en_voxceleb_resnet34_LM.onnx",
    description: "WeSpeaker ResNet34 with large-margin fine-tuning, VoxCeleb2 (256-d)",
    frontend: "wespeaker",
    license: "Apache-2.0 (WeSpeaker); trained on VoxCeleb",
    sources: [{
      url: `${SHERPA}/wespeaker_en_voxceleb_resnet34_LM.onnx`,
      sha256: "e9848563da86f263117134dfd7ad63c92355b37de492b55e325400c9d9c39012",
    }],
  },
  {
    name: "wespeaker-campplus",
    kind: "speaker-embedding",
    file: "wespeaker_en_voxceleb_CAM++.onnx",
    description: "WeSpeaker CAM++, VoxCeleb2",
    frontend: "wespeaker",
    license: "Apache-2.0 (WeSpeaker); trained on VoxCeleb",
    sources: [{
      url: `${SHERPA}/wespeaker_en_voxceleb_CAM%2B%2B.onnx`,
      sha256: "c46fad10b5f81e1aa4a60c162714208577093655076c5450f8c469e522ec54ef",
    }],
  },
  {
    name: "3dspeaker-campplus",
    kind: "speaker-embedding",
    file: "3dspeaker_speech_campplus_sv_en_voxceleb_16k.onnx",
    description: "3D-Speaker CAM++, VoxCeleb",
    frontend: "3dspeaker",
    license: "Apache-2.0 (3D-Speaker / ModelScope)",
    sources: [{
      url: `${SHERPA}/3dspeaker_speech_campplus_sv_en_voxceleb_16k.onnx`,
      sha256: "357a834f702b80161e5b981182c038e18553c1f2ca752ed6cec2052365d4129b",
    }],
  },
  {
    name: "3dspeaker-campplus-zh",
    kind: "speaker-embedding",
    file: "3dspeaker_speech_campplus_sv_zh-cn_16k-common.onnx",
    description: "3D-Speaker CAM++, 200k Mandarin speakers (192-d)",
    frontend: "3dspeaker",
    license: "Apache-2.0 (3D-Speaker / ModelScope)",
    sources: [{
      url: `${SHERPA}/3dspeaker_speech_campplus_sv_zh-cn_16k-common.onnx`,
      sha256: "f682b514c05d947ee3fa91cd6ec6c5c7543479a128373fa29b1faedccd21fd11",
    }],
  },
  {
    name: "3dspeaker-eres2net",
    kind: "speaker-embedding",
    file: "3dspeaker_speech_eres2net_sv_en_voxceleb_16k.onnx",
    description: "3D-Speaker ERes2Net, VoxCeleb",
    frontend: "3dspeaker",
    license: "Apache-2.0 (3D-Speaker / ModelScope)",
    sources: [{
      url: `${SHERPA}/3dspeaker_speech_eres2net_sv_en_voxceleb_16k.onnx`,
      sha256: "c59158379255ad66e161679cca6af8d52d51e389e3224ab7d7a7baae295c2db5",
    }],
  },
  {
    name: "3dspeaker-eres2net-base-zh",
    kind: "speaker-embedding",
    file: "3dspeaker_speech_eres2net_base_sv_zh-cn_3dspeaker_16k.onnx",
    description: "3D-Speaker ERes2Net-base, 3D-Speaker dataset (Mandarin)",
    frontend: "3dspeaker",
    license: "Apache-2.0 (3D-Speaker / ModelScope)",
    sources: [{
      url: `${SHERPA}/3dspeaker_speech_eres2net_base_sv_zh-cn_3dspeaker_16k.onnx`,
      sha256: "1a331345f04805badbb495c775a6ddffcdd1a732567d5ec8b3d5749e3c7a5e4b",
    }],
  },
  {
    name: "nemo-titanet-small",
    kind: "speaker-embedding",
    file: "nemo_en_titanet_small.onnx",
    description:
      "NVIDIA NeMo TitaNet-small (192-d); runs with embedkit's port of NeMo's mel front end (FilterbankFeatures)",
    frontend: "nemo",
    license: "CC-BY-4.0 (NVIDIA NeMo)",
    sources: [{
      url: `${SHERPA}/nemo_en_titanet_small.onnx`,
      sha256: "ad4a1802485d8b34c722d2a9d04249662f2ece5d28a7a039063ca22f515a789e",
      size: 40_257_283,
    }],
  },
  {
    name: "embedkit-tdnn-librispeech",
    kind: "speaker-embedding",
    file: "embedkit-tdnn-librispeech.onnx",
    description: "x-vector TDNN 3x256 (192-d) trained by `embedkit train` with AAM-softmax and speed " +
      "perturbation for 20 epochs on LibriSpeech train-clean-100 (251 speakers x 1 utterance), seed 1234; " +
      "EER 6.00 % on LibriSpeech test-other (ships with embedkit, no download)",
    frontend: "metadata",
    license: "CC-BY-4.0 (trained on LibriSpeech, CC BY 4.0)",
    bundled: {
      path: "models/embedkit-tdnn-librispeech.onnx",
      sha256: "04a74ce26b0114c783c18ce3e4be87f96781a1d7d5578dbec35b99a188773605",
    },
    sources: [],
  },
  {
    name: "embedkit-ecapa-librispeech",
    kind: "speaker-embedding",
    file: "embedkit-ecapa-librispeech.onnx",
    description:
      "ECAPA-TDNN C=128 (192-d) trained by `embedkit train --arch ecapa --width 128 --augment default " +
      "--speed-perturb --average-last 3` with AAM-softmax (s=32, m=0.2) for 20 epochs on LibriSpeech train-clean-100 " +
      "(251 speakers x 1 utterance), online noise/music/babble/reverberation + SpecAugment, seed 1234; EER 5.82 % " +
      "on LibriSpeech test-other, 15.7 % on its corrupted copy (bench/corrupted_eer.ts); the recommended speaker " +
      "model (zoo alias embedkit-speaker; ships with embedkit, no download)",
    frontend: "metadata",
    license: "CC-BY-4.0 (trained on LibriSpeech, CC BY 4.0; music augmentation CC BY-SA 3.0 recordings)",
    bundled: {
      path: "models/embedkit-ecapa-librispeech.onnx",
      sha256: "9ae5622d7ddc7420df1846b361447e981b12d006cfc68b2612f9792770982451",
    },
    sources: [],
  },
  {
    name: "embedkit-text-debian",
    kind: "text-embedding",
    file: "embedkit-text-debian",
    description: "text embeddings with Matryoshka dims trained by embedkit on the Debian package " +
      "descriptions (synopsis -> long description, train split); architecture, training config, seed and " +
      "per-epoch dev table in its embedkit.json; a transformers.js folder the `text` backbone loads as " +
      "text:model=zoo:embedkit-text-debian (ships with embedkit, no download)",
    frontend: null,
    license: "trained on Debian archive metadata (each description its maintainers')",
    bundled: { path: "models/embedkit-text-debian", ...BUNDLED_FILES["embedkit-text-debian"] },
    sources: [],
  },
  {
    name: "silero-vad",
    kind: "vad",
    file: "silero_vad.onnx",
    description: "Silero VAD; v5 ships in npm @ricky0123/vad-web (used by default, no download)",
    frontend: null,
    license: "MIT (snakers4/silero-vad)",
    bundled: {
      npm: "@ricky0123/vad-web@0.0.31",
      path: "dist/silero_vad_v5.onnx",
      sha256: "2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f",
    },
    sources: [{
      url: "https://github.com/k2-fsa/sherpa-onnx/releases/download/asr-models/silero_vad.onnx",
      sha256: "9e2449e1087496d8d4caba907f23e0bd3f78d91fa552479bb9c23ac09cbb1fd6",
      size: 643_854,
    }],
  },
  // pyannote segmentation-3.0 (MIT), converted by k2-fsa (scripts/pyannote/segmentation/export-onnx.py, with
  // the metadata embedkit's segmentation plugin reads). The GitHub release asset
  // speaker-segmentation-models/sherpa-onnx-pyannote-segmentation-3-0.tar.bz2 (6,958,444 bytes, sha256
  // 24615ee884c897d9d2ba09bb4d30da6bb1b15e685065962db5b02e76e4996488) holds the same two files; the zoo
  // downloads single files, so the entries use the Hugging Face copies at a fixed revision. sha256 and sizes
  // as pinned (identically) by several independent public projects: the Hugging Face mirror
  // wilsonguenther/yap-diarize-models (README lists the archive and both members with sha256 and size) and
  // download tables in other projects that pin these exact revision-9403a69 URLs with the same hashes.
  {
    name: "pyannote-segmentation-3.0",
    kind: "segmentation",
    file: "pyannote-segmentation-3.0.onnx",
    description:
      "pyannote segmentation-3.0 (PyanNet, 10 s chunks, 3 speakers, powerset of 7), sherpa-onnx export",
    frontend: null,
    license: "MIT (pyannote.audio, CNRS)",
    sources: [{
      url:
        "https://huggingface.co/csukuangfj/sherpa-onnx-pyannote-segmentation-3-0/resolve/9403a6902bb58e3d5ae8c7e77c3422de279db2e0/model.onnx",
      sha256: "220ad67ca923bef2fa91f2390c786097bf305bceb5e261d4af67b38e938e1079",
      size: 5_992_913,
    }],
  },
  {
    name: "pyannote-segmentation-3.0-int8",
    kind: "segmentation",
    file: "pyannote-segmentation-3.0.int8.onnx",
    description: "pyannote segmentation-3.0, int8 dynamic quantisation (sherpa-onnx export)",
    frontend: null,
    license: "MIT (pyannote.audio, CNRS)",
    sources: [{
      url:
        "https://huggingface.co/csukuangfj/sherpa-onnx-pyannote-segmentation-3-0/resolve/9403a6902bb58e3d5ae8c7e77c3422de279db2e0/model.int8.onnx",
      sha256: "d582f4b4c6b48205de7e0643c57df0df5615a3c176189be3fc461e9d18827b5d",
      size: 1_540_506,
    }],
  },
];

/**
 * Names that stand for another entry, resolved here and only here ({@link zooModel}): every consumer
 * (`zoo:` model specs, `models pull/verify`, the demo) gets the target entry, so its file is verified
 * against the target's sha256 on load like any other zoo file.
 */
export const ZOO_ALIASES: Readonly<Record<string, string>> = {
  /** The recommended speaker model that ships with embedkit (the demo's and the speaker registry's default). */
  "embedkit-speaker": "embedkit-ecapa-librispeech",
};

/** The entry for `name` (an alias resolves to its target), or an error listing the names. */
export function zooModel(name: string): ZooModel {
  const target = ZOO_ALIASES[name] ?? name;
  const m = ZOO.find((z) => z.name === target);
  if (!m) {
    throw new Error(
      `unknown model '${name}'; known: ${
        [...ZOO.map((z) => z.name), ...Object.keys(ZOO_ALIASES)].join(", ")
      }`,
    );
  }
  return m;
}
