/**
 * What the TLS tests share: temporary folders for a server's storage and a user's config folder,
 * the lines the programs print, and the refusal of a changed certificate.
 *
 * @module
 */

import { deepStrictEqual, equal, match } from "node:assert/strict";
import { listeningPort, Program } from "../_task.ts";

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

/** What a client run printed, as `runTask` returns it. */
type Run = { code: number; stdout: string; stderr: string };

/**
 * The server's certificate has changed since the user trusted it: the client refuses, with
 * `--tls` and with `--trust` alike, and says which line to remove; once the user removes it,
 * `--trust` trusts the new certificate.
 *
 * @param program The client's name, as its error lines start.
 * @param port The server's port on 127.0.0.1.
 * @param file The known-servers file, whose line 3 holds the old certificate.
 * @param fingerprints The certificate trusted before, and the server's new one.
 * @param client Run the client with these extra flags.
 */
export async function refusedUntilRemoved(
  program: string,
  port: number,
  file: string,
  fingerprints: { then: string; now: string },
  client: (flags: string[]) => Promise<Run>,
): Promise<void> {
  for (const flag of ["--tls", "--trust"]) {
    const refused = await client([flag]);
    equal(refused.code, 1);
    deepStrictEqual(errorLines(refused.stderr), [
      `${program}: cannot connect to 127.0.0.1:${port}: REFUSED: its certificate has changed ` +
      `since you trusted it (now ${fingerprints.now}, then ${fingerprints.then}). Someone may ` +
      "be intercepting the connection. If you know the server has a new certificate, remove " +
      `line 3 of ${file} and connect again`,
    ]);
  }
  const lines = (await Deno.readTextFile(file)).split("\n");
  await Deno.writeTextFile(file, lines.filter((_, i) => i !== 2).join("\n"));
  const accepted = await client(["--trust"]);
  equal(accepted.code, 0, accepted.stderr);
  match(
    accepted.stdout,
    new RegExp(`certificate ${RegExp.escape(fingerprints.now)}, trusted on first use`),
  );
}
