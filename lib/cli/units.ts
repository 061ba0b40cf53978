/**
 * Sizes, rates and transfer progress as people read and type them, for the chat programs.
 *
 * @module
 */

import { cliText } from "./text.ts";

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/**
 * Show a byte count with a binary unit.
 *
 * @param bytes The count.
 * @returns Such as `512 B` (whole bytes) or `50.0 MiB`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(formatBytes(1536), "1.5 KiB");
 * ```
 */
export function formatBytes(bytes: number): string {
  // Whole bytes: a rate such as 3000 bytes in 7 s is 428.57… B/s, and nobody reads the digits.
  let value = Math.round(bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/**
 * Read a size such as `1048576`, `500K`, `20MiB` or `1G` (binary units).
 *
 * @param text What the user typed.
 * @returns The size in bytes.
 * @throws {RangeError} When it is not a size.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(parseByteSize("1GiB"), 1024 ** 3);
 * ```
 */
export function parseByteSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(?:([KMGT])(?:i?B)?|B)?$/i.exec(text.trim());
  const power = m?.[2] ? "KMGT".indexOf(m[2].toUpperCase()) + 1 : 0;
  const bytes = m ? Math.floor(Number(m[1]) * 1024 ** power) : NaN;
  if (!Number.isSafeInteger(bytes)) {
    throw new RangeError(cliText("badSize", { text }));
  }
  return bytes;
}

/**
 * Read a positive number of seconds, fractions allowed.
 *
 * @param text What the user typed.
 * @returns The seconds.
 * @throws {RangeError} When it is not a positive number.
 */
export function parseSeconds(text: string, flag = "seconds"): number {
  const seconds = /^\d*\.?\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!(seconds > 0)) throw new RangeError(cliText("badPositive", { flag, text }));
  return seconds;
}

/**
 * Show a duration in seconds briefly.
 *
 * @param seconds The duration.
 * @returns Such as `0.4 s`, `12 s` or `3m05s`.
 */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const m = Math.floor(seconds / 60);
  return `${m}m${String(Math.round(seconds - m * 60)).padStart(2, "0")}s`;
}

/** Where a transfer is, for a live display or a summary. */
export interface Progress {
  /** Bytes moved so far. */
  done: number;
  /** Bytes in all. */
  total: number;
  /** Milliseconds since the transfer started. */
  elapsedMs: number;
}

/**
 * A one-line live view of a transfer: bytes, percent, rate and time left.
 *
 * @param label Such as `upload a.txt`.
 * @param p Where it is.
 * @returns Such as `upload a.txt 12.0 MiB/50.0 MiB 24% 40.1 MiB/s 1.0 s left`.
 */
export function formatProgress(label: string, p: Progress): string {
  const rate = p.elapsedMs > 0 ? p.done / (p.elapsedMs / 1000) : 0;
  const percent = p.total > 0 ? Math.floor((p.done / p.total) * 100) : 100;
  const left = rate > 0 ? formatSeconds((p.total - p.done) / rate) : "?";
  return `${label} ${formatBytes(p.done)}/${formatBytes(p.total)} ${percent}% ` +
    `${formatBytes(rate)}/s ${left} left`;
}

/**
 * The line shown once a transfer is over.
 *
 * @param p The final progress.
 * @returns Such as `50.0 MiB in 1.2 s (41.7 MiB/s)`.
 */
export function formatSummary(p: Progress): string {
  const seconds = p.elapsedMs / 1000;
  const rate = seconds > 0 ? p.total / seconds : 0;
  return `${formatBytes(p.total)} in ${formatSeconds(seconds)} (${formatBytes(rate)}/s)`;
}
