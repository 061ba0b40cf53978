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

import { errorMessage, parseFlags, UsageError } from "../../lib/cli/cli.ts";
import { chooseLang, isLang, setLang } from "../../lib/cli/i18n.ts";
import { cliText } from "../../lib/cli/text.ts";
import { toolsText as text } from "../../lib/tools/text.ts";
import { DISSECTOR } from "../../lib/wire/dissector.ts";

/** The `--help` text, in the program's language, with the lines every program has. */
const usage = () =>
  [
    text("decodeUsage"),
    `  --lang LANG     ${cliText("langFlag")}`,
    `  -h, --help      ${cliText("helpFlag")}`,
  ].join("\n");

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

/**
 * The one line that says why tshark failed, from its stderr with the noise removed.
 *
 * @param errors What tshark said, first line first.
 * @param code Its exit code.
 * @returns Such as `The file "x.pcapng" doesn't exist`, without tshark's own prefix.
 */
export function describeFailure(errors: string[], code: number): string {
  const first = errors[0]?.replace(/^tshark: /, "").replace(/\.$/, "");
  return first ?? text("decodeStopped", { code });
}

function fail(message: string, code: number): never {
  console.error(`decode_capture: ${message}`);
  Deno.exit(code);
}

if (import.meta.main) {
  // parseProgramFlags takes no file names; this is what it does, with the capture file allowed.
  setLang(chooseLang(Deno.args));
  let file: string, filter: string, detail: boolean;
  try {
    const { values, positionals } = parseFlags(Deno.args, {
      filter: { type: "string", default: "lp" },
      detail: { type: "boolean", default: false },
      lang: { type: "string" },
      help: { type: "boolean", short: "h" },
    }, true);
    if (values.lang !== undefined && !isLang(values.lang)) {
      throw new UsageError(cliText("badLang", { value: values.lang }));
    }
    if (values.help) {
      console.log(usage());
      Deno.exit(0);
    }
    if (positionals.length !== 1) throw new UsageError(text("decodeOneFile"));
    [file, filter, detail] = [positionals[0], values.filter, values.detail];
  } catch (err) {
    if (err instanceof UsageError) fail(cliText("seeHelp", { message: err.message }), 2);
    throw err;
  }
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("tshark", {
      args: decodeArgs(file, filter, detail),
      stdin: "null",
      stdout: "inherit",
      stderr: "piped",
    }).output();
  } catch (err) {
    fail(
      err instanceof Deno.errors.NotFound ? text("decodeNoTshark") : errorMessage(err),
      1,
    );
  }
  const errors = new TextDecoder().decode(output.stderr).split("\n").filter((l) => !isNoise(l));
  // A Lua error leaves tshark's exit code at 0, so its stderr is the real verdict. Its first
  // line is the verdict; the lines under it (where in lp.lua) are for whoever fixes the script.
  const luaFailed = errors.some((l) => l.includes("Lua"));
  if (!output.success || luaFailed) {
    console.error(`decode_capture: ${describeFailure(errors, output.code)}`);
    if (luaFailed) { for (const line of errors.slice(1)) console.error(line); }
    Deno.exit(1);
  }
  if (errors.length > 0) console.error(errors.join("\n"));
}
