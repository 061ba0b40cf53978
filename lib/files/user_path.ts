/**
 * Paths as a user types them at a prompt: relative to the folder they started in, with `~`
 * for their home folder, as a shell reads them.
 *
 * @remarks
 * A program run by `deno task` does not run where the user is: the task runs in the folder
 * that holds deno.json, and says where the user was in the environment variable `INIT_CWD`.
 * Resolving `notes.txt` against the program's own working folder would look in the wrong
 * place, so the caller passes the user's folder in.
 *
 * @module
 */

import { join, resolve } from "node:path";
import { filesText as text } from "./text.ts";

/** Where a user's paths start from. */
export interface UserFolders {
  /** The folder the user started the program in: relative paths start here. */
  cwd: string;
  /** Their home folder, for `~`; absent when unknown. */
  home?: string;
}

/**
 * Resolve a path the user typed to a full path.
 *
 * @param typed As typed: `notes.txt`, `../a.txt`, `~`, `~/notes.txt` or `/tmp/a.txt`.
 * @param folders The user's folder and home.
 * @returns The full path.
 * @throws {TypeError} When the path starts with `~` and the home folder is unknown.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * const folders = { cwd: "/home/ann/work", home: "/home/ann" };
 * equal(resolveUserPath("notes.txt", folders), "/home/ann/work/notes.txt");
 * equal(resolveUserPath("~/notes.txt", folders), "/home/ann/notes.txt");
 * equal(resolveUserPath("/tmp/a.txt", folders), "/tmp/a.txt");
 * ```
 */
export function resolveUserPath(typed: string, folders: UserFolders): string {
  // "~user/..." (another user's home) is not expanded: it is rare, and needs a user database.
  if (typed === "~" || typed.startsWith("~/")) {
    if (folders.home === undefined) {
      throw new TypeError(text("noHome"));
    }
    return join(folders.home, typed.slice(1));
  }
  return resolve(folders.cwd, typed);
}

/**
 * The folder the user started in and their home, for the paths they type. `deno task` runs
 * the program in the project's folder and says where the user was in `INIT_CWD`; `deno run`
 * runs it where the user is. Each variable is read only when the program may read it (a task
 * grants `--allow-env=INIT_CWD,HOME`), so that Deno never stops to ask.
 *
 * @returns The folders.
 */
export function userFolders(): UserFolders {
  const env = (name: string) =>
    Deno.permissions.querySync({ name: "env", variable: name }).state === "granted"
      ? Deno.env.get(name)
      : undefined;
  return { cwd: env("INIT_CWD") || Deno.cwd(), home: env("HOME") || undefined };
}
