/**
 * Experiment: what can anyone with Wireshark on your network read of a chat session, and what
 * does TLS leave them?
 *
 * The same short session runs twice through the real chat-server and chat-client: ann joins,
 * says one sentence, uploads a small file and leaves. The first time over plain TCP, the second
 * with `--tls`. A capture on `lo` records each, and tshark prints each with our dissector
 * (docs/wireshark/lp.lua) loaded. In plain TCP every frame is readable: the name, the sentence,
 * the file's bytes. With TLS the dissector gets nothing but opaque records; what stays visible
 * is who talks to whom, when, how much, and the protocol name the client offers in its hello.
 *
 * Then a third look: the TLS client was started with `SSLKEYLOGFILE`, and Deno's TLS writes the
 * session's secrets to that file. Given the file, tshark decrypts the same capture and every
 * frame is readable again. That is how you debug your own TLS traffic, and why a key log must
 * never be left on in real use.
 *
 * Run it:   deno task exp:tls      (needs tshark, dumpcap or root, and `deno` on PATH)
 *
 * Files: each session runs in a fresh folder under `.exp-tls` (the only folder the task may read
 * and write), removed at the end with `.exp-tls` itself if nothing else is in it. The captures
 * are held in memory.
 *
 * @module
 */

import { join } from "node:path";
import { TaskProcess } from "../../lib/cli/task_process.ts";
import { cliText } from "../../lib/cli/text.ts";
import { displayWidth, graphemes, padEndToWidth } from "../../lib/cli/display_width.ts";
import { chatText } from "../../lib/chat/text.ts";
import { askQuestion, type Out, runExperimentMain } from "../../lib/experiments/experiment.ts";
import { dissect, LoopbackCapture, type SeenPacket } from "../../lib/experiments/capture.ts";
import { experimentsText as text } from "../../lib/experiments/text.ts";

/** The experiment's folder, relative to the working folder; the task grants only this. */
export const EXP_ROOT = ".exp-tls";

/** The file ann uploads. */
const FILE = "plans.txt";

/** The widest a report line may be, so that it fits an 100-column terminal. */
const LINE_COLUMNS = 100;

/** The `--help` text, in the program's language. */
const usage = () => text("tlsUsage");

/** One session, captured. */
export interface CapturedSession {
  /** The chat server's port on 127.0.0.1. */
  port: number;
  /** The capture, as pcapng bytes. */
  pcapng: Uint8Array;
  /** The client's TLS key log, if it wrote one: its path and how many secrets it holds. */
  keyLog?: { path: string; secrets: number };
}

// ---------------------------------------------------------------------------------------------
// The session: a real server and client, with a capture running on the server's port.

/**
 * Run the chat session once, captured: ann joins, says `message`, uploads {@linkcode FILE},
 * and leaves.
 *
 * @param folder An empty folder for the server's storage and ann's file.
 * @param tls Whether the server and client use `--tls`.
 * @returns The capture (and, with TLS, the client's key log in `folder`).
 * @throws {Error} When a program fails, or the capture cannot start.
 */
export async function captureSession(folder: string, tls: boolean): Promise<CapturedSession> {
  await Deno.mkdir(folder);
  await Deno.writeTextFile(join(folder, FILE), text("tlsFileText"));
  // The programs run as their tasks run them, in the session folder. INIT_CWD is where a user
  // would have started them: the client finds the file and the certificate there.
  const env = { INIT_CWD: folder };
  const serverArgs = ["--port", "0", "--no-web", ...tls ? ["--tls"] : []];
  await using server = new TaskProcess("chat-server", { args: serverArgs, cwd: folder, env });
  const port = Number((await server.waitFor(cliText.pattern("listening"))).replace(/.*:/, ""));
  await using capture = await LoopbackCapture.start(port);

  // Trusted through the file the server made: no question to answer, one connection.
  const trust = tls ? ["--tls", "--ca", "storage/server/tls-cert.pem"] : [];
  const keyLog = join(folder, "keys.log");
  await using client = new TaskProcess("chat-client", {
    args: ["--port", String(port), "--name", "ann", ...trust],
    cwd: folder,
    env: { ...env, SSLKEYLOGFILE: keyLog },
  });
  await client.waitFor(chatText.pattern("welcome"));
  await client.type(text("tlsMessage"));
  await client.type(`/file upload ${FILE}`);
  await client.waitFor(chatText.pattern("uploaded"));
  await client.type("/exit");
  await client.exit();

  // Both ends' FINs close the connection: once both are captured, every packet before them is.
  await capture.packetsUntil((ps) =>
    ps.some((p) => p.fin && p.srcPort === port) && ps.some((p) => p.fin && p.dstPort === port)
  );
  await capture.stop();
  await server.type("quit");
  await server.exit();
  return { port, pcapng: capture.pcapng(), keyLog: await readKeyLog(keyLog) };
}

/**
 * The key log a TLS client wrote, if any.
 *
 * @param path Where `SSLKEYLOGFILE` pointed.
 * @returns Its path and the number of secrets in it, or `undefined` when there is none.
 */
