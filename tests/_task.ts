/**
 * Run a program exactly as its `deno task` does: the same permission flags, read from
 * deno.json by lib/cli/task_command.ts, so a test fails when a task grants too little.
 *
 * @module
 */

import { equal, match, notEqual, ok } from "node:assert/strict";
import { ROOT, taskParts } from "../lib/cli/task_command.ts";

export { ROOT, taskParts };

/**
 * Longest a test waits for a program's output. Generous, because CI machines are slow; it is a
 * failsafe that ends a hung test, never a way to let time pass.
 */
export const WAIT_MS = 20_000;
/** How long {@linkcode Program.exit} waits before it kills the program and fails. */
export const EXIT_MS = 120_000;

/**
 * The locale every program under test starts in unless a test says otherwise: English, whatever
 * the machine running the tests is set to. A test of the Chinese texts passes `LANG` or `--lang`.
 */
export const ENGLISH: Record<string, string> = { LC_ALL: "", LC_MESSAGES: "", LANG: "C.UTF-8" };

/** Options for starting a program. */
export interface StartOptions {
  /** Working directory; a test's temporary folder, so relative storage paths land there. */
  cwd?: string;
  /**
   * Extra environment. `NO_COLOR=1` is always set, so output is plain text, and `INIT_CWD` is
   * the working directory, as `deno task` sets it for a user who runs the task from there.
   */
  env?: Record<string, string>;
  /** Whether the test will type into the program. */
  stdin?: "piped" | "null";
}

/**
 * A running program whose output a test reads line by line.
 */
export class Program implements AsyncDisposable {
  readonly child: Deno.ChildProcess;
  /** Every stdout line so far. */
  readonly lines: string[] = [];
  /** Every stderr line so far. */
  readonly errors: string[] = [];
  readonly #waiters = new Set<() => void>();
  readonly #pumps: Promise<void>;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array> | null;
  #stdinClosed = false;
  #done = false;

  /**
   * Start a task's program with extra arguments.
   *
   * @param task The task name.
   * @param args Arguments after the script.
   * @param options Where and how to run it.
   */
  constructor(task: string, args: string[] = [], options: StartOptions = {}) {
    const { flags, script } = taskParts(task);
    this.child = new Deno.Command(Deno.execPath(), {
      args: ["run", ...flags, script, ...args],
      cwd: options.cwd ?? ROOT,
      env: { ...ENGLISH, NO_COLOR: "1", INIT_CWD: options.cwd ?? ROOT, ...options.env },
      stdin: options.stdin ?? "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#stdin = options.stdin === "piped" ? this.child.stdin.getWriter() : null;
    this.#pumps = Promise.all([
      this.#pump(this.child.stdout, this.lines),
      this.#pump(this.child.stderr, this.errors),
    ]).then(() => {
      this.#done = true;
      this.#wake();
    });
  }

