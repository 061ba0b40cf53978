/**
 * Run a task's program on a pseudo-terminal, as a user at a keyboard would: `script` (util-linux)
 * gives it one, so Ctrl-C typed as `\x03` becomes a SIGINT echoed as `^C`, and `\x04` is
 * Ctrl-D at a readline prompt.
 *
 * @module
 */

import { ENGLISH, hasCommand, taskParts, WAIT_MS } from "./_task.ts";

/** Whether these tests can run: `script` from util-linux, on Linux. */
export const HAS_TERMINAL = Deno.build.os === "linux" && hasCommand("script");

/** A program on a terminal, and everything it wrote there, escape sequences and `\r` included. */
export class TerminalProgram implements AsyncDisposable {
  readonly #child: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #pump: Promise<void>;
  readonly #waiters = new Set<() => void>();
  #output = "";
  #done = false;

  /**
   * Start a task's program with extra arguments, on its own terminal.
   *
   * @param task The task name.
   * @param args Arguments after the script.
   * @param options Extra environment, such as `LANG` for a test in Chinese.
   */
  constructor(task: string, args: string[] = [], options: { env?: Record<string, string> } = {}) {
    const { flags, script } = taskParts(task);
    // script runs the line with $SHELL; none of our paths or arguments need quoting. `exec`
    // makes the program the terminal's foreground process: a shell left waiting (dash does not
    // exec a lone command) would itself die of the Ctrl-C and report 130 for the program.
    const command = ["exec", Deno.execPath(), "run", ...flags, script, ...args].join(" ");
    const child = new Deno.Command("script", {
      args: ["-qfec", command, "/dev/null"],
      env: { ...ENGLISH, NO_COLOR: "1", SHELL: "/bin/sh", ...options.env },
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    this.#child = child;
    this.#stdin = child.stdin.getWriter();
    this.#pump = (async () => {
      for await (const text of child.stdout.pipeThrough(new TextDecoderStream())) {
        this.#output += text;
        for (const w of this.#waiters) w();
      }
      this.#done = true;
      for (const w of this.#waiters) w();
    })();
  }

  /** Everything written to the terminal so far. */
  get output(): string {
    return this.#output;
  }

  /**
   * Wait until the output matches.
   *
   * @param pattern What to look for, anywhere in the output.
   * @returns The match.
   * @throws {Error} When the program ends, or `WAIT_MS` passes, without a match.
   */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const finish = (err?: Error, m?: RegExpMatchArray) => {
        clearTimeout(timer);
        this.#waiters.delete(poll);
        if (err) reject(new Error(`${err.message}; output: ${JSON.stringify(this.#output)}`));
        else resolve(m!);
      };
      const timer = setTimeout(
        () => finish(new Error(`Timed out waiting for ${pattern}`)),
        WAIT_MS,
      );
      const poll = () => {
        const m = this.#output.match(pattern);
        if (m) finish(undefined, m);
        else if (this.#done) finish(new Error(`Program ended before ${pattern}`));
      };
      this.#waiters.add(poll);
      poll();
    });
  }

  /**
   * Type at the keyboard.
   *
   * @param keys What to type, such as `"\x03"` for Ctrl-C.
   */
  async type(keys: string): Promise<void> {
    await this.#stdin.write(new TextEncoder().encode(keys));
  }

  /**
   * Wait for the program to exit.
   *
   * @returns Its exit code.
   */
  async exit(): Promise<number> {
    const status = await this.#child.status;
    await this.#pump;
    await this.#stdin.close().catch(() => {});
    return status.code;
  }

  /** Kill the program if still running and release its pipes. */
  async [Symbol.asyncDispose](): Promise<void> {
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
    await this.exit();
  }
}
