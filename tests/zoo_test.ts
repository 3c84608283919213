/**
 * Model zoo downloader against a Deno.serve server on 127.0.0.1: full, truncated (then resumed with an
 * HTTP Range request), corrupted, ignored-Range, missing, offline. The expected sha256 comes from
 * node:crypto (an implementation independent of the Web Crypto digest the downloader uses).
 */
import { createHash } from "node:crypto";
import { assert, assertEquals, assertRejects } from "./assert.ts";
import { withTempDir } from "./helpers.ts";
import { download } from "../core/zoo/download.ts";
import { pullModel, verifyModels } from "../core/zoo/store.ts";
import { ZOO } from "../core/zoo/catalog.ts";
import { main } from "../cli/main.ts";
import { Rng } from "../core/random.ts";

const rng = new Rng(9);
const PAYLOAD = Uint8Array.from({ length: 300_000 }, () => rng.int(256));
const SHA = createHash("sha256").update(PAYLOAD).digest("hex");

function startServer() {
  const ranges: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    const range = req.headers.get("range");
    if (range) ranges.push(`${path} ${range}`);
    if (path === "/missing") return new Response("no", { status: 404 });
    const data = path === "/corrupt" ? PAYLOAD.map((b, i) => (i === 5000 ? b ^ 0xff : b)) : PAYLOAD;
    const m = range && path !== "/norange" ? /bytes=(\d+)-/.exec(range) : null;
    if (m) {
      const start = Number(m[1]);
      if (start >= data.length) {
        return new Response(null, { status: 416, headers: { "content-range": `bytes */${data.length}` } });
      }
      return new Response(data.slice(start), {
        status: 206,
        headers: {
          "content-range": `bytes ${start}-${data.length - 1}/${data.length}`,
          "content-length": String(data.length - start),
        },
      });
    }
    return new Response(data, { headers: { "content-length": String(data.length) } });
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  return { server, base, ranges };
}

/** A raw TCP server that promises the whole payload (Content-Length) and hangs up after 120,000 bytes. */
function startTruncatingServer(): { url: string; close: () => void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  (async () => {
    for await (const conn of listener) {
      await conn.read(new Uint8Array(4096));
      const head = `HTTP/1.1 200 OK\r\ncontent-length: ${PAYLOAD.length}\r\nconnection: close\r\n\r\n`;
      const all = new Uint8Array([...new TextEncoder().encode(head), ...PAYLOAD.subarray(0, 120_000)]);
      for (let off = 0; off < all.length;) off += await conn.write(all.subarray(off));
      conn.close();
    }
  })().catch(() => {});
  return {
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}/truncated`,
    close: () => listener.close(),
  };
}

async function exists(p: string): Promise<boolean> {
  return await Deno.stat(p).then(() => true, () => false);
}

Deno.test("zoo download: full file is verified and renamed into place, no .part left", async () => {
  const { server, base } = startServer();
  await withTempDir(async (dir) => {
    const r = await download(`${base}/full`, `${dir}/m.onnx`, { sha256: SHA, size: PAYLOAD.length });
    assertEquals([r.sha256, r.bytes, r.resumedFrom, r.verified], [SHA, PAYLOAD.length, 0, true]);
    assertEquals(await Deno.readFile(`${dir}/m.onnx`), PAYLOAD);
    assert(!(await exists(`${dir}/m.onnx.part`)));
  });
  await server.shutdown();
});

Deno.test("zoo download: a truncated transfer keeps .part and resumes with a Range request", async () => {
  const { server, base, ranges } = startServer();
  await withTempDir(async (dir) => {
    const dest = `${dir}/m.onnx`;
    const cut = startTruncatingServer();
    await assertRejects(() => download(cut.url, dest, { sha256: SHA }), Error, "run pull again to resume");
    cut.close();
    assert(!(await exists(dest)), "a truncated file must not be renamed into place");
    const partial = (await Deno.stat(`${dest}.part`)).size;
    assertEquals(partial, 120_000);
    const r = await download(`${base}/full`, dest, { sha256: SHA });
    assertEquals(ranges, [`/full bytes=${partial}-`]);
    assertEquals([r.resumedFrom, r.sha256], [partial, SHA]);
    assertEquals(await Deno.readFile(dest), PAYLOAD);
  });
  await server.shutdown();
});

Deno.test("zoo download: corrupted file is refused and deleted; ignored Range restarts; 404 and offline explain", async () => {
  const { server, base } = startServer();
  await withTempDir(async (dir) => {
    await assertRejects(
      () => download(`${base}/corrupt`, `${dir}/c.onnx`, { sha256: SHA }),
      Error,
      `checksum mismatch: expected sha256 ${SHA}`,
    );
    assert(!(await exists(`${dir}/c.onnx`)) && !(await exists(`${dir}/c.onnx.part`)));
    // a server that ignores Range: the partial file is discarded and the download starts over
    await Deno.writeFile(`${dir}/n.onnx.part`, PAYLOAD.slice(0, 1000).map((b) => b ^ 1));
    const logs: string[] = [];
    const r = await download(`${base}/norange`, `${dir}/n.onnx`, { sha256: SHA, log: (s) => logs.push(s) });
    assertEquals([r.sha256, r.resumedFrom], [SHA, 0]);
    assert(logs.some((l) => l.includes("ignored the Range request")));
    await assertRejects(
      () => download(`${base}/missing`, `${dir}/x.onnx`, { sha256: SHA }),
      Error,
      "HTTP 404",
    );
    const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (closed.addr as Deno.NetAddr).port;
    closed.close();
    await assertRejects(
      () => download(`http://127.0.0.1:${port}/m`, `${dir}/o.onnx`, { sha256: SHA }),
      Error,
      "are you offline?",
    );
    // unknown checksum: downloaded, hash recorded, marked unverified
    const u = await download(`${base}/full`, `${dir}/u.onnx`, { sha256: null, log: () => {} });
    assertEquals([u.verified, u.sha256], [false, SHA]);
  });
  await server.shutdown();
});

