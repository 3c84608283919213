/**
 * `embedkit speakers enroll|identify|verify|list|remove|export|calibrate --db DB ...`: a persistent
 * speaker registry (core/speakers/). DB is a directory (embedded PGlite store, one process at a time)
 * or a postgres:// URL (PostgreSQL with pgvector). JSON on stdout or --out; names are JSON strings.
 * Plugins come from the global registry (this is the CLI); the library takes any Registry.
 * @module
 */
import type { Command, ParsedArgs } from "../common.ts";
import { emit, numberOpt, resolveUserPath, UsageError } from "../common.ts";
import { backboneSpecs, EP_OPTION, parseSpec } from "./pipeline_args.ts";
import { registry } from "../../core/registry.ts";
import { writeFileAtomic } from "../../core/atomic.ts";
import {
  DEFAULT_SAMPLE_RATE,
  DEFAULT_SPEAKER_BACKBONE,
  DEFAULT_THRESHOLDS,
  enrollFiles,
  evaluateIdentification,
  fitStoreCalibration,
  identifyFiles,
  type OpenBackbone,
  openBackbone,
  openSpeakerStore,
  SpeakerScorer,
  type SpeakerStore,
  verifyFile,
} from "../../core/speakers/mod.ts";
import { exportStore } from "./speakers_export.ts";

const SUBCOMMANDS = ["enroll", "identify", "verify", "list", "remove", "export", "calibrate"] as const;
type Sub = typeof SUBCOMMANDS[number];

const USAGE = [
  "enroll --db DB [--cohort] NAME FILE...",
  "  identify --db DB FILE... [--top N] [--threshold T] | identify --db DB --data DIR (labelled: metrics)",
  "  verify --db DB NAME FILE [--threshold T]",
  "  list|export --db DB   remove --db DB NAME   calibrate --db DB [--normalize asnorm]",
].join("\n");

/** The backbone: --backbone, else the one the store was bound with, else the default. */
async function backboneFor(args: ParsedArgs, store: SpeakerStore): Promise<OpenBackbone> {
  const given = args.values.backbone as string | undefined;
  const bound = await store.binding();
  const text = given ?? bound?.backbone ?? DEFAULT_SPEAKER_BACKBONE;
  const [spec] = backboneSpecs(args, text)!;
  return await openBackbone(registry, spec, numberOpt(args, "sample-rate") ?? DEFAULT_SAMPLE_RATE);
}

async function scorerFor(args: ParsedArgs, store: SpeakerStore, ob: OpenBackbone): Promise<SpeakerScorer> {
  return await SpeakerScorer.create(store, registry, ob.model, {
    normalizer: args.values.normalize ? parseSpec(args.values.normalize as string) : undefined,
    calibrate: Boolean(args.values.calibrate),
    calibrator: args.values.calibrator ? parseSpec(args.values.calibrator as string) : undefined,
    efSearch: numberOpt(args, "ef-search"),
    exact: Boolean(args.values.exact),
  });
}

function threshold(args: ParsedArgs, scorer: SpeakerScorer): number {
  return numberOpt(args, "threshold") ?? scorer.defaultThreshold;
}

const json = (v: unknown) => JSON.stringify(v, null, 2);
const files = (names: string[]) => names.map((p) => resolveUserPath(p));

