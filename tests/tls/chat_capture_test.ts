/**
 * What TLS hides from Wireshark: the same short chat session (a message, a file uploaded, then
 * downloaded) captured on loopback by the `capture` task, once in plain TCP and once with
 * `--tls`. The test greps the raw capture: the plain one holds the message text and the file's
 * bytes (the control: the capture did see the session), the TLS one holds neither.
 */

import { equal, ok } from "node:assert/strict";
import { join } from "node:path";
import { startServer, tempDir } from "../_chat.ts";
import { hasCommand, Program, runTask, WAIT_MS } from "../_task.ts";

const HAS_TOOLS = hasCommand("tshark");
if (!HAS_TOOLS) {
  console.warn("skipping the TLS capture tests: tshark is not installed (apt-get install tshark)");
}

/** Text no protocol header or certificate could contain by chance. */
const MESSAGE = "MESSAGE-TEXT-K9X2 the secret plan";
/** The file's bytes: a marker that appears whole in every 1 KiB of it. */
const FILE_MARKER = "FILE-BYTES-7Q3Z-";

/**
 * The TCP connections in a capture file so far that have ended, by a FIN or a reset from either
 * side, as tshark reads it (a file still being written too).
 */
async function endedConnections(file: string): Promise<number> {
  const out = await new Deno.Command("tshark", {
    args: [
      ...["-r", file, "-Y", "tcp.flags.fin == 1 || tcp.flags.reset == 1"],
      ...["-T", "fields", "-e", "tcp.stream"],
    ],
    stdout: "piped",
    stderr: "null",
    // Bounded: a read of a file still being written must not stall the wait below.
    signal: AbortSignal.timeout(5_000),
  }).output();
  const streams = new TextDecoder().decode(out.stdout).split("\n").filter((l) => l.trim());
  return new Set(streams).size;
}

/**
 * Capture one chat session on the server's port: join, say {@linkcode MESSAGE}, upload a file
 * of {@linkcode FILE_MARKER}s, then join again and download it.
 *
 * @returns The raw capture, as Latin-1 text for searching bytes.
 */
async function captureSession(tls: boolean): Promise<string> {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir, ["--no-web", ...tls ? ["--tls"] : []]);
  await using _s = server;
  await Deno.writeTextFile(join(dir.path, "notes.bin"), FILE_MARKER.repeat(64));
  const file = join(dir.path, "session.pcapng");
  const capture = new Program("capture", ["--port", String(port), "--out", file]);
  try {
    await capture.waitForStderr(/^File: /);
    // Over TLS the client trusts the server's own certificate: no probe, one connection each.
    const trust = tls ? ["--ca", "storage/server/tls-cert.pem"] : [];
    const client = (name: string, input: string) =>
      runTask("chat-client", ["--port", String(port), "--name", name, ...trust], {
        cwd: dir.path,
        input,
      });
    const upload = await client("ann", `${MESSAGE}\n/file upload notes.bin\n`);
    equal(upload.code, 0, upload.stderr);
    const download = await client("bob", "/file download notes.bin\n");
    equal(download.code, 0, download.stderr);
    const copy = join(dir.path, "storage", "downloads", "notes.bin");
    equal(await Deno.readTextFile(copy), FILE_MARKER.repeat(64));

    // Both clients have exited, so both connections have ended: every packet of the session
    // has been captured once both ends are in the file (libpcap hands packets over in blocks).
    const deadline = Date.now() + WAIT_MS;
    while (await endedConnections(file) < 2) {
      ok(Date.now() < deadline, "the capture did not see both connections end");
    }
  } finally {
    // Stopped as its user does, also on failure: killed, it would leave dumpcap running.
    capture.kill("SIGINT");
    equal(await capture.exit(), 0, capture.errors.join("\n"));
  }
  return new TextDecoder("latin1").decode(await Deno.readFile(file));
}

Deno.test({
  name: "a plain chat session's capture holds its message text and file bytes (the control)",
  ignore: !HAS_TOOLS,
  async fn() {
    const raw = await captureSession(false);
    ok(raw.includes(MESSAGE), "the message text in clear");
    ok(raw.includes(FILE_MARKER), "the file's bytes in clear");
  },
});

Deno.test({
  name: "a TLS chat session's capture holds none of its message text or file bytes",
  ignore: !HAS_TOOLS,
  async fn() {
    const raw = await captureSession(true);
    ok(!raw.includes(MESSAGE), "the message text in clear");
    ok(!raw.includes(FILE_MARKER), "the file's bytes in clear");
    // Not even a part of either: no 8-byte piece of them.
    for (const secret of [MESSAGE, FILE_MARKER]) {
      for (let i = 0; i + 8 <= secret.length; i++) {
        ok(!raw.includes(secret.slice(i, i + 8)), `"${secret.slice(i, i + 8)}" in clear`);
      }
    }
  },
});
