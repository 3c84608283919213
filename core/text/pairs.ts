/**
 * Text pairs as sentence-transformers datasets hold them: JSON lines, one object a line, with string
 * columns `anchor` and `positive` and optionally `negative` (a hard negative). Other columns are kept
 * in `extra` (e.g. Debian's `source`, which the batch sampler can use as a group). `.jsonl.gz` is
 * decompressed with the web-standard DecompressionStream("gzip").
 *
 * Bad input fails with the file and line and what to do: a line that is not JSON, a line that is not
 * an object, a missing or non-string column, an empty text, an empty file, a damaged gzip stream.
 * Blank lines are skipped (as the `datasets` JSON loader does).
 * @module
 */
import { InputError } from "../errors.ts";

/** One training or evaluation pair. */
export interface TextPair {
  /** The query side (sentence-transformers' first column). */
  readonly anchor: string;
  /** The text that answers it. */
  readonly positive: string;
  /** Optional hard negative. */
  readonly negative?: string;
  /** Every other column of the line. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** Options of {@link readPairs}. */
export interface ReadPairsOptions {
  /** Read at most this many pairs (for quick runs). */
  readonly limit?: number;
  /** Require the `negative` column on every line. */
  readonly requireNegative?: boolean;
}

const COLUMNS = ["anchor", "positive", "negative"] as const;

/** Decoded text of a .jsonl or .jsonl.gz file (gzip recognised by its magic bytes, not its name). */
export async function readTextMaybeGzip(path: string): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    throw new InputError(path, `cannot read (${(e as Error).message}); check the path`);
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
        .pipeThrough(new DecompressionStream("gzip"));
      bytes = new Uint8Array(await new Response(stream).arrayBuffer());
    } catch (e) {
      throw new InputError(
        path,
        `damaged gzip data (${(e as Error).message}); re-create it with gzip or use the plain .jsonl`,
      );
    }
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new InputError(path, "not UTF-8 text; save the JSON lines as UTF-8");
  }
}

/** Parses JSON-lines pair text; `file` names the source in errors. */
export function parsePairs(text: string, file: string, opts: ReadPairsOptions = {}): TextPair[] {
  const out: TextPair[] = [];
  const limit = opts.limit ?? Infinity;
  let lineNo = 0, pos = 0;
  while (pos <= text.length && out.length < limit) {
    let end = text.indexOf("\n", pos);
    if (end < 0) end = text.length;
    const line = text.slice(pos, end).replace(/\r$/, "");
    pos = end + 1;
    lineNo++;
    if (!line.trim()) continue;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (e) {
      throw new InputError(
        file,
        `not valid JSON (${(e as Error).message}); each line must be one JSON object like ` +
          `{"anchor": "...", "positive": "..."}`,
        lineNo,
      );
    }
    if (!obj || typeof obj !== "object" || Array.isArray(obj)) {
      throw new InputError(file, `expected a JSON object per line, got ${JSON.stringify(obj)}`, lineNo);
    }
    const rec = obj as Record<string, unknown>;
    for (const col of COLUMNS) {
      const v = rec[col];
      const required = col !== "negative" || opts.requireNegative;
      if (v === undefined || v === null) {
        if (!required) continue;
        const has = Object.keys(rec).join(", ") || "none";
        throw new InputError(
          file,
          `missing column '${col}' (columns here: ${has}); every line needs string 'anchor' and ` +
            `'positive'${col === "negative" ? " and, for this loss, 'negative'" : ""} (rename your columns)`,
          lineNo,
        );
      }
      if (typeof v !== "string") {
        throw new InputError(file, `column '${col}' must be a string, got ${typeof v}`, lineNo);
      }
      if (!v.trim()) throw new InputError(file, `column '${col}' is empty; drop the line or fill it`, lineNo);
    }
    const extra: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(rec)) if (!(COLUMNS as readonly string[]).includes(k)) extra[k] = v;
    out.push({
      anchor: rec.anchor as string,
      positive: rec.positive as string,
      ...(typeof rec.negative === "string" ? { negative: rec.negative } : {}),
      ...(Object.keys(extra).length ? { extra } : {}),
    });
  }
  if (!out.length) {
    throw new InputError(file, "holds no pairs; expected JSON lines with 'anchor' and 'positive' columns");
  }
  return out;
}

/** Reads a .jsonl or .jsonl.gz pairs file. */
export async function readPairs(path: string, opts: ReadPairsOptions = {}): Promise<TextPair[]> {
  return parsePairs(await readTextMaybeGzip(path), path, opts);
}

/**
 * The retrieval task of a pairs file, as sentence-transformers' InformationRetrievalEvaluator is fed:
 * queries = anchors, corpus = positives (one per pair, duplicates kept), query i's relevant passage =
 * corpus row i.
 */
export function pairsAsRetrieval(pairs: readonly TextPair[]): {
  queries: string[];
  corpus: string[];
  relevant: number[][];
} {
  return {
    queries: pairs.map((p) => p.anchor),
    corpus: pairs.map((p) => p.positive),
    relevant: pairs.map((_, i) => [i]),
  };
}