  async #pump(stream: ReadableStream<Uint8Array>, into: string[]): Promise<void> {
    const text = stream.pipeThrough(new TextDecoderStream() as TransformStream<Uint8Array, string>);
    let partial = "";
    for await (const piece of text) {
      const parts = (partial + piece).split("\n");
      partial = parts.pop()!;
      into.push(...parts);
      this.#wake();
    }
    if (partial) into.push(partial);
  }

  #wake(): void {
    for (const w of this.#waiters) w();
  }

  /**
   * Wait until a stdout line matches, and return the match.
   *
   * @param pattern What to look for.
   * @param from Only look at lines from this index on.
   * @returns The match of the first matching line.
   * @throws {Error} When the program ends, or {@linkcode WAIT_MS} passes, without a match.
   */
  waitFor(pattern: RegExp, from = 0): Promise<RegExpMatchArray> {
    return this.#waitForIn(this.lines, pattern, from, "a line");
  }

  /**
   * Wait until a stderr line matches, and return the match.
   *
   * @param pattern What to look for.
   * @returns The match of the first matching line.
   */
  waitForStderr(pattern: RegExp): Promise<RegExpMatchArray> {
    return this.#waitForIn(this.errors, pattern, 0, "a stderr line");
  }

  #waitForIn(
    lines: string[],
    pattern: RegExp,
    from: number,
    what: string,
  ): Promise<RegExpMatchArray> {
    return this.#waitUntil(() => {
      for (let i = from; i < lines.length; i++) {
        const m = lines[i].match(pattern);
        if (m) return m;
      }
      return undefined;
    }, `${what} matching ${pattern}`);
  }

  /**
   * Wait until at least `count` stdout lines match.
   *
   * @param pattern What to count.
   * @param count How many are needed.
   * @returns The matching lines.
   */
  waitForCount(pattern: RegExp, count: number): Promise<string[]> {
    return this.#waitUntil(() => {
      const hits = this.lines.filter((l) => pattern.test(l));
      return hits.length >= count ? hits : undefined;
    }, `${count} lines matching ${pattern}`);
  }

  #waitUntil<T>(check: () => T | undefined, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`Timed out waiting for ${what}`)), WAIT_MS);
      const finish = (err?: Error, value?: T) => {
        clearTimeout(timer);
        this.#waiters.delete(poll);
        if (err) {
          reject(
            new Error(
              `${err.message}\n--- stdout:\n${this.lines.join("\n")}\n--- stderr:\n${
                this.errors.join("\n")
              }`,
            ),
          );
        } else resolve(value as T);
      };
      const poll = () => {
        const value = check();
        if (value !== undefined) finish(undefined, value);
        else if (this.#done) finish(new Error(`Program ended before ${what}`));
      };
      this.#waiters.add(poll);
      poll();
    });
  }

  /**
   * Type text into the program.
   *
   * @param text What to type; include `\n` to end a line.
   */
  async type(text: string): Promise<void> {
    if (!this.#stdin) throw new Error('Program was started without stdin: "piped"');
    await this.#stdin.write(new TextEncoder().encode(text));
  }

  /** Close the program's stdin: end of input, as Ctrl-D on a terminal. */
  async endInput(): Promise<void> {
    if (this.#stdin && !this.#stdinClosed) {
      this.#stdinClosed = true;
      await this.#stdin.close().catch(() => {});
    }
  }

  /**
   * Wait for the program to exit. A program that has not exited after `ms` is killed and the
   * wait fails with its output, so a hung program fails its test instead of hanging the run.
   *
   * @param ms How long to wait; {@linkcode EXIT_MS} unless told.
   * @returns Its exit code.
   * @throws {Error} When the program had to be killed.
   */
  async exit(ms = EXIT_MS): Promise<number> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((resolve) => timer = setTimeout(() => resolve("late"), ms));
    const status = await Promise.race([this.child.status, late]).finally(() => clearTimeout(timer));
    if (status === "late") {
      this.kill("SIGKILL");
      await this.child.status;
      await this.#pumps;
      await this.endInput();
      throw new Error(
        `Program still running after ${ms} ms; killed\n--- stdout:\n${this.lines.join("\n")}` +
          `\n--- stderr:\n${this.errors.join("\n")}`,
      );
    }
    await this.#pumps;
    await this.endInput();
    return status.code;
  }

  /**
   * Send a signal, as Ctrl-C (`SIGINT`) would.
   *
   * @param signal The signal.
   */
  kill(signal: Deno.Signal = "SIGTERM"): void {
    try {
      this.child.kill(signal);
    } catch {
      // Already exited.
    }
  }

  /** Kill the program if still running and release its pipes. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.kill("SIGKILL");
    await this.exit();
  }
}

/**
 * Run a task's program to the end.
 *
 * @param task The task name.
 * @param args Arguments after the script.
 * @param options Where to run it, and text to feed on stdin.
 * @returns The exit code and the output.
 */
export async function runTask(
  task: string,
  args: string[] = [],
  options: StartOptions & { input?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  await using p = new Program(task, args, {
    ...options,
    stdin: options.input === undefined ? "null" : "piped",
  });
  if (options.input !== undefined) {
    await p.type(options.input);
    await p.endInput();
  }
  const code = await p.exit();
  return { code, stdout: p.lines.join("\n"), stderr: p.errors.join("\n") };
}

/**
 * Find a program on PATH, for tests that need `nc`, `socat` or `tshark`.
 *
 * @param name The program.
 * @returns Whether it is installed.
 */
export function hasCommand(name: string): boolean {
  try {
    const { success } = new Deno.Command("sh", {
      args: ["-c", `command -v ${name}`],
      stdout: "null",
      stderr: "null",
    }).outputSync();
    return success;
  } catch {
    return false;
  }
}

/**
 * Wait for a line from a server program that says where it listens.
 *
 * @param p The server.
 * @returns The port it listens on.
 */
export async function listeningPort(p: Program): Promise<number> {
  // Either language: a test may start the server in Chinese.
  const m = await p.waitFor(/(?:[Ll]istening on|正在监听) .*:(\d+)/);
  return Number(m[1]);
}

/**
 * Run a task that must fail, and check it failed the way a user should see it: a non-zero exit
 * and exactly one line on stderr, with no stack trace.
 *
 * @param task The task name.
 * @param args Arguments after the script.
 * @param expected What the one line must match.
 * @param exitCode The exit code it must end with, such as 2 for a usage error; any non-zero
 *   code when not given.
 */
export async function expectOneLineError(
  task: string,
  args: string[],
  expected: RegExp,
  exitCode?: number,
): Promise<void> {
  const { code, stdout, stderr } = await runTask(task, args);
  if (exitCode === undefined) notEqual(code, 0, `exit code\n${stdout}`);
  else equal(code, exitCode, `exit code\n${stdout}\n${stderr}`);
  const lines = stderr.split("\n").filter((l) => l !== "");
  equal(lines.length, 1, `expected one line on stderr, got:\n${stderr}`);
  ok(!/^\s+at /m.test(stderr), `stack trace on stderr:\n${stderr}`);
  match(lines[0], expected);
}
