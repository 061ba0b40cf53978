/**
 * The benchmark's child processes: start a program exactly as its `deno task` does, wait for a
 * line it prints, stop it, read its memory; and a scope that ends every child and removes the
 * temporary folder however the benchmark ends, Ctrl-C included.
 *
 * @module
 */

import { dirname, join } from "node:path";
// Imported, not read: the task flags come with the module, so no read permission is needed.
import { ROOT, taskParts } from "../cli/task_command.ts";
import { cliText } from "../cli/text.ts";
import { toolsText as text, WordedError, words } from "./text.ts";

export { ROOT, taskParts };

/** How long a program may take to say it is ready: deno starts in well under a second. */
export const STARTUP_MS = 15_000;

/** How long a program may take to exit after Ctrl-C before it is killed. */
const STOP_MS = 5_000;

/**
 * What every program the benchmark starts is told: speak English. The benchmark only reads
 * their lines (by their English wording, as it waits for "Uploaded ... as ..."); it never shows
 * them, so the reader's language does not matter to them.
 */
export const CHILD_LANG = ["--lang", "en"];

/**
 * The command that runs a task's program: `deno run` with the task's flags, read from
 * deno.json; or, when the benchmark is compiled, the program's compiled binary next to it.
 * The program is told to speak English ({@linkcode CHILD_LANG}).
 *
 * @param task The task name, such as `chat-server`.
 * @param args Arguments for the program.
 * @returns The executable and its arguments.
 * @throws {Error} When there is no such task, or it is not a plain `deno run`.
 */
export function taskCommand(task: string, args: string[] = []): [string, string[]] {
  if (Deno.build.standalone) {
    return [join(dirname(Deno.execPath()), task), [...args, ...CHILD_LANG]];
  }
  const { flags, script } = taskParts(task);
  return [Deno.execPath(), ["run", ...flags, script, ...args, ...CHILD_LANG]];
}

/** How to start a child. */
export interface SpawnOptions {
  /** Working folder (default the repository root). */
  cwd?: string;
  /** Whether the benchmark types into it. */
  stdin?: "piped" | "null";
}

/**
 * A running program whose output is kept line by line, so the benchmark can wait for a line.
 */
export class Child {
  readonly process: Deno.ChildProcess;
  readonly name: string;
  /** Every stdout line so far. */
  readonly lines: string[] = [];
  /** Every stderr line so far. */
  readonly errors: string[] = [];
  readonly #waiters = new Set<() => void>();
  readonly #pumps: Promise<void>;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array> | null;
  #exited = false;

  /**
   * @param name How to name it in messages.
   * @param command The executable.
   * @param args Its arguments.
   * @param options Working folder and stdin.
   */
  constructor(name: string, command: string, args: string[], options: SpawnOptions = {}) {
    this.name = name;
    this.process = new Deno.Command(command, {
      args,
      cwd: options.cwd ?? ROOT,
      env: { NO_COLOR: "1" },
      stdin: options.stdin ?? "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#stdin = options.stdin === "piped" ? this.process.stdin.getWriter() : null;
    this.#pumps = Promise.all([
      this.#pump(this.process.stdout, this.lines),
      this.#pump(this.process.stderr, this.errors),
    ]).then(() => {
      this.#exited = true;
      this.#wake();
    });
  }

  /** The process id. */
  get pid(): number {
    return this.process.pid;
  }

