/**
 * Lab: watching the traffic. Records what the lab programs send over loopback into a pcapng
 * file that Wireshark opens, so you can see where each frame's type, length and data sit.
 *
 * Capturing needs a capture tool (dumpcap, which comes with Wireshark, or tshark) and the right
 * to capture (root, or membership of the `wireshark` group). This program only starts the tool
 * with a filter for the lab's ports and stops it cleanly on Ctrl-C, so the file is complete.
 *
 *     deno task capture --out session.pcapng          # then run the programs; Ctrl-C to stop
 *     deno task decode session.pcapng                 # print it, decoded by docs/wireshark/lp.lua
 *
 * @module
 */

import { errorMessage, parseFlags, UsageError } from "../lib/cli.ts";
import { parsePort } from "../lib/host_port.ts";

/** The lab's framed services: the LP server and the chat server. */
const DEFAULT_PORTS = [4579, 15004];
/** Tried in order: dumpcap is the lighter tool; tshark is what most people have installed. */
const TOOLS = ["dumpcap", "tshark"];

const HELP = `Usage: deno task capture [options]

Record loopback traffic on the lab's ports to a pcapng file until Ctrl-C.

Options:
  --out FILE         where to write (default: capture.pcapng)
  --port LIST        comma-separated TCP ports (default: ${DEFAULT_PORTS.join(",")})
  --interface NAME   capture interface (default: lo)
  --duration SEC     stop by itself after this many seconds
  -h, --help         show this help`;

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
  const args = ["-i", options.interfaceName, "-f", captureFilter(options.ports), "-w", options.out];
  if (options.durationSeconds !== undefined) {
    args.push("-a", `duration:${options.durationSeconds}`);
  }
  if (tool === "tshark") args.push("-q");
  return args;
}

/**
 * Start the first capture tool that is installed.
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
        stderr: "inherit",
      }).spawn();
      return { tool, child };
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
  }
  throw new Deno.errors.NotFound(
    "neither dumpcap nor tshark is installed (on Debian or Ubuntu: apt-get install tshark)",
  );
}

function parseOptions(args: string[]): CaptureOptions | null {
  const { values } = parseFlags(args, {
    out: { type: "string", default: "capture.pcapng" },
    port: { type: "string" },
    interface: { type: "string", default: "lo" },
    duration: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) return null;
  const ports = values.port === undefined ? DEFAULT_PORTS : values.port.split(",").map(parsePort);
  let durationSeconds: number | undefined;
  if (values.duration !== undefined) {
    durationSeconds = Number(values.duration);
    if (!(durationSeconds > 0)) {
      throw new UsageError(`Invalid duration "${values.duration}": expected seconds above 0`);
    }
  }
  return { out: values.out, ports, interfaceName: values.interface, durationSeconds };
}

if (import.meta.main) {
  try {
    const options = parseOptions(Deno.args);
    if (options === null) {
      console.log(HELP);
      Deno.exit(0);
    }
    const { tool, child } = startCapture(options);
    console.error(
      `capture: ${tool} is recording ${captureFilter(options.ports)} on ${options.interfaceName} ` +
        `to ${options.out}; press Ctrl-C to stop`,
    );
    // Ctrl-C in a terminal reaches the tool too (same process group), but a signal sent to
    // this process alone must be passed on, or the tool would never close the file.
    const stop = () => {
      try {
        child.kill("SIGINT");
      } catch {
        // The tool has already exited.
      }
    };
    Deno.addSignalListener("SIGINT", stop);
    Deno.addSignalListener("SIGTERM", stop);
    const status = await child.status;
    Deno.removeSignalListener("SIGINT", stop);
    Deno.removeSignalListener("SIGTERM", stop);
    if (status.code !== 0 && status.signal !== "SIGINT") {
      console.error(
        `capture: ${tool} stopped with exit code ${status.code} (is capturing allowed?)`,
      );
      Deno.exit(1);
    }
    console.error(`capture: saved ${options.out}; decode it with: deno task decode ${options.out}`);
  } catch (err) {
    console.error(`capture: ${errorMessage(err)}`);
    Deno.exit(err instanceof UsageError || err instanceof RangeError ? 2 : 1);
  }
}
