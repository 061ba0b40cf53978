/**
 * How a task runs its program, read from deno.json, so a program started by another (a test,
 * the benchmark, compare-servers, an experiment) gets exactly the permissions its task grants.
 *
 * @module
 */

import { isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import config from "../../deno.json" with { type: "json" };

/** The repository root, where deno.json and the task's relative script paths start. */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * A task's `deno run` flags and absolute script path.
 *
 * @param name The task name, such as `chat-server`.
 * @returns The permission flags and the script.
 * @throws {Error} When there is no such task, or it is not a plain `deno run`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(taskParts("tcp-server").flags, ["--allow-net", "--allow-env=LC_ALL,LC_MESSAGES,LANG"]);
 * ```
 */
export function taskParts(name: string): { flags: string[]; script: string } {
  const task = (config.tasks as Record<string, string | { command: string }>)[name];
  if (task === undefined) throw new Error(`No task "${name}" in deno.json`);
  const words = (typeof task === "string" ? task : task.command).split(/\s+/);
  const at = words.findIndex((w) => w.endsWith(".ts"));
  if (words[0] !== "deno" || words[1] !== "run" || at < 0) {
    throw new Error(`Task "${name}" is not a plain "deno run"`);
  }
  const script = words[at];
  return { flags: words.slice(2, at), script: isAbsolute(script) ? script : join(ROOT, script) };
}