async function readKeyLog(path: string): Promise<{ path: string; secrets: number } | undefined> {
  try {
    const lines = (await Deno.readTextFile(path)).split("\n").filter((l) => /^[A-Z_0-9]+ /.test(l));
    return lines.length > 0 ? { path, secrets: lines.length } : undefined;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// What the capture shows.

/**
 * Whether the raw capture holds a text's UTF-8 bytes anywhere: what `grep` on the file finds.
 *
 * @param pcapng The capture.
 * @param secret The text.
 * @returns Whether the bytes are there.
 */
export function holds(pcapng: Uint8Array, secret: string): boolean {
  // Latin-1 maps each byte to one character, so a byte search becomes a string search.
  const latin1 = (bytes: Uint8Array) => new TextDecoder("latin1").decode(bytes);
  return latin1(pcapng).includes(latin1(new TextEncoder().encode(secret)));
}

/**
 * One packet as a report line: its direction and size, the Info column, and the payloads the
 * dissector could read (a file chunk shown as text), cut to fit the line.
 *
 * @param p The packet.
 * @param serverPort The server's port, to tell the directions apart.
 * @returns Such as `client → server   60 B  LP: Request C id=4  {"text":"…"}`.
 */
export function packetLine(p: SeenPacket, serverPort: number): string {
  const way = text(p.srcPort === serverPort ? "tlsFromServer" : "tlsFromClient");
  const alpn = p.alpn.length > 0 ? ` (ALPN ${p.alpn.join(", ")})` : "";
  const chunks = p.data.map((hex) => JSON.stringify(fromHex(hex)));
  const what = [p.info + alpn, ...p.json, ...chunks].join("  ");
  return cutToWidth(`  ${padEndToWidth(way, 16)} ${String(p.length).padStart(5)} B  ${what}`);
}

/** Bytes written as hex (tshark's form of a byte field), decoded as UTF-8 text. */
function fromHex(hex: string): string {
  const bytes = Uint8Array.from(hex.replaceAll(":", "").match(/../g) ?? [], (h) => parseInt(h, 16));
  return new TextDecoder().decode(bytes);
}

/** A line cut to {@linkcode LINE_COLUMNS} terminal columns, with `…` where it was cut. */
function cutToWidth(line: string): string {
  if (displayWidth(line) <= LINE_COLUMNS) return line;
  let kept = "", width = 0;
  for (const [g, w] of graphemes(line)) {
    if (width + w > LINE_COLUMNS - 1) break;
    kept += g;
    width += w;
  }
  return `${kept}…`;
}

/**
 * Report what one capture shows: every packet with data, then whether the sentence and the
 * file's bytes are in the raw capture.
 *
 * @param out Where the report goes.
 * @param packets The capture, dissected.
 * @param session The session.
 * @param grep Whether to search the raw capture for the sentence and the file's bytes.
 * @returns How many LP frames the dissector could read.
 */
function reportCapture(
  out: Out,
  packets: SeenPacket[],
  session: CapturedSession,
  grep = true,
): number {
  for (const p of packets) out(packetLine(p, session.port));
  const frames = packets.reduce(
    (n, p) => n + (p.info.match(/(Request|Response|Indication) /g)?.length ?? 0),
    0,
  );
  const found = (secret: string) =>
    text(holds(session.pcapng, secret) ? "tlsFound" : "tlsNotFound");
  out(text("tlsFrames", { packets: packets.length, frames }));
  if (grep) {
    out(text("tlsGrep", { message: found(text("tlsMessage")), file: found(text("tlsFileText")) }));
  }
  return frames;
}

// ---------------------------------------------------------------------------------------------
// The experiment.

/** What one run found. */
export interface TlsResult {
  /** LP frames the dissector read in the plain capture. */
  plainFrames: number;
  /** LP frames it read in the TLS capture, without the key log. */
  tlsFrames: number;
  /** LP frames it read in the TLS capture with the key log, or null when Deno wrote none. */
  decryptedFrames: number | null;
  /** Whether the raw TLS capture held the sentence or the file's bytes. */
  tlsLeaks: boolean;
}

/**
 * Run the experiment and report it.
 *
 * @param out Where the report goes.
 * @returns What it found.
 */
export async function runTls(out: Out): Promise<TlsResult> {
  askQuestion(out, text("tlsQuestion"));
  out(text("tlsSession", { message: text("tlsMessage"), file: FILE }));
  await Deno.mkdir(EXP_ROOT, { recursive: true });
  // Absolute: the client resolves the paths typed into it against INIT_CWD.
  const dir = await Deno.realPath(await Deno.makeTempDir({ dir: EXP_ROOT, prefix: "session-" }));
  try {
    const plain = await captureSession(join(dir, "plain"), false);
    out("");
    out(text("tlsPlainHeading", { port: plain.port }));
    const plainFrames = reportCapture(out, await dissect(plain.pcapng), plain);

    const tls = await captureSession(join(dir, "tls"), true);
    out("");
    out(text("tlsTlsHeading", { port: tls.port }));
    const tlsFrames = reportCapture(out, await dissect(tls.pcapng), tls);
    const tlsLeaks = holds(tls.pcapng, text("tlsMessage")) ||
      holds(tls.pcapng, text("tlsFileText"));

    out("");
    let decryptedFrames: number | null = null;
    if (tls.keyLog) {
      out(text("tlsKeyLogHeading", { secrets: tls.keyLog.secrets }));
      decryptedFrames = reportCapture(
        out,
        await dissect(tls.pcapng, tls.keyLog.path),
        tls,
        false,
      );
    } else {
      out(text("tlsNoKeyLog"));
    }
    out("");
    const answer = decryptedFrames === null
      ? text("tlsAnswerNoKeyLog", { plainFrames, tlsFrames })
      : text("tlsAnswer", { plainFrames, tlsFrames, decryptedFrames });
    out(text("answer", { answer }));
    return { plainFrames, tlsFrames, decryptedFrames, tlsLeaks };
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(EXP_ROOT).catch(() => {}); // only if empty: another run may be in it
  }
}

if (import.meta.main) {
  Deno.exit(
    await runExperimentMain({
      name: "exp_tls",
      usage,
      args: Deno.args,
      run: () => runTls(console.log),
      log: console.log,
      error: console.error,
    }),
  );
}