async function run(sub: Sub, args: ParsedArgs, rest: string[], store: SpeakerStore): Promise<number> {
  const db = { db: store.where, store: store.kind };
  switch (sub) {
    case "enroll": {
      const [name, ...paths] = rest;
      if (!name || !paths.length) {
        throw new UsageError(`speakers enroll needs NAME and at least one FILE\nusage: ${USAGE}`);
      }
      const ob = await backboneFor(args, store);
      const r = await enrollFiles(store, ob, name, files(paths), {
        role: args.values.cohort ? "cohort" : "enrolled",
      });
      await emit(args, json({ ...db, speaker: r.name, ...r, name: undefined, model: ob.model }));
      return 0;
    }
    case "identify": {
      const data = args.values.data as string | undefined;
      if (!rest.length && !data) {
        throw new UsageError(`speakers identify needs FILE... or --data DIR\nusage: ${USAGE}`);
      }
      const ob = await backboneFor(args, store);
      const scorer = await scorerFor(args, store, ob);
      const t = threshold(args, scorer), top = numberOpt(args, "top") ?? 5;
      const head = { ...db, scale: scorer.scale, threshold: t, top, model: ob.model.backbone };
      if (data) {
        const rep = await evaluateIdentification(store, registry, scorer, ob, data, { top, threshold: t });
        await emit(args, json({ ...head, data, ...rep }));
      } else {
        await emit(
          args,
          json({ ...head, results: await identifyFiles(scorer, ob, files(rest), { top, threshold: t }) }),
        );
      }
      return 0;
    }
    case "verify": {
      const [name, file, extra] = rest;
      if (!name || !file || extra) {
        throw new UsageError(`speakers verify needs NAME and one FILE\nusage: ${USAGE}`);
      }
      await store.speaker(name); // unknown speaker: say so before loading a model
      const ob = await backboneFor(args, store);
      const scorer = await scorerFor(args, store, ob);
      const t = threshold(args, scorer);
      const r = await verifyFile(scorer, ob, name, resolveUserPath(file), t);
      await emit(
        args,
        json({ ...db, scale: scorer.scale, threshold: t, speaker: name, ...r, name: undefined }),
      );
      return 0;
    }
    case "list": {
      const speakers = await store.list();
      await emit(
        args,
        json({ ...db, model: await store.binding() ?? null, counts: await store.counts(), speakers }),
      );
      return 0;
    }
    case "remove": {
      if (rest.length !== 1) throw new UsageError(`speakers remove needs one NAME\nusage: ${USAGE}`);
      const r = await store.remove(rest[0]);
      await emit(args, json({ ...db, removed: r.name, utterances: r.utterances }));
      return 0;
    }
    case "export": {
      const out = args.values.out as string | undefined;
      const lines: string[] = [];
      await exportStore(store, { embeddings: !args.values["models-only"] }, (l) => {
        if (out) lines.push(l);
        else console.log(l);
      });
      if (out) await writeFileAtomic(out, lines.join("\n") + "\n");
      return 0;
    }
    case "calibrate": {
      const ob = await backboneFor(args, store);
      const r = await fitStoreCalibration(store, registry, ob.model, {
        normalizer: args.values.normalize ? parseSpec(args.values.normalize as string) : undefined,
        calibrator: args.values.calibrator ? parseSpec(args.values.calibrator as string) : undefined,
        seed: numberOpt(args, "seed"),
      });
      await emit(args, json({ ...db, ...r, scale: "llr", use: "speakers identify|verify --calibrate" }));
      return 0;
    }
  }
}

export const speakersCommand: Command = {
  summary:
    "speaker registry: enroll, identify, verify, list, remove, export, calibrate (embedded dir or postgres://)",
  usage: USAGE,
  options: {
    db: {
      type: "string",
      help: "store: a directory (embedded PGlite, created when new) or postgres://USER@HOST:PORT/DB",
    },
    backbone: {
      type: "string",
      help: `backbone spec (default: the store's, else ${DEFAULT_SPEAKER_BACKBONE})`,
    },
    ...EP_OPTION,
    "sample-rate": {
      type: "string",
      help: "resample audio to this rate before embedding",
      default: String(DEFAULT_SAMPLE_RATE),
    },
    cohort: {
      type: "boolean",
      help: "enroll: add as a cohort (impostor) speaker for AS-norm, never identified",
    },
    top: {
      type: "string",
      help: "identify: candidates to list per file",
      number: { integer: true, min: 1, max: 1000 },
    },
    threshold: {
      type: "string",
      help: "accept when score > T (default: measured for the store's model when it is a shipped one, else " +
        `embedkit-speaker's: cosine ${DEFAULT_THRESHOLDS.cosine}, with --normalize ${DEFAULT_THRESHOLDS.normalized}; ` +
        "with --calibrate an LLR, default 0)",
      number: { min: -1e9, max: 1e9 },
    },
    data: {
      type: "string",
      path: true,
      help: "identify: a labelled data dir; reports IER, precision, recall, top-N",
    },
    normalize: { type: "string", help: "score normaliser against the store's cohort, e.g. asnorm:topN=100" },
    calibrate: {
      type: "boolean",
      help: "identify/verify: scores as LLRs from the stored calibration ('speakers calibrate')",
    },
    calibrator: {
      type: "string",
      help: "calibrator plugin (default logreg-calibration:regularization=0.001)",
    },
    "ef-search": {
      type: "string",
      help: "HNSW candidate list size (default 100)",
      number: { integer: true, min: 1, max: 1000 },
    },
    exact: { type: "boolean", help: "exact search (no index)" },
    "models-only": { type: "boolean", help: "export: speakers' model vectors only, no utterance embeddings" },
    seed: { type: "string", help: "calibrate: seed of the non-target sampling", default: "1234" },
    out: { type: "string", help: "write the JSON result here (atomically) instead of stdout" },
  },
  async run(args) {
    const [sub, ...rest] = args.positionals;
    if (!sub || !(SUBCOMMANDS as readonly string[]).includes(sub)) {
      throw new UsageError(
        `speakers needs a subcommand: ${SUBCOMMANDS.join(", ")}${
          sub ? ` (got '${sub}')` : ""
        }\nusage: ${USAGE}`,
      );
    }
    const db = args.values.db as string | undefined;
    if (!db) {
      throw new UsageError("speakers needs --db DIR (embedded store) or --db postgres://USER@HOST:PORT/DB");
    }
    const store = await openSpeakerStore(/^postgres(ql)?:/i.test(db) ? db : resolveUserPath(db));
    try {
      return await run(sub as Sub, args, rest, store);
    } finally {
      await store.close();
    }
  },
};
