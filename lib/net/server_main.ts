/**
 * The one `main` every lab server runs: parse the flags, bind, say where it listens, serve until
 * Ctrl-C, SIGTERM or a console's `quit`, and turn the outcome into an exit code. Each server
 * brings only what is its own: its flags, its bind call and its serve function.
 *
 * @module
 */

import { errorMessage, type FlagOptions, type FlagValues, parseProgramFlags } from "../cli/cli.ts";
import { cliText as text } from "../cli/text.ts";
import { formatHostPort, isLoopback } from "./host_port.ts";
import { Shutdown } from "./shutdown.ts";

/** Printed after the address when a server listens on loopback, in the program's language. */
export const loopbackHint = (): string => text("loopbackHint");

/** What every server's flags say, whatever else they say. */
export interface ListenFlags {
  /** The address to listen on. */
  host: string;
  /** The port to listen on; 0 picks a free one. */
  port: number;
}

/** A server's command line and its parts, for {@linkcode runServerMain}. */
export interface ServerMain<O extends FlagOptions, F extends ListenFlags, L extends Bound> {
  /** The program's name, which starts every error line, such as `tcp_server`. */
  name: string;
  /** The text `--help` prints, worded once the language is known. */
  usage: string | (() => string);
  /** The arguments, usually `Deno.args`. */
  args: string[];
  /** The program's flags, as `parseArgs` takes them; `-h, --help` is added. */
  options: O;
  /**
   * Turns the parsed values into the program's flags.
   * @throws {UsageError | RangeError} When a value does not fit: exit code 2.
   */
  read: (values: FlagValues<O>) => F;
  /**
   * Checks and preparation before binding, such as a storage folder.
   * @throws {StartError} To stop with its message and exit code 1.
   */
  prepare?: (flags: F) => void | Promise<void>;
  /**
   * Bind, usually `Deno.listen`. Gets the shutdown signal for a server that needs it to start.
   * @throws {Error} Said in one line as "cannot listen on HOST:PORT: why", exit code 1.
   */
  listen: (flags: F, signal: AbortSignal) => L | Promise<L>;
  /** Words after the address in the bind error, such as `(udp)`. */
  listenWhat?: string;
  /** The loopback hint, if this server words it otherwise than {@linkcode loopbackHint}. */
  loopbackHint?: () => string;
  /** A line printed after the address and the hint, to say how this server serves (if any). */
  describe?: (flags: F, listener: L) => string | undefined;
  /**
   * Serves until the shutdown signal aborts, then returns; closes the listener.
   * @throws {Error} Said in one line as "server failed: why", exit code 1.
   */
  serve: (listener: L, flags: F, shutdown: Shutdown) => Promise<void>;
  /** Where the announcements go, usually `console.log`. */
  log: (line: string) => void;
  /** Where the one-line errors go, usually `console.error`. */
  error: (line: string) => void;
}

/** What a server binds: anything that can say its address. */
export interface Bound {
  readonly addr: Deno.Addr;
}

/** A server cannot start, for a reason its message says in one line (exit code 1). */
export class StartError extends Error {
  /** @param message Why, in one line, without the program's name. */
  constructor(message: string) {
    super(message);
    this.name = "StartError";
  }
}

/**
 * Run a server's command line from its arguments to its exit code.
 *
 * @remarks
 * The shutdown is made before the address is announced: a test (or a script) that sends a
 * signal as soon as the port is printed must get a clean shutdown, not a killed process.
 * Nothing here exits: the program passes the code to `Deno.exit`, which also ends a console
 * still waiting for a line that will never come.
 *
 * @param main The program's name, usage, flags, bind call, serve function and output sinks.
 * @returns The exit code: 0 after a clean stop or `--help`, 2 for a bad flag (said in one line
 *   with "see --help"), 1 when it cannot start or the server fails (said in one line).
 * @throws {Error} Only what `read` or `prepare` throw that is not theirs to throw: a bug.
 *
 * @example
 * ```ts ignore
 * Deno.exit(await runServerMain({
 *   name: "echo", usage: "Usage: echo [--port PORT]", args: Deno.args,
 *   options: { host: { type: "string", default: "127.0.0.1" }, port: { type: "string" } },
 *   read: (v) => ({ host: v.host, port: parsePort(v.port ?? "0") }),
 *   listen: ({ host, port }) => Deno.listen({ hostname: host, port }),
 *   serve: (listener, _flags, shutdown) => serveEcho(listener, shutdown.signal),
 *   log: console.log, error: console.error,
 * }));
 * ```
 */
export async function runServerMain<O extends FlagOptions, F extends ListenFlags, L extends Bound>(
  main: ServerMain<O, F, L>,
): Promise<number> {
  const { log } = main;
  const fail = (message: string) => {
    main.error(`${main.name}: ${message}`);
    return 1;
  };
  const parsed = parseProgramFlags({ ...main, read: main.read });
  if ("exitCode" in parsed) return parsed.exitCode;
  const flags = parsed.flags;
  try {
    await main.prepare?.(flags);
  } catch (err) {
    if (err instanceof StartError) return fail(err.message);
    throw err;
  }

  using shutdown = new Shutdown(log);
  let listener: L;
  try {
    listener = await main.listen(flags, shutdown.signal);
  } catch (err) {
    const where = formatHostPort({ hostname: flags.host, port: flags.port });
    const what = main.listenWhat ? ` ${main.listenWhat}` : "";
    return fail(errorMessage(err, text("cannotListen", { address: where }) + what));
  }
  log(text("listening", { address: formatHostPort(listener.addr as Deno.NetAddr) }));
  if (isLoopback(flags.host)) log((main.loopbackHint ?? loopbackHint)());
  const description = main.describe?.(flags, listener);
  if (description) log(description);

  try {
    await main.serve(listener, flags, shutdown);
  } catch (err) {
    return fail(errorMessage(err, text("serverFailed")));
  }
  log(text("serverStopped"));
  return 0;
}
