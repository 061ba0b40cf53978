/**
 * Lab: reading a capture. Prints a pcapng file with every LP frame decoded by our Wireshark
 * dissector (docs/wireshark/lp.lua): one line per packet, or the full field tree with --detail.
 * The same dissector loads into the Wireshark window; this is the terminal view of it.
 *
 *     deno task decode session.pcapng
 *     deno task decode session.pcapng --detail --filter 'lp.type == "M"'
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { errorMessage, parseFlags, UsageError } from "../lib/cli.ts";

/** The dissector, found beside this program so the task works from any folder. */
export const DISSECTOR = fileURLToPath(new URL("../docs/wireshark/lp.lua", import.meta.url));

const HELP = `Usage: deno task decode FILE [options]

Print a capture with LP frames decoded by docs/wireshark/lp.lua (needs tshark).

Options:
  --filter EXPR   a Wireshark display filter (default: lp), e.g. 'lp.kind == 1'
  --detail        print every field of every frame, not one line per packet
  -h, --help      show this help`;

/**
 * The tshark command line that decodes a capture with the dissector.
 *
 * @param file The capture.
 * @param filter A display filter.
 * @param detail Whether to print the field tree.
 * @returns tshark's arguments.
 */
export function decodeArgs(file: string, filter: string, detail: boolean): string[] {
  const args = ["-X", `lua_script:${DISSECTOR}`, "-r", file, "-Y", filter];
  if (detail) args.push("-O", "lp");
  return args;
}

/**
 * Lines tshark prints that say nothing about the capture (it warns whenever run as root).
 *
 * @param line A line of tshark's stderr.
 * @returns Whether to hide it.
 */
export function isNoise(line: string): boolean {
  return line.trim() === "" || /^Running as user "root"/.test(line);
}

if (import.meta.main) {
  try {
    const { values, positionals } = parseFlags(Deno.args, {
      filter: { type: "string", default: "lp" },
      detail: { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    }, true);
    if (values.help) {
      console.log(HELP);
      Deno.exit(0);
    }
    if (positionals.length !== 1) throw new UsageError("Expected one capture file (see --help)");
    const output = await new Deno.Command("tshark", {
      args: decodeArgs(positionals[0], values.filter, values.detail),
      stdin: "null",
      stdout: "inherit",
      stderr: "piped",
    }).output();
    const errors = new TextDecoder().decode(output.stderr).split("\n").filter((l) => !isNoise(l));
    // A Lua error leaves tshark's exit code at 0, so its stderr is the real verdict.
    if (errors.length > 0) console.error(errors.join("\n"));
    if (!output.success || errors.some((l) => l.includes("Lua"))) Deno.exit(1);
  } catch (err) {
    const message = err instanceof Deno.errors.NotFound
      ? "tshark is not installed (on Debian or Ubuntu: apt-get install tshark)"
      : errorMessage(err);
    console.error(`decode: ${message}`);
    Deno.exit(err instanceof UsageError ? 2 : 1);
  }
}
