/**
 * What every program's command line shares: flags through `node:util` parseArgs, and errors a
 * user can read in one line.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";
import { chooseLang, isLang, setLang } from "./i18n.ts";
import { cliText as text } from "./text.ts";

/** The user typed something the program cannot take; the message says what. */
export class UsageError extends Error {
  /** @param message What was wrong, in one line. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Flags as `parseArgs` takes them. */
export type FlagOptions = NonNullable<ParseArgsConfig["options"]>;
type Options = FlagOptions;

/**
 * Parse flags strictly: an unknown flag, a missing value or a stray argument is a
 * {@linkcode UsageError}, never a stack trace.
 *
 * @param args The arguments, usually `Deno.args`.
 * @param options The flags, as `parseArgs` takes them.
 * @param allowPositionals Whether bare arguments are allowed.
 * @returns The parsed values and positionals.
 * @throws {UsageError} When the arguments do not fit.
 */
export function parseFlags<O extends Options>(
  args: string[],
  options: O,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (err) {
    throw new UsageError(flagErrorLine(err, args, options));
  }
}

/** A program's command line, for {@linkcode parseProgramFlags}. */
export interface ProgramFlags<O extends Options, T> {
  /** The program's name, which starts the error line, such as `tcp_client`. */
  name: string;
  /**
   * The text `--help` prints; a function, so that it is worded once the language is known.
   * The lines for `--lang` and `--help` are added at the end.
   */
  usage: string | (() => string);
  /** The arguments, usually `Deno.args`. */
  args: string[];
  /** The program's flags, as `parseArgs` takes them; `--lang` and `-h, --help` are added. */
  options: O;
  /**
   * Turns the parsed values into what the program needs; not called for `--help`.
   * @throws {UsageError | RangeError} When a value does not fit: said in one line.
   */
  read: (values: FlagValues<O>) => T;
  /** Where `--help` prints, usually `console.log`. */
  log: (line: string) => void;
  /** Where the one-line error goes, usually `console.error`. */
  error: (line: string) => void;
}

/** The values `parseArgs` returns for these flags. */
export type FlagValues<O extends Options> = ReturnType<typeof parseFlags<O>>["values"];

/**
 * Parse a program's flags, or say why not: `--help` prints the usage, a bad flag or value is
 * one line ending in "(see --help)". Nothing exits here; the program does, with the code.
 *
 * The program's language is chosen here, first: `--lang`, else the locale (see
 * {@linkcode chooseLang}); every sentence it prints afterwards is in that language.
 *
 * @param program The name, usage, arguments, flags, how to read them, and the output sinks.
 * @returns `{ flags }`, or `{ exitCode }`: 0 after `--help`, 2 after a usage or range error.
 * @throws {Error} Only what `read` throws that is not a usage or range error: a bug.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * const errors: string[] = [];
 * const result = parseProgramFlags({
 *   name: "demo",
 *   usage: "Usage: demo [--port PORT]",
 *   args: ["--port"],
 *   options: { port: { type: "string", default: "1" } },
 *   read: (values) => Number(values.port),
 *   log: () => {},
 *   error: (line) => errors.push(line),
 * });
 * deepStrictEqual(result, { exitCode: 2 });
 * deepStrictEqual(errors, ["demo: Option '--port' needs a value (see --help)"]);
 * ```
 */
export function parseProgramFlags<O extends Options, T>(
  program: ProgramFlags<O, T>,
): { flags: T } | { exitCode: number } {
  setLang(chooseLang(program.args));
  try {
    const { values } = parseFlags(program.args, {
      ...program.options,
      lang: { type: "string" },
      help: { type: "boolean", short: "h" },
    });
    const { help, lang } = values as { help?: boolean; lang?: string };
    if (lang !== undefined && !isLang(lang)) throw new UsageError(text("badLang", { value: lang }));
    if (help) {
      const usage = typeof program.usage === "function" ? program.usage() : program.usage;
      program.log(withSharedFlags(usage));
      return { exitCode: 0 };
    }
    return { flags: program.read(values as FlagValues<O>) };
  } catch (err) {
    if (err instanceof UsageError || err instanceof RangeError) {
      program.error(`${program.name}: ${text("seeHelp", { message: err.message })}`);
      return { exitCode: 2 };
    }
    throw err;
  }
}

/**
 * A usage with the lines for the flags every program has, `--lang` and `--help`, added at the
 * end, their descriptions in the same column as the usage's own option lines (16 when it has
 * none).
 */
function withSharedFlags(usage: string): string {
  const columns = usage.split("\n").map((line) => /^( +-\S.*?\S {2,})\S/.exec(line)?.[1].length)
    .filter((n) => n !== undefined);
  const column = columns.length ? Math.max(...columns) : 18;
  const line = (flag: string, description: string) =>
    `  ${flag}`.padEnd(column - 1) + ` ${description}`;
  return [usage, line("--lang LANG", text("langFlag")), line("-h, --help", text("helpFlag"))]
    .join("\n");
}

/**
 * One line for a parseArgs error. Its messages can run to three lines ("argument is ambiguous.
 * Did you forget…") and mention "args"; the first sentence says enough, and a value that starts
 * with "-" (such as `--timeout -5`) gets a hint that says how to write it.
 */
function flagErrorLine(err: unknown, args: string[], options: Options): string {
  const message = err instanceof Error ? err.message : String(err);
  const ambiguous = /use '--([^=']+)=-XYZ'/.exec(message);
  if (ambiguous) {
    const name = ambiguous[1];
    const short = options[name]?.short;
    const at = args.findIndex((a) => a === `--${name}` || (short && a === `-${short}`));
    const value = args[at + 1] ?? "";
    // "--port --help" forgot the value; "--timeout -5" meant it.
    return value.startsWith("--")
      ? text("needsValue", { flag: `--${name}` })
      : text("needsValueDash", { flag: `--${name}`, value });
  }
  const missing = /^Option '(?:-\w, )?(--[^' ]+)[^']*' argument missing/.exec(message);
  if (missing) return text("needsValue", { flag: missing[1] });
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  if (unknown) return text("unknownOption", { flag: unknown[1] });
  const stray = /^Unexpected argument '([^']*)'/.exec(message);
  if (stray) return text("unexpectedArgument", { value: stray[1] });
  return message.split("\n")[0].split(/\.(?:\s|$)/)[0];
}

