/**
 * Third-party plugins of every kind, each written in one file under tests/fixtures/ against the public
 * modules only, used from the real CLI as a subprocess with the `embedkit` task's own permissions:
 * a clusterer through `diarize` (VBx x-vectors), an adapter through `verify` (as a back-end), a loss
 * through `train`; the failure paths (a plugin returning NaN, unknown plugin names) from the CLI; and the
 * conformer-lite DRLM of `ssl-diarize --drlm conformer`. (The backbone and scorer fixtures run through
 * `verify` in tests/pipelines_test.ts.)
 */
import { assert, assertEquals, assertRejects, assertThrows } from "./assert.ts";
import { needsShared, ROOT, shared, withTempDir, writeKaldiDataDir } from "./helpers.ts";
import { runDeno } from "./cli_process.ts";
import { join } from "node:path";
import { Registry } from "../core/registry.ts";
import { loadPluginModule } from "../core/loader.ts";
import type { Adapter, Clusterer, Loss } from "../core/contracts/mod.ts";
import { gradCheck, param, tensor } from "../core/autodiff/mod.ts";
import { Rng } from "../core/random.ts";
import { syntheticCorpus } from "../core/data/synthetic.ts";
import { contextRows } from "../core/nn/drlm.ts";

/** The AMI ES2005a x-vectors of VBx's example (shared data) and their reference, as CLI arguments. */
function es2005aArgs(): string[] {
  const vbx = shared("vbx-es2005a");
  return [
    ...["--ark", join(vbx, "exp", "ES2005a.ark"), "--segments", join(vbx, "exp", "ES2005a.seg")],
    ...["--reference", join(vbx, "example", "rttm", "ES2005a.rttm"), "--speakers", "4"],
  ];
}

const FIX = "tests/fixtures";

/** The permission flags of deno.json's `embedkit` task (so the test runs the CLI exactly as users do). */
function taskPermissions(): string[] {
  const task = JSON.parse(Deno.readTextFileSync(join(ROOT, "deno.json"))).tasks.embedkit as string;
  return task.split(/\s+/).filter((w) => w.startsWith("--allow"));
}

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `deno run <task permissions> cli/main.ts ...args` from the repository root. */
function cli(...args: string[]): Promise<CliRun> {
  return runDeno(["run", ...taskPermissions(), "cli/main.ts", ...args]);
}

/** Runs the CLI and parses its JSON --out file; fails with the CLI's stderr when it exits non-zero. */
async function cliJson<T = Record<string, unknown>>(out: string, ...args: string[]): Promise<T> {
  const r = await cli(...args, "--out", out);
  assertEquals(r.code, 0, `embedkit ${args[0]} failed:\n${r.stderr}`);
  return JSON.parse(await Deno.readTextFile(out)) as T;
}

function pluginRegistry(file: string): Promise<Registry> {
  const reg = new Registry();
  return loadPluginModule(join(ROOT, FIX, file), { registry: reg }).then(() => reg);
}

/** A Kaldi-style data dir (wav.scp + utt2spk) of self-generated speakers, for runs without shared data. */
async function syntheticDataDir(dir: string): Promise<string> {
  const data = join(dir, "data");
  await Deno.mkdir(data);
  return await writeKaldiDataDir(data, syntheticCorpus(4, 4, 21));
}

/** Unit vector along axis `a` of `d` dims plus seeded noise. */
function noisyAxis(a: number, d: number, noise: number, rng: Rng): number[] {
  return Array.from({ length: d }, (_, k) => (k === a ? 1 : 0) + noise * rng.normal());
}

// ---------------------------------------------------------------------------------------------
// clusterer

