/**
 * The labs' timestamp: `YYYY-MM-DD HH:MM:SS` in local time.
 *
 * @module
 */

const two = (n: number) => String(n).padStart(2, "0");

/**
 * Format a moment the way the lab's transcripts show it.
 *
 * @param date The moment; now when omitted, so every line gets its own time.
 * @returns The local date and time, such as `2026-11-21 14:03:09`.
 *
 * @example
 * ```ts
 * import { match } from "node:assert/strict";
 * match(formatTimestamp(), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
 * ```
 */
export function formatTimestamp(date: Date = new Date()): string {
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ` +
    `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}
