/**
 * The benchmark's CPU accounting: how many CPU-seconds (user + system) a transfer cost its two
 * ends, read from the kernel's own counters, and what one SHA-256 of a GiB costs on this machine.
 *
 * Our programs run for the whole upload and download, so their counters are read from
 * `/proc/PID/stat` before and after each direction. The peers (nc, and nc with openssl
 * hashing) are shell pipelines that exit when the transfer ends; their shell waits for every
 * process it started and prints `times`, whose second line is the user and system time of its
 * waited children (the kernel's `getrusage(RUSAGE_CHILDREN)`), so nothing that ran is missed.
 *
 * @module
 */

import { createHash } from "node:crypto";
import process from "node:process";

/**
 * Clock ticks per second in `/proc/PID/stat`: Linux reports those times in USER_HZ, which is
 * 100 on every architecture whatever the kernel's own tick rate.
 */
const USER_HZ = 100;

/** Bytes in a GiB: the unit CPU cost is given per. */
export const GIB = 1024 ** 3;

/**
 * A process's CPU time so far, every thread included.
 *
 * @remarks
 * Read from `/proc/PID/stat`, whose 14th and 15th fields are user and system time in clock
 * ticks; fields are counted after the command name in parentheses, which may hold spaces.
 *
 * @param pid The process.
 * @returns Seconds of user plus system time, or null where there is no /proc (not Linux).
 */
export async function cpuSeconds(pid: number): Promise<number | null> {
  const stat = await kernelFile(`/proc/${pid}/stat`);
  if (stat === null) return null;
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is the 3rd field (the state); utime and stime are the 14th and 15th.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? ticks / USER_HZ : null;
}

/**
 * A file of the Linux kernel's (/proc, /sys), read by running `cat`: Deno guards those folders
 * with --allow-all, and the benchmark already has --allow-run.
 *
 * @returns Its text, or null where it cannot be read (not Linux, or no such file).
 */
async function kernelFile(path: string): Promise<string | null> {
  if (Deno.build.os !== "linux") return null;
  try {
    const { success, stdout } = await new Deno.Command("cat", {
      args: [path],
      stdout: "piped",
      stderr: "null",
    }).output();
    return success ? new TextDecoder().decode(stdout) : null;
  } catch {
    return null;
  }
}

/** The kernel's running total of free memory this machine has handed back to its host. */
const REPORTED_KIB = "/sys/module/page_reporting/parameters/reported_kib";

/**
 * KiB of free memory handed back to the host so far, on a virtual machine whose balloon reports
 * free pages.
 *
 * @remarks
 * The host takes such pages away, and the next write to one costs a fault in the host: a
 * transfer during which the guest hands memory back runs a third slower (docs/PERFORMANCE.md).
 *
 * @returns The total in KiB, or null where the kernel does not report free pages.
 */
export async function reportedKiB(): Promise<number | null> {
  const kib = Number(await kernelFile(REPORTED_KIB) ?? NaN);
  return Number.isFinite(kib) ? kib : null;
}

/**
 * A `sh` script that starts each command in the background, waits for all of them, then prints
 * `times` on stderr. Ctrl-C or SIGTERM to the shell ends every command it started, as a
 * benchmark that stops a peer early needs: `exec` cannot hand over to more than one process.
 *
 * @param commands One process each, with its redirections (pipes between them go through
 *   named pipes made beforehand).
 * @returns The script, for `sh -c`; it exits with the first failure's status, else 0.
 */
export function backgroundScript(commands: readonly string[]): string {
  const started = commands.map((c, i) => `${c} & p${i}=$!`);
  const pids = commands.map((_, i) => `$p${i}`).join(" ");
  return [
    ...started,
    `trap 'kill ${pids} 2>/dev/null; exit 130' INT TERM`,
    "s=0",
    `for p in ${pids}; do wait $p; r=$?; [ $s -ne 0 ] || s=$r; done`,
    "times >&2",
    "exit $s",
  ].join("\n");
}

/** One line of `times`: minutes and seconds of user time, then of system time. */
const TIMES_LINE = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/;

/**
 * The CPU time of what scripts from {@linkcode backgroundScript} ran, from their stderr.
 *
 * @param lines The stderr lines of one or more such scripts, one script's after another's.
 * @param scripts How many scripts the lines come from.
 * @returns Seconds of user plus system time of every script's children, or null when a
 *   script's `times` is not there.
 */
export function childrenCpuSeconds(lines: readonly string[], scripts: number): number | null {
  const found: number[] = [];
  // `times` prints the shell's own line, then its children's: take each second line.
  const all = lines.filter((l) => TIMES_LINE.test(l));
  for (let i = 1; i < all.length; i += 2) {
    const m = TIMES_LINE.exec(all[i])!;
    found.push(Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4]));
  }
  return found.length === scripts ? found.reduce((a, b) => a + b, 0) : null;
}

/**
 * What SHA-256 costs here: CPU-seconds per GiB of `node:crypto`, the hash both our programs
 * use, timed by this process's own CPU counters over `bytes` bytes in 64 MiB pieces.
 *
 * @param bytes How much to hash.
 * @returns CPU-seconds per GiB.
 */
export function sha256SecondsPerGiB(bytes = 256 * 1024 ** 2): number {
  const piece = new Uint8Array(Math.min(bytes, 64 * 1024 ** 2)).fill(0x5a);
  createHash("sha256").update(piece.subarray(0, 1024 ** 2)).digest(); // warm
  const before = process.cpuUsage();
  const hash = createHash("sha256");
  for (let done = 0; done < bytes; done += piece.length) hash.update(piece);
  hash.digest();
  const { user, system } = process.cpuUsage(before);
  return ((user + system) / 1e6) * (GIB / bytes);
}