Deno.test("leader clusterer (fixture): hand-checked partitions of three noisy directions", async () => {
  const reg = await pluginRegistry("leader_clusterer.ts");
  const rng = new Rng(3), d = 6;
  // rows 0-4 along axis 0, 5-9 along axis 1, 10-14 along a direction 60 degrees from axis 0 (axes 0 and 2)
  const rows: number[][] = [];
  for (let i = 0; i < 5; i++) rows.push(noisyAxis(0, d, 0.05, rng));
  for (let i = 0; i < 5; i++) rows.push(noisyAxis(1, d, 0.05, rng));
  for (let i = 0; i < 5; i++) {
    rows.push(
      noisyAxis(0, d, 0.05, rng).map((v, k) => k === 0 ? 0.5 * v : k === 2 ? v + Math.sqrt(0.75) : v),
    );
  }
  const order = rng.shuffle([...rows.keys()]) as number[]; // leader clustering must not depend on a tidy order
  const x = { rows: 15, cols: d, data: Float32Array.from(order.flatMap((i) => rows[i])) };
  const truth = order.map((i) => Math.floor(i / 5));
  const same = (labels: Int32Array, want: number[]) =>
    labels.every((l, i) => labels.every((m, j) => (l === m) === (want[i] === want[j])));
  const free = await reg.create("clusterer", "leader", { threshold: 0.8 }) as Clusterer;
  const r3 = await free.cluster(x);
  assertEquals(r3.numClusters, 3);
  assert(same(r3.labels, truth), `three clusters as built: ${r3.labels} vs ${truth}`);
  // asked for two: the two closest directions (cosine 0.5: axis 0 and the 60-degree one) merge
  const r2 = await free.cluster(x, { numClusters: 2 });
  assertEquals(r2.numClusters, 2);
  assert(same(r2.labels, truth.map((t) => (t === 2 ? 0 : t))), `merged: ${r2.labels}`);
  assertThrows(
    () => reg.resolveConfig("clusterer", "leader", { threshold: 2 }),
    Error,
    "'threshold' must be in",
  );
});

Deno.test(
  needsShared(
    "`embedkit diarize --plugin leader_clusterer.ts --clusterer leader` on the VBx ES2005a x-vectors",
  ),
  async () => {
    await withTempDir(async (dir) => {
      const r = await cliJson<{
        windows: number;
        systems: {
          label: string;
          numSpeakers: number;
          metrics: Record<string, number>;
          extra: Record<string, unknown>;
          rttm: string;
        }[];
      }>(
        join(dir, "d.json"),
        "diarize",
        "--plugin",
        `${FIX}/leader_clusterer.ts`,
        ...es2005aArgs(),
        "--clusterer",
        "leader",
        "--clusterer",
        "ahc",
        "--work",
        join(dir, "work"),
      );
      assertEquals(r.windows, 1025);
      const [leader, ahc] = r.systems;
      assertEquals(leader.label, "leader", "the plugin's name labels its system");
      assertEquals(leader.extra.method, "leader");
      assertEquals(leader.numSpeakers, 4);
      const turns = leader.rttm.trim().split("\n").map((l) => l.split(/\s+/));
      assert(turns.every((t) => t[0] === "SPEAKER" && t[1] === "ES2005a"), "RTTM lines");
      assertEquals(new Set(turns.map((t) => t[7])).size, 4, "4 speaker labels in the RTTM");
      const der = leader.metrics["DER %"];
      // a one-pass method on centred x-vectors: in the range of AHC (15.9 %), far from one-speaker (~40 %+)
      assert(der > 0 && der < 30, `leader DER ${der}`);
      console.error(
        `diarize ES2005a (collar 0.25, overlap ignored): leader DER ${
          der.toFixed(2)
        } % (${leader.extra.leaders} leaders merged to 4), AHC ${ahc.metrics["DER %"].toFixed(2)} %`,
      );
    });
  },
);

// ---------------------------------------------------------------------------------------------
// adapter

