/**
 * Runs every bench/*_bench.ts (or those whose name contains one of the arguments), one after another,
 * each in its own `deno run -A` process so that one bench's memory and JIT state do not affect the next.
 *
 *   deno task bench              # all
 *   deno task bench fbank dist   # bench/fbank_bench.ts and bench/distance_bench.ts
 * @module
 */
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
const filters = Deno.args;
const benches = [...Deno.readDirSync(here)]
  .map((e) => e.name)
  .filter((n) => n.endsWith("_bench.ts") && (filters.length === 0 || filters.some((f) => n.includes(f))))
  .sort();
if (benches.length === 0) {
  console.error(
    `no bench matches ${filters.join(", ")}; available: ${
      [...Deno.readDirSync(here)].map((e) => e.name).join(", ")
    }`,
  );
  Deno.exit(1);
}
let failed = 0;
for (const b of benches) {
  console.log(`\n## ${b}`);
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(here, b)],
    stdout: "inherit",
    stderr: "inherit",
  })
    .output();
  if (!r.success) {
    failed++;
    console.error(`${b} failed (exit ${r.code})`);
  }
}
Deno.exit(failed ? 1 : 0);
