/**
 * How the chat client words what it shows: a line for each event of the room, the file list in
 * columns, and local error lines. Whatever came from another user goes through
 * {@linkcode printable} first, so a name or a message cannot move the cursor or forge a line.
 *
 * @module
 */

import { errorMessage } from "../cli/cli.ts";
import { formatTimestamp } from "../cli/timestamp.ts";
import { displayWidth, padEndToWidth } from "../cli/display_width.ts";
import { formatBytes } from "../cli/units.ts";
import { RequestError } from "../net/request_session.ts";
import { type ChatEvent, type FileInfo, printable } from "./protocol.ts";

/**
 * The line shown for an event: the server's time first, as every line of the room has.
 *
 * @param event The event.
 * @returns One printable line.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * equal(formatEvent({ type: "chat", time: "12:00:00", from: "bob", text: "hi" }), "12:00:00 bob: hi");
 * ```
 */
export function formatEvent(event: ChatEvent): string {
  const p = printable;
  switch (event.type) {
    case "joined":
      return `${p(event.time)} *** ${p(event.name)} joined`;
    case "left":
      return `${p(event.time)} *** ${p(event.name)} ${p(event.reason)}`;
    case "chat":
      return `${p(event.time)} ${p(event.from)}: ${p(event.text)}`;
    case "private":
      return `${p(event.time)} ${p(event.from)} -> ${p(event.to)} (private): ${p(event.text)}`;
    case "uploaded":
      return `${p(event.time)} *** ${p(event.from)} uploaded ${p(event.name)} ` +
        `(${formatBytes(event.size)})`;
    case "notice":
      return `${p(event.time ?? formatTimestamp())} *** ${p(event.text)}`;
  }
}

/**
 * The file list as lines: name, size, uploader and time, in columns.
 *
 * @param files The list.
 * @returns The lines.
 */
export function formatFiles(files: readonly FileInfo[]): string[] {
  if (files.length === 0) return ["No files on the server yet."];
  const rows = files.map((f) => [
    printable(f.name),
    formatBytes(f.size),
    f.uploader === null ? "(uploader unknown)" : `by ${printable(f.uploader)}`,
    printable(f.time),
  ]);
  // Padded by the columns a terminal gives each cell, not by string length: "报告.pdf" is 6
  // characters but 8 columns wide, and padEnd would push its size out of line.
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => displayWidth(r[c]))));
  return [
    `Files on the server (${files.length}):`,
    ...rows.map((r) =>
      `  ${r.map((cell, c) => c < 3 ? padEndToWidth(cell, widths[c]) : cell).join("  ")}`
    ),
  ];
}

/**
 * A local error line, worded as every other: `error: ` and then lowercase, as in
 * `error: cannot download "a.txt": …`. A leading word in capitals (`SHA-256`) stays as it is.
 *
 * @param text What went wrong.
 * @returns The line.
 */
export function errorLine(text: string): string {
  return `error: ${lowerFirst(text)}`;
}

/**
 * A sentence made to follow a colon: "The message" becomes "the message", "SHA-256" stays.
 *
 * @param text The sentence.
 * @returns It, to follow a colon.
 */
export function lowerFirst(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? text[0].toLowerCase() + text.slice(1) : text;
}

/**
 * The error line for a failed request or transfer: the server's own words when it refused.
 *
 * @param err What it failed with.
 * @param what What failed, to go first, such as `cannot download "a.txt": `.
 * @returns The line.
 */
export function failureLine(err: unknown, what = ""): string {
  return errorLine(`${what}${err instanceof RequestError ? err.message : errorMessage(err)}`);
}

/**
 * The error line for a chat line that failed: refused by the server, or by the check before
 * sending (too long, say).
 *
 * @param err What it failed with.
 * @returns The line.
 */
export function notSentLine(err: unknown): string {
  return err instanceof RequestError
    ? failureLine(err)
    : errorLine(`not sent: ${lowerFirst(errorMessage(err))}`);
}