Deno.test("whiten-pca adapter (fixture): the fitted data come out with an identity covariance", async () => {
  const reg = await pluginRegistry("whiten_adapter.ts");
  const rng = new Rng(9), N = 200, D = 5;
  // correlated data: x = z A + m with a fixed mixing matrix
  const A = Array.from({ length: D * D }, () => rng.normal());
  const data = new Float32Array(N * D);
  for (let i = 0; i < N; i++) {
    const z = Array.from({ length: D }, () => rng.normal());
    for (let k = 0; k < D; k++) {
      let s = 3 + k;
      for (let j = 0; j < D; j++) s += z[j] * A[j * D + k];
      data[i * D + k] = s;
    }
  }
  const x = { rows: N, cols: D, data };
  for (const dim of [0, 3]) {
    const ad = await reg.create("adapter", "whiten-pca", { dim, eps: 0 }) as Adapter;
    await ad.fit({ x });
    const y = ad.transform(x);
    assertEquals([y.rows, y.cols], [N, dim || D]);
    for (let a = 0; a < y.cols; a++) {
      let m = 0;
      for (let i = 0; i < N; i++) m += y.data[i * y.cols + a] / N;
      assert(Math.abs(m) < 1e-4, `mean of component ${a}: ${m}`);
      for (let b = 0; b < y.cols; b++) {
        let c = 0;
        for (let i = 0; i < N; i++) c += y.data[i * y.cols + a] * y.data[i * y.cols + b] / (N - 1);
        assert(Math.abs(c - (a === b ? 1 : 0)) < 1e-3, `cov[${a}][${b}] = ${c}`);
      }
    }
    const ev = ad.state!().eigenvalues as number[];
    assert(ev.every((v, i) => i === 0 || v <= ev[i - 1]), "components kept largest first");
  }
  const tooMany = await reg.create("adapter", "whiten-pca", { dim: 6 }) as Adapter;
  await assertRejects(async () => await tooMany.fit({ x }), Error, "lower 'dim'");
});

Deno.test(
  needsShared(
    "`embedkit verify --plugin whiten_adapter.ts --backend whiten-pca:dim=10` on LibriSpeech test-other",
  ),
  async () => {
    await withTempDir(async (dir) => {
      const r = await cliJson<{
        counts: Record<string, number>;
        systems: { label: string; metrics: Record<string, number>; note?: string }[];
      }>(
        join(dir, "v.json"),
        "verify",
        shared("librispeech", "test-other"),
        "--plugin",
        `${FIX}/whiten_adapter.ts`,
        "--backend",
        "whiten-pca:dim=10",
        "--max-seconds",
        "3",
        "--work",
        join(dir, "work"),
      );
      assertEquals(r.counts, { utterances: 100, speakers: 10, target: 450, nonTarget: 2250 });
      const s = r.systems[0];
      assertEquals(s.label, "fbank-stats + whiten-pca", "the back-end plugin's name is in the system label");
      const eer = s.metrics["EER %"];
      assert(eer >= 0 && eer <= 50, `EER ${eer}`);
      for (const k of ["minDCF 0.01", "minDCF 0.05", "Cllr"]) assert(Number.isFinite(s.metrics[k]), k);
      console.error(
        `verify LibriSpeech (3 s crops), fbank-stats + whiten-pca dim 10: ${JSON.stringify(s.metrics)}`,
      );
    });
  },
);

// ---------------------------------------------------------------------------------------------
// loss

Deno.test("centre-softmax loss (fixture): gradients match finite differences", async () => {
  const reg = await pluginRegistry("centre_loss.ts");
  const loss = await reg.create("loss", "centre-softmax", {
    dim: 4,
    numClasses: 3,
    seed: 2,
    lambda: 0.5,
  }) as Loss;
  const rng = new Rng(4);
  const emb = param(Float32Array.from({ length: 5 * 4 }, () => rng.normal()), [5, 4]);
  const labels = Int32Array.from([0, 1, 2, 1, 0]);
  const f = () => loss.forward({ embeddings: emb, labels });
  const g = gradCheck(f, [emb, ...loss.parameters()], { eps: 1e-2 });
  assert(g.maxRelError < 2e-2, `gradient check: ${JSON.stringify(g)}`);
  const v = f().item();
  assert(Number.isFinite(v) && v > 0, `loss ${v}`);
  assertThrows(
    () => loss.forward({ embeddings: tensor(new Float32Array(6), [2, 3]), labels: Int32Array.from([0, 1]) }),
    Error,
    "[B, 4]",
  );
});

