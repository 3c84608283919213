/**
 * The language of each training utterance, for the language-invariant losses of multi-language
 * speaker training (CRMI-DKU): `"data-dir"` (each data dir given is one language, in the order given)
 * or a regular expression whose first capture group (else its whole match) on the utterance id names
 * the language (e.g. `^([a-z]{2})_` on Asterisk's `en_US_f_Allison/...` ids).
 * @module
 */
import { ConfigError } from "../errors.ts";
import { resolve } from "../paths.ts";
import type { Utterance } from "./datasets.ts";

/** Language ids per utterance (0-based, names sorted) and the names. */
export interface Languages {
  readonly ids: Int32Array;
  readonly names: string[];
}

/** The languages of `utts` by `from` ("data-dir" or a regex); throws a ConfigError naming the utterance. */
export function languagesOf(utts: readonly Utterance[], from: string, dirs: readonly string[]): Languages {
  let name: (u: Utterance) => string | undefined;
  if (from === "data-dir") {
    const roots = dirs.map((d) => resolve(d));
    if (roots.length < 2) {
      throw new ConfigError("train", "languageFrom 'data-dir' needs one data dir per language (2 or more)");
    }
    name = (u) => {
      const p = u.path && resolve(u.path);
      const i = p ? roots.findIndex((r) => p.startsWith(r + "/")) : -1;
      return i >= 0 ? dirs[i] : undefined;
    };
  } else {
    let re: RegExp;
    try {
      re = new RegExp(from);
    } catch (e) {
      throw new ConfigError(
        "train",
        `languageFrom: '${from}' is not a regular expression (${(e as Error).message})`,
      );
    }
    name = (u) => {
      const m = re.exec(u.id);
      return m ? (m[1] ?? m[0]) : undefined;
    };
  }
  const per = utts.map((u) => {
    const n = name(u);
    if (n === undefined) {
      throw new ConfigError("train", `languageFrom '${from}': no language for utterance '${u.id}'`);
    }
    return n;
  });
  const names = [...new Set(per)].sort();
  return { ids: Int32Array.from(per, (n) => names.indexOf(n)), names };
}
