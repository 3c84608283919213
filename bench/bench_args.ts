/**
 * The bench scripts' command line: node:util parseArgs over Deno.args (strict: an unknown option is an
 * error), and the `--shared` option the benches that read ../shared/data share.
 * @module
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";

/** `--shared <dir>`: the shared data folder, by default ../shared/data next to the repository. */
export const SHARED_OPTION = { type: "string", default: "../shared/data" } as const;

/** Parses Deno.args against `options` (types follow the declarations, as with parseArgs itself). */
export function benchArgs<const O extends ParseArgsOptionsConfig>(options: O) {
  return parseArgs({ args: Deno.args, options });
}