Deno.test(
  needsShared(
    "`embedkit train --plugin centre_loss.ts --loss centre-softmax`: a tiny TDNN on LibriSpeech, 2 epochs",
  ),
  async () => {
    await withTempDir(async (dir) => {
      const model = join(dir, "m.onnx");
      const r = await cliJson<{
        speakers: number;
        model: string;
        history: { trainLoss: number }[];
        config: { loss: Record<string, unknown> };
      }>(
        join(dir, "t.json"),
        "train",
        shared("librispeech", "test-other"),
        "--plugin",
        `${FIX}/centre_loss.ts`,
        "--loss",
        "centre-softmax:lambda=0.1",
        ...["--channels", "32,32", "--kernels", "3,3", "--dilations", "1,2", "--embed-dim", "16"],
        ...["--mel-bins", "24", "--epochs", "2", "--crops", "2", "--seg-seconds", "1", "--max-seconds", "3"],
        ...["--batch-size", "20", "--model-out", model, "--work", join(dir, "work")],
      );
      assertEquals(r.config.loss.plugin, "centre-softmax", "the loss plugin's name is in the result");
      assertEquals(r.config.loss.lambda, 0.1);
      assertEquals(r.speakers, 10);
      assertEquals(r.history.length, 2);
      const [e1, e2] = r.history.map((h) => h.trainLoss);
      assert(Number.isFinite(e1) && Number.isFinite(e2) && e2 < e1, `loss must fall: ${e1} -> ${e2}`);
      assertEquals(r.model, model);
      assert((await Deno.stat(model)).size > 1000, "ONNX model written");
      console.error(`train with centre-softmax: loss ${e1.toFixed(3)} -> ${e2.toFixed(3)} over 2 epochs`);
    });
  },
);

// ---------------------------------------------------------------------------------------------
// failure paths

Deno.test("a plugin returning NaN stops `embedkit verify` by name: exit 1, no --out file, no cached stage", async () => {
  await withTempDir(async (dir) => {
    const data = await syntheticDataDir(dir);
    const outDir = join(dir, "out");
    await Deno.mkdir(outDir);
    const work = join(dir, "work");
    const r = await cli(
      "verify",
      data,
      "--plugin",
      `${FIX}/nan_adapter.ts`,
      "--backend",
      "nan-whiten",
      "--work",
      work,
      "--out",
      join(outDir, "v.json"),
    );
    assertEquals(r.code, 1, r.stderr);
    assert(
      r.stderr.includes("adapter plugin 'nan-whiten'") && r.stderr.includes("NaN"),
      `stderr names the plugin and the NaN:\n${r.stderr}`,
    );
    assertEquals(
      [...Deno.readDirSync(outDir)].map((e) => e.name),
      [],
      "nothing (not even a temp file) in --out's dir",
    );
    const cached = [...Deno.readDirSync(work)].map((e) => e.name);
    assert(cached.some((f) => f.includes("embed-")), `stages before the failure are cached: ${cached}`);
    assert(
      !cached.some((f) => f.includes("backend-") || f.includes("score-")),
      `no failed stage cached: ${cached}`,
    );
    assert(cached.every((f) => f.endsWith(".json")), `no temp files in the work dir: ${cached}`);
  });
});

Deno.test("unknown plugin names on the CLI get a did-you-mean hint (after --plugin registers the fixture)", async () => {
  const cases: [string[], string][] = [
    [
      [
        "diarize",
        "--ark",
        "none.ark",
        "--segments",
        "none.seg",
        "--plugin",
        `${FIX}/leader_clusterer.ts`,
        "--clusterer",
        "leadr",
      ],
      "unknown clusterer 'leadr'; did you mean 'leader'?",
    ],
    [
      ["verify", "no-such-dir", "--plugin", `${FIX}/whiten_adapter.ts`, "--backend", "whiten-pac"],
      "unknown adapter 'whiten-pac'; did you mean 'whiten-pca'?",
    ],
    [
      ["train", "no-such-dir", "--plugin", `${FIX}/centre_loss.ts`, "--loss", "centre-sofmax"],
      "unknown loss 'centre-sofmax'; did you mean 'centre-softmax'?",
    ],
  ];
  for (const [args, msg] of cases) {
    const r = await cli(...args);
    assertEquals(r.code, 1, `${args[0]}: ${r.stderr}`);
    assert(r.stderr.includes(msg), `${args[0]}: expected '${msg}' in:\n${r.stderr}`);
    assertEquals(r.stdout, "", "no result on stdout");
  }
});