  async #pump(stream: ReadableStream<Uint8Array>, into: string[]): Promise<void> {
    let partial = "";
    for await (
      const piece of stream.pipeThrough(
        new TextDecoderStream() as TransformStream<Uint8Array, string>,
      )
    ) {
      const parts = (partial + piece).split("\n");
      partial = parts.pop()!;
      // A chatty program must not grow our memory without end: keep the recent lines.
      into.push(...parts);
      if (into.length > 10_000) into.splice(0, into.length - 5_000);
      this.#wake();
    }
    if (partial) into.push(partial);
  }

  #wake(): void {
    for (const w of this.#waiters) w();
  }

  /**
   * Wait for a stdout line that matches.
   *
   * @param pattern What to look for.
   * @param timeoutMs Longest wait.
   * @param from Only lines from this index on.
   * @returns The match.
   * @throws {Error} When the program exits first or the time runs out; says what it printed.
   */
  waitFor(pattern: RegExp, timeoutMs: number, from = 0): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const finish = (err: Error | null, m?: RegExpMatchArray) => {
        clearTimeout(timer);
        this.#waiters.delete(poll);
        if (err) reject(err);
        else resolve(m!);
      };
      const timer = setTimeout(
        () =>
          finish(
            new WordedError(
              words("noLineWithin", { name: this.name, pattern: String(pattern), ms: timeoutMs }),
            ),
          ),
        timeoutMs,
      );
      const poll = () => {
        for (let i = from; i < this.lines.length; i++) {
          const m = this.lines[i].match(pattern);
          if (m) return finish(null, m);
        }
        if (this.#exited) {
          const said = this.errors.slice(-3).join(" | ") || this.lines.slice(-3).join(" | ");
          const where = { name: this.name, pattern: String(pattern), said };
          finish(new WordedError(words("exitedBefore", where)));
        }
      };
      this.#waiters.add(poll);
      poll();
    });
  }

  /**
   * Type text into the program.
   *
   * @param text What to type, with its newline.
   */
  async type(text: string): Promise<void> {
    if (!this.#stdin) throw new Error(`${this.name} was started without stdin`);
    await this.#stdin.write(new TextEncoder().encode(text));
  }

  /**
   * Stop it: Ctrl-C (SIGINT), then SIGKILL if it is still running after a grace period.
   *
   * @param signal The first signal to send.
   * @returns Its exit status.
   */
  stop(signal: Deno.Signal = "SIGINT"): Promise<Deno.CommandStatus> {
    this.#kill(signal);
    return this.exit(STOP_MS);
  }

  /**
   * Wait for it to exit by itself.
   *
   * @param timeoutMs Longest wait before it is killed.
   * @returns Its exit status.
   */
  async exit(timeoutMs: number): Promise<Deno.CommandStatus> {
    const killer = setTimeout(() => this.#kill("SIGKILL"), timeoutMs);
    try {
      const status = await this.process.status;
      await this.#pumps;
      if (this.#stdin) await this.#stdin.close().catch(() => {});
      return status;
    } finally {
      clearTimeout(killer);
    }
  }

  #kill(signal: Deno.Signal): void {
    try {
      this.process.kill(signal);
    } catch {
      // Already exited.
    }
  }
}

/**
 * Everything the benchmark must undo: its children and its temporary folder. Disposing it
 * kills what still runs and removes the folder; Ctrl-C and SIGTERM dispose it too.
 */
export class Scope implements AsyncDisposable {
  readonly #children = new Set<Child>();
  readonly #folders: string[] = [];
  readonly #onSignal: () => void;
  readonly #signals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT"]
    : ["SIGINT", "SIGTERM"];
  #disposed = false;

  /** @param onInterrupt Called after cleaning up on Ctrl-C; usually exits the process. */
  constructor(onInterrupt: () => void) {
    this.#onSignal = () => {
      this[Symbol.asyncDispose]().finally(onInterrupt);
    };
    for (const s of this.#signals) Deno.addSignalListener(s, this.#onSignal);
  }

  /**
   * Start a child that this scope will stop.
   *
   * @param name How to name it.
   * @param command The executable.
   * @param args Its arguments.
   * @param options Working folder and stdin.
   * @returns The child.
   */
  spawn(name: string, command: string, args: string[], options: SpawnOptions = {}): Child {
    if (this.#disposed) throw new Error(text("benchStopping"));
    const child = new Child(name, command, args, options);
    this.#children.add(child);
    child.process.status.finally(() => this.#children.delete(child));
    return child;
  }

  /**
   * Remember a folder to remove at the end.
   *
   * @param path The folder.
   */
  removeLater(path: string): void {
    this.#folders.push(path);
  }

  /** Kill every child still running, remove the folders, stop listening for Ctrl-C. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const s of this.#signals) Deno.removeSignalListener(s, this.#onSignal);
    await Promise.all([...this.#children].map((c) => c.stop("SIGKILL")));
    for (const folder of this.#folders.reverse()) {
      await Deno.remove(folder, { recursive: true }).catch(() => {});
    }
  }
}

/** "Listening on 127.0.0.1:PORT", as every server says it, in either language. */
const LISTENING = cliText.pattern("listening");

/**
 * Wait for a server program to say where it listens, in whichever language it speaks.
 *
 * @param child The server.
 * @returns Its port.
 */
export async function listeningPort(child: Child): Promise<number> {
  const m = await child.waitFor(LISTENING, STARTUP_MS);
  return Number(/:(\d+)$/.exec(m.groups!.address)![1]);
}

/**
 * A port nobody listens on right now, for tools that cannot pick their own (nc, socat).
 *
 * @returns The port.
 */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/**
 * Whether a program is on PATH.
 *
 * @param name The program.
 * @returns Whether it can be run.
 */
export async function hasCommand(name: string): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("sh", {
      args: ["-c", 'command -v "$1"', "sh", name],
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false;
  }
}

/**
 * A process's resident memory.
 *
 * @remarks
 * Read by running `cat /proc/PID/status` (or `ps` where there is no /proc): Deno guards
 * /proc/PID with --allow-all, and the benchmark already has --allow-run.
 *
 * @param pid The process.
 * @returns Kibibytes, or null when it cannot be read.
 */
export async function residentKiB(pid: number): Promise<number | null> {
  try {
    if (Deno.build.os === "linux") {
      const { success, stdout } = await new Deno.Command("cat", {
        args: [`/proc/${pid}/status`],
        stderr: "null",
      }).output();
      const kib = new TextDecoder().decode(stdout).match(/^VmRSS:\s+(\d+) kB$/m)?.[1];
      if (success && kib) return Number(kib);
    }
    const { success, stdout } = await new Deno.Command("ps", {
      args: ["-o", "rss=", "-p", String(pid)],
      stderr: "null",
    }).output();
    const kib = Number(new TextDecoder().decode(stdout).trim());
    return success && kib > 0 ? kib : null;
  } catch {
    return null;
  }
}

/** What `taskset -p` says of a process: `pid 42's current affinity list: 0,1`. */
const AFFINITY = /affinity list: (\S+)$/m;

async function taskset(args: string[]): Promise<string | null> {
  try {
    const { success, stdout } = await new Deno.Command("taskset", {
      args,
      env: { LC_ALL: "C" }, // its messages untranslated, for AFFINITY to read
      stderr: "null",
    }).output();
    return success ? new TextDecoder().decode(stdout) : null;
  } catch {
    return null; // no taskset
  }
}

/**
 * Run a measurement with some processes, every thread of each, on one CPU (the first this
 * process may use), then give each back the CPUs it had. Between two processes on two CPUs, a
 * round trip pays for waking the other CPU, which on a virtual machine costs tens of
 * microseconds and changes from run to run by more than a small program's own work; on one
 * CPU what is left is the programs' work and the kernel's (docs/PERFORMANCE.md).
 *
 * @param pids The processes, such as a server and this one (`Deno.pid`).
 * @param measure The measurement.
 * @returns Its result, or `null` when the processes could not be pinned (no `taskset`, or
 *   not Linux); nothing is measured then.
 * @throws {Error} When a process could not be given back its CPUs: what the benchmark measures
 *   next would be skewed.
 */
export async function onOneCpu<T>(pids: number[], measure: () => Promise<T>): Promise<T | null> {
  const had: [number, string][] = [];
  let result: T | null;
  try {
    result = await pinned(pids, had, measure);
  } catch (err) {
    await giveBack(had);
    throw err;
  }
  await giveBack(had);
  return result;
}

/** Pin `pids` to one CPU, noting in `had` what each had, then measure; null if they cannot be. */
async function pinned<T>(
  pids: number[],
  had: [number, string][],
  measure: () => Promise<T>,
): Promise<T | null> {
  for (const pid of pids) {
    const list = AFFINITY.exec(await taskset(["-p", "-c", String(pid)]) ?? "")?.[1];
    if (list === undefined) return null;
    had.push([pid, list]);
  }
  const cpu = /^\d+/.exec(had[0][1])![0];
  for (const pid of pids) {
    if (await taskset(["-a", "-p", "-c", cpu, String(pid)]) === null) return null;
  }
  return await measure();
}

/** Give each process back the CPUs it had (every thread those of its main thread). */
async function giveBack(had: [number, string][]): Promise<void> {
  for (const [pid, list] of had) {
    if (await taskset(["-a", "-p", "-c", list, String(pid)]) !== null) continue;
    const exited = pid !== Deno.pid && await taskset(["-p", String(pid)]) === null;
    if (!exited) throw new WordedError(words("cannotUnpin", { pid, cpus: list }));
  }
}

/**
 * Wait, for a benchmark's settling pause (never used in tests to let time pass).
 *
 * @param ms How long.
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
