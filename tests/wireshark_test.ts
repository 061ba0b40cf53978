/**
 * The Wireshark dissector (docs/wireshark/lp.lua), checked with tshark on real captures made by
 * the `capture` task on loopback.
 */

import { deepStrictEqual, equal, match } from "node:assert/strict";
import { join } from "node:path";
import { encodeFrames, Kind, makeFrame } from "../lib/wire/frame.ts";
import { writeAll } from "../lib/wire/bytes.ts";
import { describeFailure, readToolLine } from "../programs/tools/capture.ts";
import { DISSECTOR } from "../lib/wire/dissector.ts";
import { hasCommand, listeningPort, Program, runTask, WAIT_MS } from "./_task.ts";

const HAS_TSHARK = hasCommand("tshark");
if (!HAS_TSHARK) {
  console.warn("skipping Wireshark tests: tshark is not installed (apt-get install tshark)");
}

/** One LP frame as tshark decoded it. */
interface Decoded {
  kind: number;
  type: string;
  id: number;
  length: number;
}

/**
 * Decode a capture with the dissector.
 *
 * @returns Every LP frame, in capture order, and tshark's stderr.
 */
async function decode(file: string): Promise<{ frames: Decoded[]; stderr: string }> {
  const output = await new Deno.Command("tshark", {
    args: [
      ...["-X", `lua_script:${DISSECTOR}`, "-r", file, "-Y", "lp", "-T", "fields"],
      ...["-e", "lp.kind", "-e", "lp.type", "-e", "lp.id", "-e", "lp.length"],
      ...["-E", "occurrence=a", "-E", "aggregator=,"],
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const frames: Decoded[] = [];
  for (const row of new TextDecoder().decode(output.stdout).split("\n")) {
    if (!row.trim()) continue;
    const [kinds, types, ids, lengths] = row.split("\t").map((c) => c.split(","));
    kinds.forEach((k, i) =>
      frames.push({
        kind: Number(k),
        type: types[i],
        id: Number(ids[i]),
        length: Number(lengths[i]),
      })
    );
  }
  return { frames, stderr: new TextDecoder().decode(output.stderr) };
}

/**
 * Capture loopback traffic on `port` while `traffic` runs, and decode it.
 *
 * @remarks
 * libpcap hands packets to the capture tool in blocks, so stopping it the moment the traffic
 * ends could lose the last ones. Instead the growing file is decoded until `complete` says the
 * expected frames are all there (a bounded wait), and only then is the capture stopped. The
 * traffic starts once dumpcap names its file: it prints that after the capture is live, while
 * its earlier "Capturing on" comes before packets are seen.
 */
async function captureWhile(
  dir: string,
  port: number,
  traffic: () => Promise<void>,
  complete: (frames: Decoded[]) => boolean,
): Promise<{ frames: Decoded[]; stderr: string; file: string }> {
  const file = join(dir, "session.pcapng");
  await using capture = new Program("capture", ["--port", String(port), "--out", file]);
  await capture.waitForStderr(/^File: /);
  await traffic();
  const deadline = Date.now() + WAIT_MS;
  let decoded = await decode(file);
  while (!complete(decoded.frames) && Date.now() < deadline) decoded = await decode(file);
  capture.kill("SIGINT");
  equal(await capture.exit(), 0, capture.errors.join("\n"));
  // A clean stop says what was saved, without the tool's drop statistics.
  const said = capture.errors.join("\n");
  match(said, /^capture: saved .*session\.pcapng \(\d+ packets?\); decode it with/m);
  equal(/Packets received\/dropped|ps_ifdrop/.test(said), false, said);
  decoded = await decode(file);
  return { ...decoded, file };
}

/** A loopback connection pair on an ephemeral port. */
async function socketPair(): Promise<{ port: number; client: Deno.TcpConn; server: Deno.TcpConn }> {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const [client, server] = await Promise.all([
    Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
    listener.accept(),
  ]);
  return { port: listener.addr.port, client, server };
}

async function readExactly(conn: Deno.Conn, count: number): Promise<void> {
  const buf = new Uint8Array(64 * 1024);
  for (let got = 0; got < count;) {
    const n = await conn.read(buf);
    if (n === null) throw new Error(`Stream ended after ${got} of ${count} bytes`);
    got += n;
  }
}

Deno.test({
  name: "the dissector splits merged frames and reassembles a frame split across segments",
  ignore: !HAS_TSHARK,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "wireshark_test_" });
    const { port, client, server } = await socketPair();
    try {
      // An unregistered port, so the heuristic dissector has to recognise the magic.
      const requests = Array.from(
        { length: 100 },
        (_, i) => makeFrame(Kind.Request, "T", { id: i + 1 }),
      );
      const big = makeFrame(Kind.Indication, "D", { id: 7, payload: new Uint8Array(300_000) });
      const json = makeFrame(Kind.Response, "N", { id: 1, payload: { name: "lp" } });
      const json2 = makeFrame(Kind.Response, "N", { id: 2, payload: { name: "lp" } });
      const { frames, stderr, file } = await captureWhile(dir, port, async () => {
        const toServer = encodeFrames(requests);
        const toClient = encodeFrames([json, json2, big]);
        await Promise.all([
          writeAll(client, toServer),
          writeAll(server, toClient),
          readExactly(server, toServer.length),
          readExactly(client, toClient.length),
        ]);
      }, (frames) => frames.length >= 103);

      equal(/Lua/.test(stderr), false, stderr);
      deepStrictEqual(
        frames.filter((f) => f.kind === Kind.Request).map((f) => f.id),
        requests.map((f) => f.id),
      );
      deepStrictEqual(frames.filter((f) => f.kind !== Kind.Request), [
        { kind: Kind.Response, type: "N", id: 1, length: json.payload.length },
        { kind: Kind.Response, type: "N", id: 2, length: json2.payload.length },
        { kind: Kind.Indication, type: "D", id: 7, length: 300_000 },
      ]);

      // The decode task prints the same, one line per packet, with the info column we promise.
      const shown = await runTask("decode", [file]);
      equal(shown.code, 0, shown.stderr);
      match(shown.stdout, /LP: Request T id=1, Request T id=2/);
      match(shown.stdout, /Indication D id=7/);
      // The JSON sub-dissector must not add its name between our frames in the info column.
      match(shown.stdout, /LP: Response N id=1, Response N id=2/);
      const detail = await runTask("decode", [file, "--detail", "--filter", 'lp.type == "N"']);
      match(detail.stdout, /JSON payload: \{"name":"lp"\}/);
    } finally {
      client.close();
      server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "tshark sees the 100-request burst as exactly 100 requests and 100 responses",
  ignore: !HAS_TSHARK,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "wireshark_test_" });
    try {
      await using server = new Program("lp-server", ["--port", "0"]);
      const port = await listeningPort(server);
      const isTime = (f: Decoded) => f.type === "T";
      const { frames, stderr } = await captureWhile(dir, port, async () => {
        const burst = await runTask("lp-client", [
          "--connect",
          `127.0.0.1:${port}`,
          "--repeat",
          "100",
        ]);
        equal(burst.code, 0, burst.stderr);
      }, (frames) => frames.filter(isTime).length >= 200);

      equal(/Lua/.test(stderr), false, stderr);
      const requests = frames.filter((f) => isTime(f) && f.kind === Kind.Request).map((f) => f.id);
      const responses = frames.filter((f) => isTime(f) && f.kind === Kind.Response).map((f) =>
        f.id
      );
      equal(requests.length, 100);
      equal(responses.length, 100);
      deepStrictEqual([...responses].sort((a, b) => a - b), [...requests].sort((a, b) => a - b));
      equal(new Set(requests).size, 100, "every request has its own id");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "tshark decodes a chat session's message frames and file chunks split across segments",
  ignore: !HAS_TSHARK,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "wireshark_test_" });
    try {
      // 600,000 bytes: two full 256 KiB chunks and a tail, each larger than a loopback segment.
      const size = 600_000;
      await Deno.writeFile(join(dir, "notes.bin"), crypto.getRandomValues(new Uint8Array(65536)));
      const file = await Deno.open(join(dir, "notes.bin"), { append: true });
      await file.write(new Uint8Array(size - 65536).fill(42));
      file.close();
      await using server = new Program("chat-server", ["--port", "0"], { cwd: dir });
      const port = await listeningPort(server);
      const isChunk = (f: Decoded) => f.type === "D" && f.kind === Kind.Indication;
      const chunkBytes = (frames: Decoded[]) =>
        frames.filter(isChunk).reduce((n, f) => n + f.length, 0);
      const session = () =>
        captureWhile(dir, port, async () => {
          const run = await runTask("chat-client", ["--name", "alice", "--port", String(port)], {
            cwd: dir,
            input: "hello wireshark\n/file upload notes.bin\n",
          });
          equal(run.code, 0, run.stderr);
        }, (frames) => chunkBytes(frames) >= size);
      // Once in a dozen full CI runs, under load, tshark reassembled one chunk short (the capture
      // reported no drops); it never recurred in the same run. A second session, captured afresh,
      // tells a flaky capture from a dissector that cannot reassemble.
      let { frames, stderr } = await session();
      if (chunkBytes(frames) !== size) {
        console.error(`first capture decoded ${chunkBytes(frames)} of ${size} chunk bytes; again`);
        ({ frames, stderr } = await session());
      }

      equal(/Lua/.test(stderr), false, stderr);
      const types = frames.filter((f) => f.kind === Kind.Request).map((f) => f.type);
      for (const t of ["J", "C", "U", "E"]) equal(types.includes(t), true, `a ${t} request`);
      const chunks = frames.filter(isChunk);
      equal(chunks.reduce((n, f) => n + f.length, 0), size);
      // A loopback segment carries at most 65,483 bytes, so these frames were reassembled.
      equal(chunks.filter((f) => f.length === 256 * 1024).length, 2);
      const uploadId = frames.find((f) => f.kind === Kind.Request && f.type === "U")!.id;
      equal(chunks.every((f) => f.id === uploadId), true, "chunks carry the transfer id");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** Run a task that must fail, and return its only line on stderr. */
async function oneLineError(task: string, args: string[], code: number): Promise<string> {
  const run = await runTask(task, args);
  equal(run.code, code, `${run.stdout}\n${run.stderr}`);
  const lines = run.stderr.split("\n").filter((l) => l !== "");
  equal(lines.length, 1, `expected one line on stderr, got:\n${run.stderr}`);
  return lines[0];
}

Deno.test({
  name: "decode and capture give one-line errors for bad input",
  ignore: !HAS_TSHARK,
  async fn() {
    equal(
      await oneLineError("decode", ["/nonexistent/x.pcapng"], 1),
      'decode_capture: The file "/nonexistent/x.pcapng" doesn\'t exist',
    );
    equal(
      await oneLineError("decode", [], 2),
      "decode_capture: Expected one capture file (see --help)",
    );
    equal(
      await oneLineError("decode", ["--bogus"], 2),
      "decode_capture: Unknown option '--bogus' (see --help)",
    );
    equal(
      await oneLineError("capture", ["--port", "70000"], 2),
      'capture: Invalid port "70000": expected a number from 0 to 65535 (see --help)',
    );
    equal(
      await oneLineError("capture", ["--bogus"], 2),
      "capture: Unknown option '--bogus' (see --help)",
    );
  },
});

Deno.test({
  name: "capture names the capture tool's own reason when it cannot start, in one line",
  ignore: !HAS_TSHARK,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "wireshark_test_" });
    try {
      const noDevice = await oneLineError(
        "capture",
        ["--interface", "nosuch0", "--out", join(dir, "x.pcapng")],
        1,
      );
      match(noDevice, /^capture: .*no (such )?device.*nosuch0/i);
      // Not a question of the right to capture: no hint that sends the user the wrong way.
      equal(/is capturing allowed/.test(noDevice), false, noDevice);
      match(
        await oneLineError("capture", ["--out", join(dir, "missing", "x.pcapng")], 1),
        /^capture: .*could not be opened: No such file or directory$/,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("readToolLine() keeps what matters from dumpcap's and tshark's stderr", () => {
  deepStrictEqual(readToolLine("File: /tmp/a.pcapng"), { kind: "live", file: "/tmp/a.pcapng" });
  deepStrictEqual(
    readToolLine(' ** (tshark:1) 06:38:20.571993 [Main MESSAGE] -- File: "/tmp/a.pcapng"'),
    { kind: "live", file: "/tmp/a.pcapng" },
  );
  deepStrictEqual(readToolLine("Packets captured: 7"), { kind: "packets", count: 7 });
  deepStrictEqual(readToolLine("1 packet captured"), { kind: "packets", count: 1 });
  for (
    const noise of [
      "Capturing on 'Loopback: lo'",
      "Packets received/dropped on interface 'Loopback: lo': 0/0 " +
      "(pcap:0/dumpcap:0/flushed:0/ps_ifdrop:0) (0.0%)",
      'Running as user "root" and group "root". This could be dangerous.',
      "tshark: ",
      "",
    ]
  ) deepStrictEqual(readToolLine(noise), { kind: "noise" }, noise);
  deepStrictEqual(readToolLine('dumpcap: There is no device named "x".'), {
    kind: "message",
    text: 'There is no device named "x".',
  });
  equal(
    describeFailure(['There is no device named "x".', "(No such device exists)"], "dumpcap", 1),
    'There is no device named "x"',
  );
  equal(
    describeFailure(
      ["You don't have permission to capture on that device", "(Operation not permitted)"],
      "dumpcap",
      1,
    ),
    "You don't have permission to capture on that device " +
      "(is capturing allowed? run as root or join the wireshark group)",
  );
  equal(describeFailure([], "dumpcap", 3), "dumpcap stopped with exit code 3");
});
