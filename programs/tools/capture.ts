/**
 * Lab: watching the traffic. Records what the lab programs send over loopback into a pcapng
 * file that Wireshark opens, so you can see where each frame's type, length and data sit.
 *
 * Capturing needs a capture tool (dumpcap, which comes with Wireshark, or tshark) and the right
 * to capture (root, or membership of the `wireshark` group). This program only starts the tool
 * with a filter for the lab's ports, stops it cleanly on Ctrl-C so the file is complete, and
 * turns the tool's chatter into a line or two: where it records, what it saved, or why it
 * could not.
 *
 *     deno task capture --out session.pcapng          # then run the programs; Ctrl-C to stop
 *     deno task decode session.pcapng                 # print it, decoded by docs/wireshark/lp.lua
 *
 * @module
 */

import {
  errorMessage,
  type FlagValues,
  interruptedAtTerminal,
  parseProgramFlags,
  UsageError,
} from "../../lib/cli/cli.ts";
import { parsePort } from "../../lib/net/host_port.ts";
import { toolsText as text } from "../../lib/tools/text.ts";

/** The lab's framed services: the LP server and the chat server. */
const DEFAULT_PORTS = [4579, 15004];
/**
 * Kernel capture buffer in MiB. The default 2 MiB holds only about eight full-size loopback
 * segments (up to 64 KiB each), so a file transfer on a busy machine overflows it and the
 * capture silently misses packets.
 */
const CAPTURE_BUFFER_MIB = 64;
/** Tried in order: dumpcap is the lighter tool; tshark is what most people have installed. */
const TOOLS = ["dumpcap", "tshark"];

/** The `--help` text, in the program's language. */
const usage = () => text("captureUsage", { ports: DEFAULT_PORTS.join(",") });

/** What to capture. */
export interface CaptureOptions {
  out: string;
  ports: number[];
  interfaceName: string;
  durationSeconds?: number;
}

/**
 * The capture filter for the ports, in pcap syntax.
 *
 * @param ports TCP ports.
 * @returns A filter such as `tcp port 4579 or tcp port 15004`.
 */
export function captureFilter(ports: number[]): string {
  return ports.map((p) => `tcp port ${p}`).join(" or ");
}

/**
 * The command line for a capture tool.
 *
 * @param tool `dumpcap` or `tshark`.
 * @param options What to capture.
 * @returns The tool's arguments.
 */
export function captureArgs(tool: string, options: CaptureOptions): string[] {
  const args = [
    ...["-i", options.interfaceName, "-f", captureFilter(options.ports), "-w", options.out],
    ...["-B", String(CAPTURE_BUFFER_MIB)],
  ];
  if (options.durationSeconds !== undefined) {
    args.push("-a", `duration:${options.durationSeconds}`);
  }
  if (tool === "tshark") args.push("-q");
  return args;
}

/**
 * Start the first capture tool that is installed, its stderr piped for {@linkcode readToolLine}.
 *
 * @param options What to capture.
 * @returns The tool's name and its running process.
 * @throws {Deno.errors.NotFound} When neither tool is installed.
 */
export function startCapture(options: CaptureOptions): { tool: string; child: Deno.ChildProcess } {
  for (const tool of TOOLS) {
    try {
      const child = new Deno.Command(tool, {
        args: captureArgs(tool, options),
        stdin: "null",
        stdout: "inherit",
        stderr: "piped",
      }).spawn();
      return { tool, child };
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
  }
  throw new Deno.errors.NotFound(text("captureNoTool"));
}

/** What one line of the capture tool's stderr tells us. */
export type ToolLine =
  /** The capture is live and writing this file. */
  | { kind: "live"; file: string }
  /** How many packets it wrote, said when it stops. */
  | { kind: "packets"; count: number }
  /** Anything else it says: an error, or the explanation under one. */
  | { kind: "message"; text: string }
  /** Progress and statistics that say nothing the user needs. */
  | { kind: "noise" };

/**
 * Read one line of dumpcap's or tshark's stderr.
 *
 * @param line The line, without its line break.
 * @returns What it says.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(readToolLine("Packets captured: 12"), { kind: "packets", count: 12 });
 * deepStrictEqual(readToolLine('dumpcap: There is no device named "x".'),
 *   { kind: "message", text: 'There is no device named "x".' });
 * ```
 */
export function readToolLine(line: string): ToolLine {
  const text = line.trim();
  let m;
  if ((m = /^File: (.+)$/.exec(text) ?? /\] -- File: "(.+)"$/.exec(text))) {
    return { kind: "live", file: m[1] };
  }
  if ((m = /^Packets captured: (\d+)$/.exec(text) ?? /^(\d+) packets? captured$/.exec(text))) {
    return { kind: "packets", count: Number(m[1]) };
  }
  // "Capturing on": our own line names the interface. The rest: dumpcap's drop statistics
  // ("Packets received/dropped … (pcap:0/dumpcap:0/flushed:0/ps_ifdrop:0)"), tshark's log
  // messages, its warning whenever run as root, and the bare "tshark:" before its count.
  const noise = /^$|^Capturing on |^Packets received\/dropped |^\*\* \(|^Running as user |^\w+:$/;
  if (noise.test(text)) return { kind: "noise" };
  return { kind: "message", text: text.replace(/^(dumpcap|tshark): /, "") };
}

/**
 * The one line that says why the capture failed.
 *
 * @param messages What the tool said, in order; its first line is the error itself.
 * @param tool The tool's name.
 * @param code Its exit code.
 * @returns Such as `There is no device named "nosuch0"`, with a hint about the right to capture
 *   only when the tool complained about permissions.
 */
export function describeFailure(messages: string[], tool: string, code: number): string {
  const first = messages[0]?.replace(/\.$/, "") ?? text("captureStopped", { tool, code });
  const denied = messages.some((l) => /permission to capture|not permitted|privileges/i.test(l));
  return denied ? text("captureDenied", { reason: first }) : first;
}

/** The lines of a byte stream; a lone `\r` (a progress line redrawn) ends a line too. */
async function* streamLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let partial = "";
  for await (
    const piece of stream.pipeThrough(
      new TextDecoderStream() as TransformStream<Uint8Array, string>,
    )
  ) {
    const parts = (partial + piece).split(/\r?\n|\r/);
    partial = parts.pop()!;
    yield* parts;
  }
  if (partial) yield partial;
}