// ---------------------------------------------------------------------------------------------
// ssl-diarize with the conformer-lite DRLM

Deno.test("conformer DRLM input: each segment with its neighbours, stopping at speech gaps (hand-checked)", () => {
  // 5 segments given out of time order; a 2 s gap between t=1.9 and t=4.0
  const segs = [
    { start: 0, end: 1 },
    { start: 4, end: 5 },
    { start: 0.5, end: 1.5 },
    { start: 1, end: 1.9 },
    {
      start: 4.2,
      end: 5.2,
    },
  ];
  const x = { rows: 5, cols: 2, data: Float32Array.from([0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5]) }; // row r = [r, r+.5]
  const c = contextRows(x, segs, 1, 0.5);
  assertEquals(c.cols, 2 * 3);
  // time order: rows 0, 2, 3 | gap | 1, 4; feature-major [D, T] per row
  const seq = (r: number) => Array.from({ length: 3 }, (_, t) => c.data[r * 6 + t]); // feature 0 over T
  assertEquals(seq(0), [0, 0, 2], "first segment repeats itself on the left");
  assertEquals(seq(2), [0, 2, 3]);
  assertEquals(seq(3), [2, 3, 3], "the gap stops the context");
  assertEquals(seq(1), [1, 1, 4]);
  assertEquals(seq(4), [1, 4, 4]);
  assertEquals(Array.from({ length: 3 }, (_, t) => c.data[2 * 6 + 3 + t]), [0.5, 2.5, 3.5], "feature 1");
});

Deno.test(
  needsShared("`embedkit ssl-diarize --drlm conformer` on the VBx x-vectors: DER per iteration vs plain AHC"),
  async () => {
    await withTempDir(async (dir) => {
      const r = await cliJson<{
        baseline: { der: number };
        iterations: { iteration: number; clusters: number; lossRatio: number; der: number }[];
        stoppedBy: string;
        drlm: { kind: string; parameters: number; config: Record<string, number> };
        final: { der: number; rttm: string };
      }>(
        join(dir, "s.json"),
        "ssl-diarize",
        ...es2005aArgs(),
        "--drlm",
        "conformer",
        "--work",
        join(dir, "work"),
      );
      assertEquals(r.drlm.kind, "conformer");
      // parameter count of the conformer-lite encoder, counted by hand from its layers: projection
      // 256->d, per block LN(2d) + MHSA 4(d²+d) + LN + conv(d·d·k+d) + BN(2d) + LN + FF(d·f+f + f·d+d) + LN,
      // embedding 2d->30 after mean+std pooling
      const { dim: d, ffDim: f, kernel: k, blocks } = r.drlm.config;
      const block = 4 * 2 * d + 4 * (d * d + d) + d * d * k + d + 2 * d + d * f + f + f * d + d;
      assertEquals(r.drlm.parameters, 256 * d + d + blocks * block + 2 * d * 30 + 30);
      const it = r.iterations;
      assert(it.length >= 2 && it[0].clusters >= 20, JSON.stringify(it));
      for (let i = 1; i < it.length; i++) {
        assertEquals(it[i].clusters, Math.max(4, Math.floor(it[i - 1].clusters / 2)));
      }
      assert(it.every((x) => Number.isFinite(x.der) && x.der > 0 && x.der < 60), JSON.stringify(it));
      assert(Math.abs(r.baseline.der - 15.9) < 0.1, `plain AHC baseline ${r.baseline.der}`);
      if (r.stoppedBy.startsWith("clusters")) {
        assert(it.at(-1)!.clusters === 4 && it.at(-1)!.lossRatio <= 0.5);
      }
      assertEquals(r.final.der, it.at(-1)!.der);
      assertEquals(new Set(r.final.rttm.trim().split("\n").map((l) => l.split(/\s+/)[7])).size, 4);
      console.error(
        `ssl-diarize ES2005a, conformer DRLM (${r.drlm.parameters} params): plain AHC ${
          r.baseline.der.toFixed(2)
        } %, per iteration ${it.map((x) => `${x.clusters}:${x.der.toFixed(2)}`).join(" ")} (${r.stoppedBy})`,
      );
    });
  },
);
