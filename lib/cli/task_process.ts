/**
 * A lab program running as a child process, started exactly as its `deno task` starts it, with
 * its output read line by line: how the demos drive the real servers and clients with scripts
 * instead of keyboards.
 *
 * @module
 */

import { lang } from "./i18n.ts";
import { taskParts } from "./task_command.ts";

/** How to start a {@linkcode TaskProcess}. */
export interface TaskProcessOptions {
  /** Arguments after the script, such as `["--port", "0"]`. */
  args?: string[];
  /** Working folder, where the program's relative storage paths land (default: this one). */
  cwd?: string;
  /**
   * Extra environment for the child, such as `INIT_CWD`. The child speaks this program's
   * language (`LC_ALL` is set to say it) unless this says otherwise.
   */
  env?: Record<string, string>;
  /** Called with each line the program prints on stdout, as it arrives. */
  onLine?: (line: string) => void;
  /** Called with each line the program prints on stderr, as it arrives. */
  onErrorLine?: (line: string) => void;
  /**
   * Longest {@linkcode TaskProcess.waitFor} waits: a failsafe against a hang, never a way to
   * let time pass (default 10 s).
   */
  waitMs?: number;
}

/**
 * One task's program as a child process: type lines into its stdin, wait for the lines it
 * prints, stop it, read its exit code.
 *
 * @remarks
 * The child is `deno` found on PATH, so a task that spawns it needs `--allow-run=deno`: the
 * permission names the command as it is run, and `Deno.execPath()` resolves links and would
 * not match it.
 *
 * @example
 * ```ts ignore
 * await using server = new TaskProcess("tcp-server", { args: ["--port", "0"] });
 * const [, port] = (await server.waitFor(/Listening on .*:(\d+)/)).match(/:(\d+)/)!;
 * ```
 */
export class TaskProcess implements AsyncDisposable {
  /** Every stdout line so far. */
  readonly lines: string[] = [];
  /** Every stderr line so far. */
  readonly errors: string[] = [];
  readonly #child: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #waiters = new Set<() => void>();
  readonly #pumps: Promise<void>;
  readonly #waitMs: number;
  readonly #task: string;
  #ended = false;

  /**
   * Start a task's program.
   *
   * @param task The task name in deno.json, such as `chat-server`.
   * @param options Arguments, working folder, environment and where output lines go.
   * @throws {Error} When there is no such task, or `deno` cannot be run.
   */
  constructor(task: string, options: TaskProcessOptions = {}) {
    const { flags, script } = taskParts(task);
    this.#task = task;
    this.#waitMs = options.waitMs ?? 10_000;
    this.#child = new Deno.Command("deno", {
      args: ["run", ...flags, script, ...options.args ?? []],
      cwd: options.cwd,
      env: { LC_ALL: lang() === "zh" ? "zh_CN.UTF-8" : "C.UTF-8", ...options.env },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#stdin = this.#child.stdin.getWriter();
    this.#pumps = Promise.all([
      this.#pump(this.#child.stdout, this.lines, options.onLine),
      this.#pump(this.#child.stderr, this.errors, options.onErrorLine),
    ]).then(() => {
      this.#ended = true;
      this.#wake();
    });
  }

  async #pump(
    stream: ReadableStream<Uint8Array>,
    into: string[],
    each: ((line: string) => void) | undefined,
  ): Promise<void> {
    let partial = "";
    const add = (line: string) => {
      into.push(line);
      each?.(line);
      this.#wake();
    };
    for await (
      const piece of stream.pipeThrough(
        new TextDecoderStream() as TransformStream<Uint8Array, string>,
      )
    ) {
      const parts = (partial + piece).split("\n");
      partial = parts.pop()!;
      for (const line of parts) add(line);
    }
    if (partial) add(partial);
  }

  #wake(): void {
    for (const waiter of this.#waiters) waiter();
  }

  /**
   * Type a line into the program, as a user would at its prompt.
   *
   * @param line The line, without its newline.
   */
  async type(line: string): Promise<void> {
    await this.#stdin.write(new TextEncoder().encode(`${line}\n`));
  }

  /**
   * Wait for a stdout line that matches.
   *
   * @param pattern What to look for.
   * @param from Only look at lines from this index on (`lines.length` before an action, to
   *   wait for its effect).
   * @returns The first matching line.
   * @throws {Error} When the program ends, or the wait passes, without such a line.
   */
  waitFor(pattern: RegExp, from = 0): Promise<string> {
    return new Promise((resolve, reject) => {
      const finish = (line?: string) => {
        clearTimeout(timer);
        this.#waiters.delete(poll);
        if (line !== undefined) resolve(line);
        else reject(new Error(`${this.#task} never printed a line matching ${pattern}`));
      };
      const timer = setTimeout(() => finish(), this.#waitMs);
      const poll = () => {
        const line = this.lines.slice(from).find((l) => pattern.test(l));
        if (line !== undefined || this.#ended) finish(line);
      };
      this.#waiters.add(poll);
      poll();
    });
  }

  /** Close the program's stdin: end of input, as Ctrl-D on a terminal. */
  async endInput(): Promise<void> {
    await this.#stdin.close().catch(() => {});
  }

  /**
   * Send a signal, as Ctrl-C (`SIGINT`) would.
   *
   * @param signal The signal.
   */
  kill(signal: Deno.Signal = "SIGTERM"): void {
    try {
      this.#child.kill(signal);
    } catch {
      // Already exited.
    }
  }

  /**
   * Wait for the program to exit and its output to be read.
   *
   * @returns Its exit code.
   */
  async exit(): Promise<number> {
    const { code } = await this.#child.status;
    await this.#pumps;
    await this.endInput();
    return code;
  }

  /** Kill the program if it is still running, and release its pipes. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.kill("SIGKILL");
    await this.exit();
  }
}
