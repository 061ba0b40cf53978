/**
 * Experiment: do 100 quick send() calls give 100 TCP segments?
 *
 * No. TCP carries a byte stream, not messages, and it may cut or merge the bytes of our
 * send() calls as it likes. With Nagle's algorithm on (the default), a small write waits while
 * earlier data is still unacknowledged, so quick small writes pile up into one segment; the
 * receiver's delayed ACK (up to 40 ms on Linux) makes the wait long. And a receiver that reads
 * late gets everything that arrived meanwhile in one read(). The students saw fewer messages
 * than they sent and called it "lost packets": nothing was lost, the messages were merged, and
 * only a delimiter or a length prefix (docs/PROTOCOL.md) lets a reader split them again.
 *
 * Here a client writes 100 short lines, awaiting each write, to a server that reads only after
 * the last one; a capture on `lo` (dumpcap or tshark) counts the segments that carried them.
 *
 * Run it:   deno task exp:coalesce [--count 100]
 *
 * @module
 */

import { errorMessage } from "../../lib/cli/cli.ts";
import {
  askQuestion,
  closeQuietly,
  type Out,
  runExperimentMain,
} from "../../lib/experiments/experiment.ts";
import { LoopbackCapture, type Packet } from "../../lib/experiments/capture.ts";
import { experimentsText as text } from "../../lib/experiments/text.ts";

/** The lab's number of sends. */
export const DEFAULT_COUNT = 100;

/** The `--help` text, in the program's language. */
const usage = () => text("coalesceUsage", { count: DEFAULT_COUNT });

/** What one run saw. */
export interface CoalesceResult {
  /** The server's port on 127.0.0.1. */
  port: number;
  sends: number;
  bytes: number;
  noDelay: boolean;
  /** read() calls that returned data on the server. */
  reads: number;
  /** Whether splitting what arrived at newlines gave back every message, in order. */
  intact: boolean;
  /** Payload size of each segment from the client, or null when nothing could be captured. */
  segments: number[] | null;
  /** Why there is no segment count. */
  captureNote: string;
}

/**
 * One run: `count` awaited writes of one short line each, then the server reads everything.
 *
 * @param count How many writes.
 * @param options `noDelay` turns Nagle's algorithm off; `capture` counts the segments.
 * @returns The counts.
 */
export async function coalesce(
  count: number,
  options: { noDelay?: boolean; capture?: boolean } = {},
): Promise<CoalesceResult> {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  const started = options.capture ?? true ? await startCapture(port) : { note: "" };
  const capture = started.capture;
  let captureNote = started.note;
  const messages = Array.from({ length: count }, (_, i) => `message ${i + 1}\n`);
  const encoder = new TextEncoder();
  const bytes = messages.reduce((n, m) => n + m.length, 0);
  let client: Deno.TcpConn | undefined, server: Deno.TcpConn | undefined;
  try {
    [client, server] = await Promise.all([
      Deno.connect({ hostname: "127.0.0.1", port }),
      listener.accept(),
    ]);
    client.setNoDelay(options.noDelay ?? false);
    const clientPort = client.localAddr.port;
    // The sender: one write per message, each awaited, as a send() loop in C or Python would.
    for (const m of messages) {
      const data = encoder.encode(m);
      for (let at = 0; at < data.length;) at += await client.write(data.subarray(at));
    }
    client.close();
    // The receiver reads only now: everything sent meanwhile waits in its buffer.
    let reads = 0, text = "";
    const buf = new Uint8Array(64 * 1024);
    const decoder = new TextDecoder();
    for (let n = await server.read(buf); n !== null; n = await server.read(buf)) {
      reads++;
      text += decoder.decode(buf.subarray(0, n), { stream: true });
    }
    const intact = text === messages.join("");
    let segments: number[] | null = null;
    if (capture) {
      try {
        segments = await segmentsFrom(capture, clientPort);
      } catch (err) {
        captureNote = errorMessage(err);
      }
    }
    return {
      port,
      sends: count,
      bytes,
      noDelay: options.noDelay ?? false,
      reads,
      intact,
      segments,
      captureNote,
    };
  } finally {
    if (client) closeQuietly(client);
    if (server) closeQuietly(server);
    await capture?.stop();
  }
}

