/** Kaldi data files: parsing, round trips, and errors that name file:line. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { InputError } from "../core/errors.ts";
import {
  parseSegments,
  parseSpk2utt,
  parseTrials,
  parseUtt2spk,
  parseWavScp,
  readSegments,
  readSpk2utt,
  readTrials,
  readUtt2spk,
  readWavScp,
  sortKaldi,
  spk2uttToUtt2spk,
  utt2spkToSpk2utt,
  writeSegments,
  writeSpk2utt,
  writeTrials,
  writeUtt2spk,
  writeWavScp,
} from "../core/io/kaldi_data.ts";
import { needsShared, shared, withTempDir } from "./helpers.ts";

Deno.test("wav.scp: paths, commands, UTF-8 ids, CRLF; duplicates and missing fields name file:line", () => {
  const e = parseWavScp(
    "rec1 /data/a.wav\r\ntrñ00 ../shared/data/ami/trñ00.wav\n\nrec2 sox x.flac -t wav - |\n",
    "wav.scp",
  );
  assert.deepEqual(e.map((x) => x.key), ["rec1", "trñ00", "rec2"]);
  assert.equal(e[2].value, "sox x.flac -t wav - |");
  assert.equal(e[2].isCommand, true);
  assert.equal(e[0].isCommand, false);
  assert.throws(
    () => parseWavScp("a x.wav\nb\n", "d/wav.scp"),
    (err) => err instanceof InputError && err.message.startsWith("d/wav.scp:2:"),
  );
  assert.throws(
    () => parseWavScp("a x.wav\na y.wav\n", "wav.scp"),
    /wav.scp:2: duplicate key 'a' \(first seen on line 1\)/,
  );
});

Deno.test("utt2spk <-> spk2utt, segments, trials (Kaldi and VoxCeleb order)", () => {
  const u2s = parseUtt2spk("s1-u1 s1\ns1-u2 s1\nMÉO069-u1 MÉO069\n");
  const s2u = utt2spkToSpk2utt(u2s);
  assert.deepEqual([...s2u], [["s1", ["s1-u1", "s1-u2"]], ["MÉO069", ["MÉO069-u1"]]]);
  assert.deepEqual([...spk2uttToUtt2spk(s2u)], [...u2s]);
  assert.deepEqual([...parseSpk2utt("s1 a b\ns2 c\n")], [["s1", ["a", "b"]], ["s2", ["c"]]]);
  assert.throws(
    () => parseUtt2spk("a s1 extra\n", "utt2spk"),
    /utt2spk:1: expected '<utterance-id> <speaker-id>'/,
  );
  assert.throws(() => parseSpk2utt("s1 a\ns2 a\n", "spk2utt"), /spk2utt:2: utterance 'a' is listed twice/);
  const seg = parseSegments("u1 rec 0.00 1.50\nu2 rec 1.5 -1\n");
  assert.deepEqual(seg[0], { utt: "u1", reco: "rec", start: 0, end: 1.5 });
  assert.equal(seg[1].end, -1);
  assert.throws(() => parseSegments("u1 rec 2 1\n", "segments"), /segments:1: end time '1' must be greater/);
  assert.throws(() => parseSegments("u1 rec x 1\n", "segments"), /segments:1: start time 'x'/);
  const t = parseTrials("e1 t1 target\ne1 t2 nontarget\n");
  assert.deepEqual(t, [{ enroll: "e1", test: "t1", target: true }, {
    enroll: "e1",
    test: "t2",
    target: false,
  }]);
  assert.deepEqual(parseTrials("1 a.wav b.wav\n0 a.wav c.wav\n")[1], {
    enroll: "a.wav",
    test: "c.wav",
    target: false,
  });
  assert.deepEqual(parseTrials("a b\n"), [{ enroll: "a", test: "b" }]);
  assert.throws(() => parseTrials("a b maybe\n", "trials"), /trials:1: label 'maybe'/);
  assert.throws(() => parseTrials("a b target\nc d\n", "trials"), /trials:2: some trials have a label/);
});

Deno.test("writers are atomic and round-trip; readers name the file", async () => {
  await withTempDir(async (dir) => {
    const f = (n: string) => join(dir, n);
    await writeWavScp(f("wav.scp"), [{ key: "r1", value: "/x/r1.wav" }, {
      key: "r2",
      value: "sox r2.flac -t wav - |",
    }]);
    assert.deepEqual(readWavScp(f("wav.scp")).map((e) => e.value), ["/x/r1.wav", "sox r2.flac -t wav - |"]);
    const u2s = new Map([["u1", "s1"], ["u2", "s2"]]);
    await writeUtt2spk(f("utt2spk"), u2s);
    assert.deepEqual([...readUtt2spk(f("utt2spk"))], [...u2s]);
    await writeSpk2utt(f("spk2utt"), utt2spkToSpk2utt(u2s));
    assert.deepEqual([...readSpk2utt(f("spk2utt"))], [["s1", ["u1"]], ["s2", ["u2"]]]);
    const segs = [{ utt: "u1", reco: "r1", start: 0.25, end: 1.125 }];
    await writeSegments(f("segments"), segs);
    assert.deepEqual(readSegments(f("segments")), segs);
    const trials = [{ enroll: "a", test: "b", target: true }, { enroll: "a", test: "c", target: false }];
    await writeTrials(f("trials"), trials);
    assert.deepEqual(readTrials(f("trials")), trials);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
      "segments",
      "spk2utt",
      "trials",
      "utt2spk",
      "wav.scp",
    ]);
    assert.throws(() => readUtt2spk(f("missing")), /missing: no such file/);
    await assert.rejects(writeUtt2spk(f("bad"), new Map([["u 1", "s"]])), /whitespace/);
    // ids with whitespace would write files that read back as other fields: refused, nothing written
    await assert.rejects(
      writeTrials(f("bad"), [{ enroll: "a b", test: "c" }]),
      /enrollment id 'a b'.*whitespace/,
    );
    await assert.rejects(
      writeSegments(f("bad"), [{ utt: "u1", reco: "", start: 0, end: 1 }]),
      /recording id '' is empty/,
    );
    assert.throws(() => Deno.statSync(f("bad")), Deno.errors.NotFound);
  });
  assert.deepEqual(sortKaldi(["b", "B", "a", "É"], (s) => s), ["B", "a", "b", "É"]);
});

Deno.test(needsShared("the shared Kaldi-style scp of the fbank reference reads"), () => {
  const e = readWavScp(shared("kaldi-fbank-reference", "test.scp"));
  assert.deepEqual(e, [{ key: "1", value: "test.wav", isCommand: false }]);
});