Deno.test("zoo: pull falls back to the next source; verify re-hashes files; the catalog holds real URLs", async () => {
  const { server, base } = startServer();
  await withTempDir(async (dir) => {
    const r = await pullModel("wespeaker-resnet34", {
      dir,
      log: () => {},
      sources: [{ url: `${base}/missing`, sha256: SHA }, { url: `${base}/full`, sha256: SHA }],
    });
    assertEquals(r.url, `${base}/full`);
    // the installed file is not the real model, so verify against the catalog reports a mismatch
    const v = await verifyModels(["wespeaker-resnet34"], dir);
    assertEquals(v.map((x) => x.status), ["mismatch"]);
    // Silero VAD ships in the npm package: its catalog sha256 matches the installed file
    const s = await verifyModels(["silero-vad"], dir);
    assertEquals(s.map((x) => x.status), ["ok"]);
    assertEquals((await verifyModels(["3dspeaker-campplus"], dir)).map((x) => x.status), ["missing"]);
    const code = await main(["models", "list", "--json", "--dir", dir, "--out", `${dir}/list.json`]);
    assertEquals(code, 0);
    const list = JSON.parse(await Deno.readTextFile(`${dir}/list.json`));
    assertEquals(
      list.find((m: { name: string }) => m.name === "wespeaker-resnet34").installed,
      `${dir}/wespeaker_en_voxceleb_resnet34.onnx`,
    );
  });
  for (const m of ZOO) {
    for (const s of m.sources) {
      assert(
        /^https:\/\/(github\.com\/k2-fsa\/sherpa-onnx\/releases\/download|huggingface\.co)\//.test(s.url),
        s.url,
      );
      assert(s.sha256 === null || /^[0-9a-f]{64}$/.test(s.sha256), `${m.name}: ${s.sha256}`);
    }
  }
  await server.shutdown();
});

Deno.test("zoo: the TDNN trained by embedkit ships in the repo, verifies, runs through onnx-speaker, needs no pull", async () => {
  await withTempDir(async (dir) => {
    // its sha256 in the catalog matches the committed file
    assertEquals((await verifyModels(["embedkit-tdnn-librispeech"], dir)).map((x) => x.status), ["ok"]);
    await assertRejects(() => pullModel("embedkit-tdnn-librispeech", { dir }), Error, "nothing to download");
  });
  const { registry } = await import("../plugins/mod.ts");
  const bb = await registry.create("backbone", "onnx-speaker", { model: "zoo:embedkit-tdnn-librispeech" });
  const rng = new Rng(3);
  const tone = Float32Array.from({ length: 32000 }, (_, i) => 0.3 * Math.sin(i * 0.05) + 0.01 * rng.normal());
  const [e] = await bb.embed([{ id: "tone", samples: tone, sampleRate: 16000 }]);
  assertEquals(e.length, 192);
  // ep "auto": onnxruntime-node where --allow-ffi reaches it (the test task grants it), else wasm
  const ep = String(bb.info().ep);
  assert(["node", "wasm"].includes(ep), ep);
  await bb.dispose?.();
});
