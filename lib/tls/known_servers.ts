/**
 * The known-servers file: the certificates a user has trusted on first use, one line per server,
 * `HOST:PORT SHA256:…`, as ssh keeps `~/.ssh/known_hosts`. It lives in the user's config folder,
 * `$XDG_CONFIG_HOME/socket-labs/known_servers` or `~/.config/socket-labs/known_servers`
 * (`%APPDATA%\socket-labs\known_servers` on Windows), and is plain text: to forget a server,
 * delete its line.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { errorMessage } from "../cli/cli.ts";
import { tlsText as text } from "./text.ts";

/** The folder in the user's config folder that holds this project's files. */
export const CONFIG_FOLDER = "socket-labs";

/** The file's name. */
export const KNOWN_SERVERS = "known_servers";

/** What a new file starts with, so that a person who opens it knows what it is. */
const HEADER =
  "# Servers trusted on first use by this project's TLS clients: HOST:PORT SHA256:...\n" +
  "# Delete a server's line to forget it; the next connection asks again.\n";

/** One server's line. */
export interface KnownServer {
  /** `HOST:PORT`, as lib/net/host_port.ts formats it. */
  server: string;
  fingerprint: string;
  /** Its line number, from 1. */
  line: number;
}

/**
 * Where the known-servers file is.
 *
 * @param env Reads a variable; by default the environment, where a variable this program may
 *   not read counts as unset.
 * @param os The operating system (default: this one).
 * @returns The path.
 * @throws {Error} When no variable says where the user's config folder is.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * const env = (vars: Record<string, string>) => (name: string) => vars[name];
 * equal(knownServersFile(env({ HOME: "/home/ming" }), "linux"),
 *   "/home/ming/.config/socket-labs/known_servers");
 * equal(knownServersFile(env({ HOME: "/home/ming", XDG_CONFIG_HOME: "/cfg" }), "linux"),
 *   "/cfg/socket-labs/known_servers");
 * ```
 */
export function knownServersFile(
  env: (name: string) => string | undefined = readEnv,
  os: typeof Deno.build.os = Deno.build.os,
): string {
  const xdg = env("XDG_CONFIG_HOME");
  if (xdg) return join(xdg, CONFIG_FOLDER, KNOWN_SERVERS);
  const appData = os === "windows" ? env("APPDATA") : undefined;
  if (appData) return join(appData, CONFIG_FOLDER, KNOWN_SERVERS);
  const home = env("HOME") ?? (os === "windows" ? env("USERPROFILE") : undefined);
  if (home) return join(home, ".config", CONFIG_FOLDER, KNOWN_SERVERS);
  throw new Error(text("noConfigFolder"));
}

/**
 * The servers in a known-servers file's text. Comments (`#`), blank lines and lines that do
 * not parse are skipped, as ssh skips them.
 *
 * @param contents The file's text.
 * @returns The servers, in file order.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(parseKnownServers("# c\n127.0.0.1:4579 SHA256:abc\n"),
 *   [{ server: "127.0.0.1:4579", fingerprint: "SHA256:abc", line: 2 }]);
 * ```
 */
export function parseKnownServers(contents: string): KnownServer[] {
  const found: KnownServer[] = [];
  contents.split("\n").forEach((raw, at) => {
    const [server, fingerprint] = raw.trim().split(/\s+/);
    if (server && !server.startsWith("#") && fingerprint?.startsWith("SHA256:")) {
      found.push({ server: server.toLowerCase(), fingerprint, line: at + 1 });
    }
  });
  return found;
}

/**
 * The line a server has in the file, if it has one (its first, if more than one).
 *
 * @param file The known-servers file; a missing file knows no server.
 * @param server `HOST:PORT`.
 * @returns The line, or `undefined`.
 * @throws {Error} When the file exists and cannot be read (message in one line).
 */
export async function findKnownServer(
  file: string,
  server: string,
): Promise<KnownServer | undefined> {
  const wanted = server.toLowerCase();
  return parseKnownServers(await readIfAny(file)).find((s) => s.server === wanted);
}

/**
 * Add a server's line at the end of the file, making the file (and its folder) if needed.
 *
 * @param file The known-servers file.
 * @param server `HOST:PORT`.
 * @param fingerprint Its certificate's fingerprint.
 * @returns The new line's number.
 * @throws {Error} When the file cannot be written (message in one line).
 */
export async function rememberServer(
  file: string,
  server: string,
  fingerprint: string,
): Promise<number> {
  let before = await readIfAny(file);
  if (before === "") before = HEADER;
  else if (!before.endsWith("\n")) before += "\n";
  const after = `${before}${server.toLowerCase()} ${fingerprint}\n`;
  try {
    await Deno.mkdir(dirname(file), { recursive: true });
    await Deno.writeTextFile(file, after);
  } catch (err) {
    throw new Error(text("cannotRemember", { file, why: errorMessage(err) }));
  }
  return after.split("\n").length - 1;
}

async function readIfAny(file: string): Promise<string> {
  try {
    return await Deno.readTextFile(file);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return "";
    throw new Error(text("cannotRead", { file, why: errorMessage(err) }));
  }
}

/** A variable's value, or undefined when unset or not permitted (asked without a prompt). */
function readEnv(name: string): string | undefined {
  const { state } = Deno.permissions.querySync({ name: "env", variable: name });
  return state === "granted" ? Deno.env.get(name) : undefined;
}