/** The errors a user meets most, by name, worded for a person. */
const FRIENDLY = [
  "AddrInUse",
  "AddrNotAvailable",
  "ConnectionRefused",
  "ConnectionReset",
  "TimedOut",
  "PermissionDenied",
  "NotFound",
] as const;

/**
 * Turn an error into the one line a user should see.
 *
 * @param err Whatever was thrown.
 * @param context What the program was doing, such as `cannot listen on 127.0.0.1:15000`.
 * @returns A single line with no stack trace.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * const err = new Deno.errors.ConnectionRefused("Connection refused (os error 111)");
 * deepStrictEqual(errorMessage(err, "cannot connect to 127.0.0.1:1"),
 *   "cannot connect to 127.0.0.1:1: connection refused (is the server running?)");
 * ```
 */
export function errorMessage(err: unknown, context?: string): string {
  let line: string;
  if (err instanceof Error) {
    const name = FRIENDLY.find((n) => n === err.name);
    line = name ? text(name) : err.message;
    // Deno's resolver and node:dns word the same failure differently.
    if (/failed to lookup address|getaddrinfo E(NOTFOUND|AI_AGAIN)/.test(err.message)) {
      line = text("noResolve");
    }
  } else {
    line = String(err);
  }
  line = line.split("\n")[0];
  return context ? `${context}: ${line}` : line;
}

/**
 * Whether a signal was Ctrl-C typed at the terminal this program writes to. The terminal
 * echoes it as `^C` with no newline, so a program should end that line before it writes again,
 * or the two run together: `^C2026-11-21 10:00:00 … disconnected`.
 *
 * @param signal The signal that came.
 * @param out Where the program writes next (default stdout).
 * @returns Whether to write a newline first.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * equal(interruptedAtTerminal("SIGINT", { isTerminal: () => true }), true);
 * equal(interruptedAtTerminal("SIGTERM", { isTerminal: () => true }), false);
 * ```
 */
export function interruptedAtTerminal(
  signal: Deno.Signal,
  out: { isTerminal(): boolean } = Deno.stdout,
): boolean {
  return signal === "SIGINT" && out.isTerminal();
}
