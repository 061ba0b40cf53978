/**
 * What the TLS tests share: the permissions TLS adds to the LP tasks, temporary folders for a
 * server's storage and a user's config folder, and the lines the programs print.
 *
 * @module
 */

import config from "../../deno.json" with { type: "json" };
import { listeningPort, Program } from "../_task.ts";

/**
 * FOR THE LEAD, TO REMOVE once deno.json grants them: what TLS needs beyond each task's flags.
 * The server reads `--cert`/`--key` wherever they are, keeps its certificate in its storage
 * folder and names this machine's addresses in it; the client reads `--ca` wherever it is and
 * keeps the known-servers file in the user's config folder, which depends on the environment.
 * Added here to the tasks as tests/_task.ts reads them (the same parsed deno.json), so that
 * `Program`, `runTask` and the terminal helper run the programs with them; a flag the task
 * already has is not added twice.
 */
export const TLS_TASK_FLAGS: Record<string, string[]> = {
  "lp-server": [
    "--allow-read",
    "--allow-write=storage/lp-server",
    "--allow-sys=networkInterfaces,hostname",
  ],
  "lp-client": [
    "--allow-read",
    "--allow-write",
    "--allow-env=HOME,XDG_CONFIG_HOME,APPDATA,USERPROFILE",
  ],
};

const tasks = config.tasks as Record<string, { command: string }>;
for (const [name, flags] of Object.entries(TLS_TASK_FLAGS)) {
  const words = tasks[name].command.split(/\s+/);
  const missing = flags.filter((f) => !words.includes(f));
  tasks[name].command = [...words.slice(0, 2), ...missing, ...words.slice(2)].join(" ");
}

/** A fingerprint as the programs print it. */
export const FINGERPRINT = /SHA256:[A-Za-z0-9+/]{43}/;

/** A temporary folder, removed when disposed. */
export async function tempFolder(prefix: string): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix });
  return {
    path,
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }),
  };
}

/**
 * Start `lp-server` in a folder (its storage folder lands there), and wait until it listens.
 *
 * @param cwd The folder.
 * @param args Its flags, such as `["--tls"]`; `--port 0` unless a port is given.
 * @returns The program, its port, and the fingerprint it printed (over TLS).
 */
export async function startServer(
  cwd: string,
  args: string[],
): Promise<{ server: Program; port: number; fingerprint?: string }> {
  const port = args.includes("--port") ? [] : ["--port", "0"];
  const server = new Program("lp-server", [...port, ...args], { cwd });
  try {
    const listening = await listeningPort(server);
    if (!args.includes("--tls") && !args.includes("--cert")) return { server, port: listening };
    const m = await server.waitFor(new RegExp(`fingerprint (${FINGERPRINT.source})`));
    return { server, port: listening, fingerprint: m[1] };
  } catch (err) {
    await server[Symbol.asyncDispose]();
    throw err;
  }
}

/**
 * Stop a server as Ctrl-C would, and wait for it to exit.
 *
 * @param server The server.
 * @returns Its exit code.
 */
export async function stopServer(server: Program): Promise<number> {
  server.kill("SIGINT");
  return await server.exit();
}

/** The lines of a program's stderr, without empty ones. */
export function errorLines(stderr: string): string[] {
  return stderr.split("\n").filter((line) => line !== "");
}
