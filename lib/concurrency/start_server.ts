/**
 * Start a concurrency model's server as its own process, exactly as its `deno task` does (or
 * from its compiled binary), find its port, and stop it as Ctrl-C would.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { ROOT, taskParts } from "../cli/task_command.ts";
import type { Work } from "../net/line_server.ts";
import { cliText } from "../cli/text.ts";
import { concurrencyText as text } from "./text.ts";

/** A concurrency model: which task starts it (every model takes `--work-ms` and `--work`). */
export interface Model {
  name: string;
  /** The deno.json task, which gives its flags; also the name of its compiled binary in dist/. */
  task: string;
  /**
   * What its clients' handlers share and how it is kept safe, for the note under the table; in
   * the user's language.
   */
  shares?: () => string;
}

/** How long a server may take to print its port: deno starts in well under a second. */
export const STARTUP_MS = 15_000;

/** How long a server may take to exit after Ctrl-C before it is killed (and reported). */
export const STOP_MS = 5000;

/** The line a server starts with, in either language, with the port at its end. */
const LISTENING = new RegExp(`^${cliText.pattern("listening").source}$`, "m");

/** A task's flags and script, as `deno run` takes them. */
function taskCommandParts(task: string): string[] {
  const { flags, script } = taskParts(task);
  return [...flags, script];
}

/** A server process started for one run. */
export interface RunningServer {
  port: number;
  pid: number;
  /** Ctrl-C, wait (then kill, after a deadline); resolves to a note when it misbehaved. */
  stop(): Promise<string>;
}

/**
 * Start a model's server on an ephemeral port, as its task does (or its compiled binary, when
 * this program is compiled), and wait for it to say where it listens.
 *
 * @param model The model.
 * @param work Simulated work to pass on, if any.
 * @returns The running server.
 * @throws {Error} When it cannot start or exits before printing its port.
 */
export async function startServer(model: Model, work?: Work): Promise<RunningServer> {
  const serverArgs = ["--port", "0"];
  if (work) serverArgs.push("--work-ms", String(work.ms), "--work", work.kind);
  const [command, args] = Deno.build.standalone
    ? [join(dirname(Deno.execPath()), model.task), serverArgs]
    : [Deno.execPath(), ["run", ...taskCommandParts(model.task), ...serverArgs]];
  const child = new Deno.Command(command, {
    args,
    cwd: ROOT, // the workers' --allow-read=programs,lib is relative to the repository
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();

  // Read stdout until the port line, then keep draining it: a server blocked on a full pipe
  // would look like a slow server. The server speaks our language (it inherits LANG), so its
  // port line is found in either.
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).values();
  const found = Promise.withResolvers<number>();
  const drained = (async () => {
    let partial = "";
    for await (const piece of lines) {
      partial += piece;
      const m = partial.match(LISTENING);
      if (m) found.resolve(Number(m.groups!.address.replace(/.*:/, "")));
      if (partial.length > 4096 || m) partial = partial.slice(partial.lastIndexOf("\n") + 1);
    }
    const why = (await stderr).trim() || text("noMessage");
    found.reject(new Error(text("exitedEarly", { why })));
  })();

  const startup = setTimeout(() => child.kill("SIGKILL"), STARTUP_MS);
  let port: number;
  try {
    port = await found.promise;
  } catch (err) {
    await Promise.all([child.status, drained]);
    throw err;
  } finally {
    clearTimeout(startup);
  }

  return {
    port,
    pid: child.pid,
    async stop() {
      child.kill("SIGINT");
      const killer = setTimeout(() => child.kill("SIGKILL"), STOP_MS);
      const status = await child.status;
      clearTimeout(killer);
      await Promise.all([drained, stderr]);
      if (status.signal === "SIGKILL") return text("noteKilled");
      return status.code === 0 ? "" : text("noteExited", { code: status.code });
    },
  };
}

/**
 * The peak resident memory of a process, from VmHWM in /proc/PID/status.
 *
 * @param pid The process.
 * @returns MiB, or null where there is no /proc (not Linux) or it cannot be read.
 */
export async function peakMemoryMiB(pid: number): Promise<number | null> {
  if (Deno.build.os !== "linux") return null;
  try {
    // Through `cat`: Deno guards /proc/PID/* with --allow-all, and --allow-run already allows it.
    const { success, stdout } = await new Deno.Command("cat", {
      args: [`/proc/${pid}/status`],
      stderr: "null",
    }).output();
    const kib = new TextDecoder().decode(stdout).match(/^VmHWM:\s+(\d+) kB$/m)?.[1];
    return success && kib ? Number(kib) / 1024 : null;
  } catch {
    return null;
  }
}
