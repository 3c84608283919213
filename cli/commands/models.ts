/**
 * `embedkit models list|pull NAME|verify [NAME...]`: the model zoo (core/zoo). Pulling needs network
 * access: run it as `deno task models pull NAME` (that task adds --allow-net).
 * @module
 */
import type { Command } from "../common.ts";
import { UsageError } from "../common.ts";
import { emit } from "../common.ts";
import { listModels, modelsDir, pullModel, verifyModels } from "../../core/zoo/store.ts";
import { status } from "../../core/progress.ts";

export const modelsCommand: Command = {
  summary: "model zoo: list, pull NAME (resumable, sha256-verified), verify installed files",
  usage: "list | pull NAME | verify [NAME...] [--dir DIR] [--json]",
  options: {
    dir: { type: "string", help: "models folder (default $EMBEDKIT_MODELS or .cache/models)" },
    json: { type: "boolean", help: "print JSON" },
    out: { type: "string", help: "write to this file (atomically) instead of stdout" },
  },
  async run(args) {
    const [sub, ...names] = args.positionals;
    const dir = (args.values.dir as string | undefined) ?? modelsDir();
    if (sub === "list" || sub === undefined) {
      const list = await listModels(dir);
      if (args.values.json) return emit(args, JSON.stringify(list, null, 2));
      return emit(
        args,
        list.map((m) =>
          `${m.name.padEnd(28)} ${m.kind.padEnd(18)} ${m.installed ? "installed" : "-        "}  sha256:${
            m.checksum.padEnd(9)
          } ${m.description}`
        ).join("\n"),
      );
    }
    if (sub === "pull") {
      if (names.length !== 1) throw new UsageError("usage: models pull NAME (see 'models list')");
      let last = 0;
      try {
        const r = await pullModel(names[0], {
          dir,
          log: status,
          onProgress: (d, t) => {
            if (d - last >= 4 << 20 || d === t) {
              last = d;
              status(`${names[0]}: ${(d / 1e6).toFixed(1)}${t ? ` / ${(t / 1e6).toFixed(1)}` : ""} MB`);
            }
          },
        });
        return emit(args, JSON.stringify(r, null, 2));
      } catch (e) {
        if (e instanceof Deno.errors.NotCapable || (e as Error).name === "NotCapable") {
          throw new Error(
            "models pull needs network access: run 'deno task models pull NAME' (adds --allow-net)",
          );
        }
        throw e;
      }
    }
    if (sub === "verify") {
      const res = await verifyModels(names, dir);
      await emit(args, JSON.stringify(res, null, 2));
      return res.some((r) => r.status === "mismatch" || r.status === "missing") ? 1 : 0;
    }
    throw new UsageError(`unknown subcommand '${sub}'; use list, pull NAME or verify`);
  },
};
