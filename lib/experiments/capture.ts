/**
 * A loopback packet capture held in memory: dumpcap (or tshark) writes pcapng to its stdout,
 * tshark decodes what has arrived so far from its stdin. No file is written, so an experiment
 * needs no read or write permission and leaves nothing behind.
 *
 * @module
 */

import { DISSECTOR } from "../wire/dissector.ts";
import { runTool, SETTLE_MS } from "./experiment.ts";
import { experimentsText as text } from "./text.ts";

/** Tried in order: dumpcap is the lighter tool; tshark can capture too. */
const CAPTURE_TOOLS = ["dumpcap", "tshark"];

/** One TCP packet as tshark decoded it. */
export interface Packet {
  srcPort: number;
  dstPort: number;
  /** Payload bytes. */
  length: number;
  fin: boolean;
}

/**
 * A running capture on `lo` of one TCP port.
 *
 * @remarks
 * The capture tool prints `File: -` on stderr once it is capturing; traffic sent before that
 * would be missed, so {@linkcode LoopbackCapture.start} waits for it. libpcap hands packets
 * over in batches, so {@linkcode LoopbackCapture.packetsUntil} decodes again whenever more
 * bytes arrive, until the caller's condition holds.
 */
export class LoopbackCapture implements AsyncDisposable {
  readonly tool: string;
  readonly #child: Deno.ChildProcess;
  readonly #chunks: Uint8Array[] = [];
  readonly #pump: Promise<void>;
  readonly #errors: Promise<string>;
  #wake: () => void = () => {};

