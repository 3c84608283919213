/**
 * Reader for the Cranfield collection in SMART format (`cran.all.1400`, `cran.qry`, `cranqrel`).
 *
 * - Documents: `.I id` then fields `.T` title, `.A` authors, `.B` bibliography, `.W` abstract; a
 *   document's text is its `.T` and `.W` fields joined by a newline.
 * - Queries: `.I id` + `.W`; the ids are NOT sequential (001, 002, 004, ...) and the qrels refer to
 *   queries by their ORDINAL 1..225, so `Query.id` is the ordinal as a string and `sourceId` the `.I`.
 * - Qrels: `query doc grade` (CRLF); grades 1-4 are Cleverdon's relevance codes (1 = complete answer),
 *   -1 lines are not judgements of relevance and are skipped.
 * Some public copies append non-Cranfield documents after 1400; they are dropped unless asked for.
 * @module
 */
import { InputError } from "../errors.ts";
import { join } from "../paths.ts";

/** A document. */
export interface CranfieldDoc {
  /** Document id as in `.I` (leading zeros removed). */
  readonly id: string;
  /** The `.T` field. */
  readonly title: string;
  /** Title and `.W` abstract, newline-joined. */
  readonly text: string;
}

/** A query; `id` is the ordinal the qrels use. */
export interface CranfieldQuery {
  /** Ordinal 1..225 as a string: the id the qrels use. */
  readonly id: string;
  /** The `.I` id in cran.qry (not sequential). */
  readonly sourceId: string;
  /** The `.W` field. */
  readonly text: string;
}

/** The collection. */
export interface CranfieldCollection {
  /** Documents in file order. */
  readonly docs: CranfieldDoc[];
  /** Queries in file order. */
  readonly queries: CranfieldQuery[];
  /** query id -> doc id -> grade (1 = most relevant .. 4). */
  readonly qrels: Map<string, Map<string, number>>;
}

/** Options of {@link readCranfield}. */
export interface CranfieldOptions {
  /** Keep documents with ids above 1400 that some copies append (default false). */
  includeExtraDocs?: boolean;
}

/** Splits SMART text into records: id + field letter -> text (repeated fields are concatenated). */
export function parseSmart(text: string, name: string): { id: string; fields: Map<string, string> }[] {
  const out: { id: string; fields: Map<string, string> }[] = [];
  let field: string | undefined;
  const lines = text.split(/\r\n|\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const m = /^\.([A-Z])(?:\s+(\S+))?\s*$/.exec(line);
    if (m && m[1] === "I") {
      if (!m[2]) throw new InputError(name, "'.I' line without an id", i + 1);
      out.push({ id: m[2], fields: new Map() });
      field = undefined;
    } else if (m && !m[2]) {
      if (!out.length) throw new InputError(name, `field '.${m[1]}' before the first '.I <id>' line`, i + 1);
      field = m[1];
      const f = out[out.length - 1].fields;
      if (f.has(field)) f.set(field, f.get(field) + "\n");
      else f.set(field, "");
    } else if (line.trim()) {
      if (!out.length || !field) throw new InputError(name, "text outside a '.T/.A/.B/.W' field", i + 1);
      const f = out[out.length - 1].fields;
      const prev = f.get(field)!;
      f.set(field, prev && !prev.endsWith("\n") ? `${prev}\n${line}` : prev + line);
    }
  }
  return out;
}

async function readText(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    throw new InputError(path, `cannot read: ${(e as Error).message}`);
  }
}

/** Reads the collection from a folder holding cran.all.1400, cran.qry and cranqrel. */
export async function readCranfield(
  dir: string,
  options: CranfieldOptions = {},
): Promise<CranfieldCollection> {
  const docPath = join(dir, "cran.all.1400"),
    qryPath = join(dir, "cran.qry"),
    relPath = join(dir, "cranqrel");
  const docs = parseSmart(await readText(docPath), docPath)
    .filter((r) => options.includeExtraDocs || Number(r.id) <= 1400)
    .map((r) => {
      const title = (r.fields.get("T") ?? "").trim();
      const body = (r.fields.get("W") ?? "").trim();
      return { id: String(Number(r.id)), title, text: [title, body].filter(Boolean).join("\n") };
    });
  const queries = parseSmart(await readText(qryPath), qryPath).map((r, i) => ({
    id: String(i + 1),
    sourceId: r.id,
    text: (r.fields.get("W") ?? "").trim(),
  }));
  const qrels = new Map<string, Map<string, number>>();
  const lines = (await readText(relPath)).split(/\r\n|\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    const f = lines[i].trim().split(/\s+/);
    if (f.length === 1 && f[0] === "") continue;
    if (f.length < 3 || !f.slice(0, 3).every((x) => /^-?\d+$/.test(x))) {
      throw new InputError(
        relPath,
        `expected '<query ordinal> <doc id> <grade>', got '${lines[i].trim()}'`,
        i + 1,
      );
    }
    const grade = Number(f[2]);
    if (grade < 1) continue;
    const q = String(Number(f[0])), d = String(Number(f[1]));
    const m = qrels.get(q) ?? new Map<string, number>();
    m.set(d, grade);
    qrels.set(q, m);
  }
  return { docs, queries, qrels };
}