/**
 * Start counting the segments on a port, or say why not.
 *
 * @param port The server's port on 127.0.0.1.
 * @returns The capture, or a note saying why there is none.
 */
async function startCapture(port: number): Promise<{ capture?: LoopbackCapture; note: string }> {
  try {
    return { capture: await LoopbackCapture.start(port), note: "" };
  } catch (err) {
    return { note: errorMessage(err) };
  }
}

/**
 * The payload sizes of the data segments a client sent, once its FIN has been captured.
 *
 * @param capture The capture on the server's port.
 * @param clientPort The client's port.
 * @returns One size per data segment, in order.
 * @throws {Error} When the capture fails or the FIN does not come in time.
 */
async function segmentsFrom(capture: LoopbackCapture, clientPort: number): Promise<number[]> {
  // The client's FIN follows all its data, so once it is captured every segment is.
  const packets = await capture.packetsUntil((ps) =>
    ps.some((p) => p.srcPort === clientPort && p.fin)
  );
  return fromClient(packets, clientPort);
}

/**
 * The payload sizes of the segments a port sent, leaving out bare ACKs.
 *
 * @param packets Decoded packets.
 * @param port The sender's port.
 * @returns One size per data segment, in order.
 */
export function fromClient(packets: Packet[], port: number): number[] {
  return packets.filter((p) => p.srcPort === port && p.length > 0).map((p) => p.length);
}

/**
 * Describe segment sizes briefly: runs of equal sizes as `N × size`.
 *
 * @param sizes Payload sizes in order.
 * @returns Such as `10 × 10, 7 × 11, 1 × 913`.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * equal(describeSizes([10, 10, 11, 913]), "2 × 10, 1 × 11, 1 × 913");
 * ```
 */
export function describeSizes(sizes: number[]): string {
  const runs: string[] = [];
  for (let i = 0; i < sizes.length;) {
    let j = i;
    while (j < sizes.length && sizes[j] === sizes[i]) j++;
    runs.push(`${j - i} × ${sizes[i]}`);
    i = j;
  }
  return runs.join(text("numberSep"));
}

/**
 * Report one run.
 *
 * @param out Where the report goes.
 * @param r The run.
 */
export function reportRun(out: Out, r: CoalesceResult): void {
  const how = text(r.noDelay ? "coalesceNoDelay" : "coalesceNagle");
  out(text("coalesceRun", { sends: r.sends, port: r.port, bytes: r.bytes, how }));
  if (r.segments) {
    const sizes = describeSizes(r.segments);
    out(text("coalesceSegments", { count: r.segments.length, sizes }));
  } else {
    out(text("coalesceNoCount", { why: r.captureNote }));
  }
  out(text("coalesceReads", { reads: r.reads, bytes: r.bytes }));
  out(r.intact ? text("coalesceIntact", { sends: r.sends }) : text("coalesceDiffer"));
}

/**
 * Run the experiment and report it.
 *
 * @param out Where the report goes.
 * @param count How many writes.
 * @param quick Skip the TCP_NODELAY run.
 * @returns The runs.
 */
export async function runCoalesce(
  out: Out,
  count = DEFAULT_COUNT,
  quick = false,
): Promise<CoalesceResult[]> {
  askQuestion(out, text("coalesceQuestion", { count }));
  const runs = [await coalesce(count)];
  reportRun(out, runs[0]);
  if (!quick) {
    out("");
    runs.push(await coalesce(count, { noDelay: true }));
    reportRun(out, runs[1]);
  }
  out("");
  const seg = runs[0].segments;
  const reads = runs[0].reads;
  const verdict = text(runs.every((r) => r.intact) ? "coalesceAllArrived" : "coalesceSomeDiffer");
  const answer = seg
    ? text("coalesceAnswerSegments", { count, segments: seg.length, reads, verdict })
    : text("coalesceAnswer", { count, reads, verdict });
  out(text("answer", { answer }));
  return runs;
}

if (import.meta.main) {
  Deno.exit(
    await runExperimentMain({
      name: "exp_coalesce",
      usage,
      args: Deno.args,
      count: { flag: "count", max: 10_000 },
      run: ({ count, quick }, out) => runCoalesce(out, count, quick),
      log: console.log,
      error: console.error,
    }),
  );
}