  private constructor(tool: string, child: Deno.ChildProcess, stderrText: Promise<string>) {
    this.tool = tool;
    this.#child = child;
    this.#errors = stderrText;
    this.#pump = (async () => {
      for await (const chunk of child.stdout) {
        this.#chunks.push(chunk);
        this.#wake();
      }
      this.#wake();
    })();
  }

  /**
   * Start capturing, and return once the tool is live.
   *
   * @param port The TCP port to capture.
   * @returns The capture.
   * @throws {Error} When no capture tool is installed, or it cannot capture (its reason).
   */
  static async start(port: number): Promise<LoopbackCapture> {
    for (const tool of CAPTURE_TOOLS) {
      let child: Deno.ChildProcess;
      try {
        child = new Deno.Command(tool, {
          args: [
            "-i",
            "lo",
            "-f",
            `tcp port ${port}`,
            "-w",
            "-",
            ...(tool === "tshark" ? ["-q"] : []),
          ],
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).spawn();
      } catch (err) {
        if (err instanceof Deno.errors.NotFound) continue;
        throw err;
      }
      // Read stderr until "File:" (live) or its end (the tool gave up); keep the rest.
      let seen = "";
      let live!: () => void;
      const isLive = new Promise<void>((resolve) => live = resolve);
      const stderrText = (async () => {
        for await (const piece of child.stderr.pipeThrough(new TextDecoderStream())) {
          seen += piece;
          if (/^File: /m.test(seen)) live();
        }
        live();
        return seen;
      })();
      await isLive;
      const capture = new LoopbackCapture(tool, child, stderrText);
      if (!/^File: /m.test(seen)) {
        await capture.stop();
        const reason = seen.trim().split("\n").filter((l) => !/^Capturing on/.test(l)).pop();
        throw new Error(text("captureCannot", { tool, reason: reason ?? text("captureExited") }));
      }
      return capture;
    }
    throw new Error(text("noCaptureTool"));
  }

  /**
   * Decode what has been captured until `done` accepts it.
   *
   * @param done Whether the packets so far are all that is expected.
   * @param timeoutMs How long to wait for the tool to hand the packets over.
   * @returns The packets.
   * @throws {Error} When tshark is missing, or the deadline passes.
   */
  async packetsUntil(
    done: (packets: Packet[]) => boolean,
    timeoutMs = SETTLE_MS,
  ): Promise<Packet[]> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const more = new Promise<void>((resolve) => this.#wake = resolve);
      const packets = await decode(this.pcapng());
      if (done(packets)) return packets;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(text("captureLate", { ms: timeoutMs }));
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([more, new Promise((r) => timer = setTimeout(r, left))]);
      clearTimeout(timer);
    }
  }

  /** Everything captured so far, as pcapng bytes (what a capture file would hold). */
  pcapng(): Uint8Array {
    const all = new Uint8Array(this.#chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of this.#chunks) {
      all.set(c, at);
      at += c.length;
    }
    return all;
  }

  /** Stop the tool (SIGINT, so it ends cleanly) and wait for it. */
  async stop(): Promise<void> {
    try {
      this.#child.kill("SIGINT");
    } catch {
      // Already exited.
    }
    await this.#child.status;
    await this.#pump;
    await this.#errors;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/**
 * Decode pcapng bytes with tshark. A capture still being written ends mid-block; tshark then
 * complains but prints every whole packet, which is what we want.
 *
 * @param pcapng The capture so far.
 * @returns Its TCP packets.
 * @throws {Error} When tshark is not installed.
 */
export async function decode(pcapng: Uint8Array): Promise<Packet[]> {
  if (pcapng.length === 0) return [];
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("tshark", {
      args: [
        ...["-r", "-", "-Y", "tcp", "-T", "fields"],
        ...["-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tcp.len", "-e", "tcp.flags.fin"],
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error(text("noTshark"));
    }
    throw err;
  }
  // Read while writing, so a full stdout pipe can never stall tshark's reading of stdin.
  const output = child.output();
  const writer = child.stdin.getWriter();
  await writer.write(pcapng).catch(() => {});
  await writer.close().catch(() => {});
  // The exit code is ignored on purpose: a capture cut short mid-block makes it non-zero.
  const fields = new TextDecoder().decode((await output).stdout);
  return fields.split("\n").filter((l) => l.trim()).map((row) => {
    const [src, dst, len, fin] = row.split("\t");
    return {
      srcPort: Number(src),
      dstPort: Number(dst),
      length: Number(len),
      fin: fin === "1" || fin === "True",
    };
  });
}

/** One packet that carried data, as Wireshark shows it with our dissector loaded. */
export interface SeenPacket {
  srcPort: number;
  /** TCP payload bytes. */
  length: number;
  /** The Info column, such as `LP: Request C id=4` or `Application Data`. */
  info: string;
  /** The JSON payloads of the LP frames in the packet, as text. */
  json: string[];
  /** The binary payloads of the LP frames in the packet (file chunks), as hex. */
  data: string[];
  /** The protocols a TLS Client Hello offered (ALPN), in clear. */
  alpn: string[];
}

/**
 * Decode pcapng bytes as Wireshark would show them, with the LP dissector loaded: what anyone
 * with a capture of the traffic can read.
 *
 * @param pcapng The capture.
 * @param keyLog A TLS key log file (`SSLKEYLOGFILE` format) that lets tshark decrypt TLS.
 * @returns The packets that carried data, in order.
 * @throws {Error} When tshark is not installed.
 */
export async function dissect(pcapng: Uint8Array, keyLog?: string): Promise<SeenPacket[]> {
  const fields = ["tcp.srcport", "tcp.len", "_ws.col.Info", "lp.json", "lp.data"];
  const args = [
    ...["-X", `lua_script:${DISSECTOR}`, "-r", "-", "-Y", "tcp.len > 0", "-T", "json"],
    ...fields.flatMap((f) => ["-e", f]),
    ...["-e", "tls.handshake.extensions_alpn_str"],
    ...(keyLog ? ["-o", `tls.keylog_file:${keyLog}`] : []),
  ];
  const out = await runTool("tshark", args, pcapng);
  const packets = JSON.parse(out || "[]") as { _source: { layers: Record<string, string[]> } }[];
  return packets.map(({ _source: { layers } }) => ({
    srcPort: Number(layers["tcp.srcport"]?.[0]),
    length: Number(layers["tcp.len"]?.[0]),
    info: layers["_ws.col.Info"]?.[0] ?? "",
    json: layers["lp.json"] ?? [],
    data: layers["lp.data"] ?? [],
    alpn: layers["tls.handshake.extensions_alpn_str"] ?? [],
  }));
}
