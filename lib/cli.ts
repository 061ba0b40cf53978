/**
 * What every program's command line shares: flags through `node:util` parseArgs, and errors a
 * user can read in one line.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";

/** The user typed something the program cannot take; the message says what. */
export class UsageError extends Error {
  /** @param message What was wrong, in one line. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

type Options = NonNullable<ParseArgsConfig["options"]>;

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
    // parseArgs's messages are long and mention "args"; keep the first sentence.
    const message = err instanceof Error ? err.message.split(". ")[0] : String(err);
    throw new UsageError(message.replace(/\.$/, ""));
  }
}

const FRIENDLY: Record<string, string> = {
  AddrInUse: "address already in use (is another server running on that port?)",
  AddrNotAvailable: "that address is not on this machine",
  ConnectionRefused: "connection refused (is the server running?)",
  ConnectionReset: "connection reset by the peer",
  TimedOut: "timed out",
  PermissionDenied: "permission denied",
  NotFound: "not found",
};

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
  let text: string;
  if (err instanceof Error) {
    text = FRIENDLY[err.name] ?? err.message;
    // Deno's resolver and node:dns word the same failure differently.
    if (/failed to lookup address|getaddrinfo E(NOTFOUND|AI_AGAIN)/.test(err.message)) {
      text = "host name does not resolve";
    }
  } else {
    text = String(err);
  }
  text = text.split("\n")[0];
  return context ? `${context}: ${text}` : text;
}
