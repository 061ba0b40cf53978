/**
 * A lab of two network namespaces joined by a virtual cable (a veth pair), built and removed
 * with iproute2's `ip`, and programs run inside it. Needs root.
 *
 * @module
 */

import { errorMessage } from "../cli/cli.ts";
import { ROOT, taskParts } from "../cli/task_command.ts";
import { LineProcess, runTool } from "./experiment.ts";
import { experimentsText as text } from "./text.ts";

/**
 * Private addresses for the two ends of the cable. They exist only inside the namespaces the
 * lab creates; nothing is ever sent to an address outside them.
 */
export const SERVER_IP = "10.77.0.1";
/** The client end's address; see {@linkcode SERVER_IP}. */
export const CLIENT_IP = "10.77.0.2";
const PREFIX = 24;

/** The names of one run's namespaces and interfaces. */
export interface NetnsLab {
  serverNs: string;
  clientNs: string;
  serverIf: string;
  clientIf: string;
}

/**
 * Names unique to this run, so two runs (or a left-over namespace) never collide. Interface
 * names have at most 15 characters.
 *
 * @param id A number unique on this machine, such as the process id.
 * @returns The names.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * equal(labFor(42).serverNs, "lpsrv-42");
 * ```
 */
export function labFor(id: number): NetnsLab {
  return {
    serverNs: `lpsrv-${id}`,
    clientNs: `lpcli-${id}`,
    serverIf: `lps${id}`.slice(0, 15),
    clientIf: `lpc${id}`.slice(0, 15),
  };
}

/**
 * The `ip` commands that build the lab: two namespaces, a veth pair with one end in each, an
 * address on each end, and every link up (loopback too, which local connections need).
 *
 * @param lab The names.
 * @returns The argument lists for `ip`, in order.
 */
export function setupCommands(lab: NetnsLab): string[][] {
  return [
    ["netns", "add", lab.serverNs],
    ["netns", "add", lab.clientNs],
    [
      ...["link", "add", lab.serverIf, "netns", lab.serverNs, "type", "veth"],
      ...["peer", "name", lab.clientIf, "netns", lab.clientNs],
    ],
    ["-n", lab.serverNs, "addr", "add", `${SERVER_IP}/${PREFIX}`, "dev", lab.serverIf],
    ["-n", lab.clientNs, "addr", "add", `${CLIENT_IP}/${PREFIX}`, "dev", lab.clientIf],
    ["-n", lab.serverNs, "link", "set", "lo", "up"],
    ["-n", lab.clientNs, "link", "set", "lo", "up"],
    ["-n", lab.serverNs, "link", "set", lab.serverIf, "up"],
    ["-n", lab.clientNs, "link", "set", lab.clientIf, "up"],
  ];
}

/**
 * Build the lab by running {@linkcode setupCommands} in order.
 *
 * @param lab The names.
 * @throws {Error} When `ip` is missing or a command fails (not root, a name taken); what was
 *   built so far stays, for {@linkcode destroyLab} to remove.
 */
export async function buildLab(lab: NetnsLab): Promise<void> {
  for (const args of setupCommands(lab)) await runTool("ip", args);
}

/**
 * Set the client's end of the cable down (pulled) or up (plugged back in). No packet says so.
 *
 * @param lab The names.
 * @param state `down` or `up`.
 * @returns The `ip` command, for the report.
 * @throws {Error} When `ip` fails.
 */
export async function setClientLink(lab: NetnsLab, state: "down" | "up"): Promise<string> {
  await runTool("ip", ["-n", lab.clientNs, "link", "set", lab.clientIf, state]);
  return `ip -n ${lab.clientNs} link set ${lab.clientIf} ${state}`;
}

/**
 * Start a task's program inside a namespace (`ip netns exec`), from the repository root.
 *
 * @param ns The namespace.
 * @param task The task, such as `lp-server`.
 * @param args The program's arguments.
 * @returns The running program.
 */
export function startInNamespace(ns: string, task: string, args: string[]): LineProcess {
  const { flags, script } = taskParts(task);
  return new LineProcess(
    "ip",
    ["netns", "exec", ns, Deno.execPath(), "run", ...flags, script, ...args],
    ROOT,
  );
}

/**
 * Remove the lab: stop whatever still runs in its namespaces, then delete them (which deletes
 * the veth pair too). Namespaces that do not exist are skipped.
 *
 * @param lab The names.
 * @returns What could not be removed, one line each (empty when all went).
 */
export async function destroyLab(lab: NetnsLab): Promise<string[]> {
  const problems: string[] = [];
  const existing = await runTool("ip", ["netns", "list"]).catch(() => "");
  for (const ns of [lab.serverNs, lab.clientNs]) {
    if (!new RegExp(`^${ns}\\b`, "m").test(existing)) continue;
    // Only processes inside our own namespace, by id.
    const pids = (await runTool("ip", ["netns", "pids", ns]).catch(() => "")).split(/\s+/)
      .filter((p) => /^\d+$/.test(p));
    if (pids.length > 0) {
      await runTool("ip", ["netns", "exec", ns, "kill", "-KILL", ...pids]).catch(() => {});
    }
    try {
      await runTool("ip", ["netns", "delete", ns]);
    } catch (err) {
      problems.push(text("cannotDeleteNs", { ns, why: errorMessage(err) }));
    }
  }
  return problems;
}

/**
 * Build the lab, run `body` in it, and remove the lab whatever happens (error or Ctrl-C).
 *
 * @param lab The names.
 * @param out Where the line saying the namespaces were removed goes.
 * @param body The experiment, run once the lab is built.
 * @returns What `body` returned.
 * @throws {Error} What building the lab or `body` threw; when the lab could not be removed
 *   either, one error naming both.
 */
export async function withNetnsLab<T>(
  lab: NetnsLab,
  out: (line: string) => void,
  body: () => Promise<T>,
): Promise<T> {
  let result: T | undefined;
  let failure: unknown;
  try {
    await buildLab(lab);
    result = await body();
  } catch (err) {
    failure = err;
  }
  const problems = await destroyLab(lab);
  if (problems.length > 0) {
    const all = problems.join(text("problemSep"));
    throw new Error(
      failure === undefined
        ? all
        : text("alsoFailed", { cause: errorMessage(failure), problems: all }),
    );
  }
  const { serverNs, clientNs } = lab;
  out(`[${text("stampCleanup")}] ${text("nsRemoved", { serverNs, clientNs })}`);
  if (failure !== undefined) throw failure;
  return result!;
}
