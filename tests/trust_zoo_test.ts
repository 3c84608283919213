/**
 * Issue 17, item 2: zoo files are verified when loaded. A tampered copy in a temporary models folder is
 * refused (naming the sha256 mismatch and `deno task models pull NAME`); a good file is hashed once and
 * then answered from the cache (path, size, mtime) until it changes. Expected hashes come from
 * node:crypto, independent of the Web Crypto digest the code uses.
 */
import { createHash } from "node:crypto";
import { assert, assertEquals, assertRejects } from "./assert.ts";
import { join } from "node:path";
import { withTempDir } from "./helpers.ts";
import { zooModel } from "../core/zoo/catalog.ts";
import { bundledPath, installedPath, modelPath } from "../core/zoo/store.ts";
import { ModelIntegrityError, verifyModelFile } from "../core/zoo/verify.ts";
import "../plugins/mod.ts";
import { registry } from "../core/registry.ts";

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

Deno.test("zoo: a tampered file in the models folder is refused with the mismatch and the re-pull command", async () => {
  await withTempDir(async (dir) => {
    const m = zooModel("wespeaker-resnet34");
    await Deno.writeFile(modelPath(m, dir), new TextEncoder().encode("not the published model"));
    const err = await assertRejects(() => installedPath(m, dir), ModelIntegrityError);
    assert(err.message.includes(`sha256 mismatch for zoo model 'wespeaker-resnet34'`), err.message);
    assert(err.message.includes("expected 5ef208a9da1453335308a6b6f4e6dfbd7e183a38b604de0a57664f45d257fe94"));
    assert(err.message.includes(`got ${sha(new TextEncoder().encode("not the published model"))}`));
    assert(err.message.includes("deno task models pull wespeaker-resnet34"), err.message);
    assertEquals(await installedPath(m, dir, { verify: false }), modelPath(m, dir)); // listing still shows it
  });
});

Deno.test("zoo: onnx-speaker refuses a tampered zoo: model through the registry (EMBEDKIT_MODELS)", async () => {
  await withTempDir(async (dir) => {
    const m = zooModel("wespeaker-resnet34");
    await Deno.writeFile(modelPath(m, dir), new Uint8Array(1000));
    const prev = Deno.env.get("EMBEDKIT_MODELS");
    Deno.env.set("EMBEDKIT_MODELS", dir);
    try {
      await assertRejects(
        () => registry.create("backbone", "onnx-speaker", { model: "zoo:wespeaker-resnet34", ep: "wasm" }),
        Error,
        "sha256 mismatch for zoo model 'wespeaker-resnet34'",
      );
    } finally {
      if (prev === undefined) Deno.env.delete("EMBEDKIT_MODELS");
      else Deno.env.set("EMBEDKIT_MODELS", prev);
    }
  });
});

Deno.test("zoo: the bundled TDNN verifies; a verified hash is cached by path, size and mtime", async () => {
  const tdnn = zooModel("embedkit-tdnn-librispeech");
  await withTempDir(async (dir) => {
    assertEquals(await installedPath(tdnn, dir), bundledPath(tdnn));
    const path = join(dir, "m.onnx"), bytes = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) & 255);
    await Deno.writeFile(path, bytes);
    const want = { name: "test-model", sha256: [sha(bytes)] };
    assertEquals(await verifyModelFile(path, want, dir), {
      sha256: sha(bytes),
      cached: false,
      verified: true,
    });
    assertEquals((await verifyModelFile(path, want, dir)).cached, true);
    // same size, one byte changed: the mtime moves, the cache misses, the file is refused
    bytes[100] ^= 1;
    await new Promise((r) => setTimeout(r, 20));
    await Deno.writeFile(path, bytes);
    await assertRejects(() => verifyModelFile(path, want, dir), ModelIntegrityError, "test-model");
    const cache = JSON.parse(await Deno.readTextFile(join(dir, ".verified.json")));
    assertEquals(Object.keys(cache).sort(), [bundledPath(tdnn)!, path].sort()); // both verified files, by path
    assertEquals(cache[path].sha256, sha(bytes.map((b, i) => (i === 100 ? b ^ 1 : b)))); // the good copy's hash
  });
});