/** The capture's flags. */
const OPTIONS = {
  out: { type: "string", default: "capture.pcapng" },
  port: { type: "string" },
  interface: { type: "string", default: "lo" },
  duration: { type: "string" },
} as const;

function readOptions(values: FlagValues<typeof OPTIONS>): CaptureOptions {
  const ports = values.port === undefined ? DEFAULT_PORTS : values.port.split(",").map(parsePort);
  let durationSeconds: number | undefined;
  if (values.duration !== undefined) {
    durationSeconds = Number(values.duration);
    if (!(durationSeconds > 0)) {
      throw new UsageError(text("captureBadDuration", { value: values.duration }));
    }
  }
  return { out: values.out, ports, interfaceName: values.interface, durationSeconds };
}

function fail(message: string, code: number): never {
  console.error(`capture: ${message}`);
  Deno.exit(code);
}

if (import.meta.main) {
  const parsed = parseProgramFlags({
    name: "capture",
    usage,
    args: Deno.args,
    options: OPTIONS,
    read: readOptions,
    log: console.log,
    error: console.error,
  });
  if ("exitCode" in parsed) Deno.exit(parsed.exitCode);
  const options = parsed.flags;
  let started;
  try {
    started = startCapture(options);
  } catch (err) {
    fail(errorMessage(err), 1);
  }
  const { tool, child } = started;

  // Ctrl-C in a terminal reaches the tool too (same process group), but a signal sent to
  // this process alone must be passed on, or the tool would never close the file.
  let interrupted: Deno.Signal | undefined;
  const stopOn = (signal: Deno.Signal) => () => {
    interrupted = signal;
    try {
      child.kill("SIGINT");
    } catch {
      // The tool has already exited.
    }
  };
  const listeners = (["SIGINT", "SIGTERM"] as const).map((s) => [s, stopOn(s)] as const);
  for (const [s, listener] of listeners) Deno.addSignalListener(s, listener);

  // Pass on what the user needs while the tool runs; keep the rest for the verdict.
  let packets: number | undefined;
  const messages: string[] = [];
  let live = false;
  for await (const line of streamLines(child.stderr)) {
    const said = readToolLine(line);
    if (said.kind === "live") {
      if (!live) {
        const filter = captureFilter(options.ports);
        const where = { tool, filter, interface: options.interfaceName };
        console.error(`capture: ${text("captureRecording", where)}`);
      }
      live = true;
      console.error(`File: ${said.file}`); // the tool's own words: the capture is running
    } else if (said.kind === "packets") {
      packets = said.count;
    } else if (said.kind === "message") {
      messages.push(said.text);
      if (live) console.error(`${tool}: ${said.text}`); // trouble during a running capture
    }
  }
  const status = await child.status;
  for (const [s, listener] of listeners) Deno.removeSignalListener(s, listener);
  if (interrupted && interruptedAtTerminal(interrupted, Deno.stderr)) console.error();

  if (!status.success && status.signal !== "SIGINT") {
    fail(describeFailure(messages, tool, status.code), 1);
  }
  const saved = packets === undefined
    ? text("captureSaved", { file: options.out })
    : text("captureSavedPackets", { file: options.out, count: packets });
  console.error(`capture: ${saved}`);
}
