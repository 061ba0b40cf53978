/**
 * How every server is told to stop: Ctrl-C, SIGTERM or a console's `quit` all abort one
 * AbortSignal, and disposing the {@linkcode Shutdown} removes the signal listeners so the
 * process can exit.
 *
 * @module
 */

import { interruptedAtTerminal } from "../cli/cli.ts";

/** The signals a server stops on: Ctrl-C everywhere, and SIGTERM where there is one. */
export const SHUTDOWN_SIGNALS: readonly Deno.Signal[] = Deno.build.os === "windows"
  ? ["SIGINT"]
  : ["SIGINT", "SIGTERM"];

/**
 * One server's shutdown: a signal that Ctrl-C, SIGTERM or {@linkcode Shutdown.stop} aborts.
 *
 * @remarks
 * Make it before the server announces its port: a test (or a script) that sends a signal as
 * soon as the port is printed must get a clean shutdown, not a killed process. Ctrl-C typed at
 * a terminal first ends the terminal's `^C` line, so the next log line starts on its own.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * using shutdown = new Shutdown();
 * shutdown.stop(); // what a console's "quit" does
 * equal(shutdown.signal.aborted, true);
 * ```
 */
export class Shutdown implements Disposable {
  readonly #controller = new AbortController();
  readonly #listeners: [Deno.Signal, () => void][];

  /**
   * Start listening for Ctrl-C and SIGTERM.
   *
   * @param log Where the program writes; given `""` to end a terminal's `^C` line.
   */
  constructor(log: (line: string) => void = () => {}) {
    this.#listeners = SHUTDOWN_SIGNALS.map((s) => [s, () => {
      if (interruptedAtTerminal(s)) log(""); // end the terminal's "^C" line
      this.stop();
    }]);
    for (const [s, listener] of this.#listeners) Deno.addSignalListener(s, listener);
  }

  /** Aborts when the server is to stop. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Stop the server, as a console's `quit` does. Stopping twice is stopping once. */
  stop(): void {
    this.#controller.abort();
  }

  /** Remove the signal listeners, so that they no longer keep the process alive. */
  [Symbol.dispose](): void {
    for (const [s, listener] of this.#listeners.splice(0)) Deno.removeSignalListener(s, listener);
  }
}
