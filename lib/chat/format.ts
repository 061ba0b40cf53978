/**
 * How the chat client words what it shows, in its user's language: a line for each event of the
 * room, what the server said (from its codes), the file list in columns, transfer progress, and
 * local error lines. Whatever came from another user goes through {@linkcode printable} first,
 * so a name or a message cannot move the cursor or forge a line.
 *
 * @module
 */

import { errorMessage } from "../cli/cli.ts";
import { lang } from "../cli/i18n.ts";
import { formatTimestamp } from "../cli/timestamp.ts";
import { displayWidth, graphemes, padEndToWidth } from "../cli/display_width.ts";
import { formatBytes, formatSeconds, type Progress } from "../cli/units.ts";
import { RequestError } from "../net/request_session.ts";
import type { Frame } from "../wire/frame.ts";
import {
  type ChatEvent,
  type FileInfo,
  payloadObject,
  printable,
  refusalText,
  type UserInfo,
} from "./protocol.ts";
import { readReason, type Reason, sentence } from "./reason.ts";
import { chatText as text } from "./text.ts";

/**
 * What the server said, in the user's language: the sentence for its code, or the English it
 * sent when the code is unknown (a newer server, or someone else's) or absent.
 *
 * @param why The code and values, if the server sent them.
 * @param english The server's English sentence.
 * @returns One printable line.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * equal(serverSays({ code: "shutting-down" }, "Bye"), "Server is shutting down. Goodbye!");
 * equal(serverSays({ code: "from-the-future" }, "Something new"), "Something new");
 * ```
 */
export function serverSays(why: Reason | null, english: string): string {
  const worded = why === null ? null : sentence(lang(), why);
  return printable(worded ?? english);
}

/**
 * A refusal in the user's language: how the chat client turns a refused request into its
 * error's message.
 *
 * @param frame A response with a status other than ok.
 * @returns Its code worded, else its `error`, else a sentence naming the status.
 */
export function refusalLine(frame: Frame): string {
  let why: Reason | null = null;
  try {
    why = readReason(payloadObject(frame));
  } catch {
    // Not a JSON object: refusalText says what it can.
  }
  return serverSays(why, refusalText(frame));
}

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
      return text("eventJoined", { time: p(event.time), name: p(event.name) });
    case "left": {
      const reason = serverSays(event.why, event.reason);
      return text("eventLeft", { time: p(event.time), name: p(event.name), reason });
    }
    case "chat":
      return text("eventChat", { time: p(event.time), from: p(event.from), text: p(event.text) });
    case "private": {
      // Kept for an account that was away: the sender's copy says so, and the recipient sees
      // it at their login with its original time, marked.
      const [time, from, to] = [p(event.time), p(event.from), p(event.to)];
      const key = event.offline
        ? "eventPrivateOffline"
        : event.stored
        ? "eventPrivateStored"
        : "eventPrivate";
      return text(key, { time, from, to, text: p(event.text) });
    }
    case "delivered": {
      const [time, to] = [p(event.time), p(event.to)];
      if (event.text === undefined) return text("eventDeliveredUnknown", { time, to });
      return text("eventDelivered", { time, to, text: cutToWidth(p(event.text), QUOTE_COLUMNS) });
    }
    case "uploaded": {
      const [time, from, name] = [p(event.time), p(event.from), p(event.name)];
      return text("eventUploaded", { time, from, name, size: formatBytes(event.size) });
    }
    case "notice": {
      const time = p(event.time ?? formatTimestamp());
      return text("eventNotice", { time, text: serverSays(event.why, event.text) });
    }
  }
}

/**
 * The `/who` line: who is online, guests marked as such when account holders are online too.
 * A room of guests only (nobody has logged in, or `--auth off`, where everyone counts as a
 * guest) has nobody to tell them from, and a server without accounts says nothing of guests.
 *
 * @param users The users, as the server listed them.
 * @returns One printable line.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * equal(
 *   onlineLine([{ name: "alice", since: "t", guest: false }, { name: "bob", since: "t", guest: true }]),
 *   "Online (2): alice, bob (guest)",
 * );
 * ```
 */
export function onlineLine(users: readonly UserInfo[]): string {
  const mark = users.some((u) => u.guest === false);
  const names = users.map(({ name, guest }) =>
    mark && guest ? text("whoGuest", { name: printable(name) }) : printable(name)
  );
  return text("online", { n: users.length, users: names.join(text("listSeparator")) });
}

/**
 * Which block of history is shown: the events replayed on joining, those missed while away
 * (replayed on joining again), a `/history` page, or what `/search` found.
 */
export type HistoryBlock =
  | { kind: "joined" }
  | { kind: "resumed" }
  | { kind: "earlier" }
  | { kind: "search"; words: string };

/**
 * Events from the room's history, set apart from the live ones: a line saying what follows,
 * each event as {@linkcode formatEvent} shows it (the server's time first, as when it was
 * said), and a closing line.
 *
 * @param block Which block.
 * @param events The events, oldest first.
 * @returns The lines; for an empty replay none, for an empty page or search one that says so.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(historyLines({ kind: "joined" }, [
 *   { type: "chat", time: "12:00:00", from: "bob", text: "hi", history: true },
 * ]), ["— history: last 1 message —", "12:00:00 bob: hi", "— now —"]);
 * ```
 */
export function historyLines(block: HistoryBlock, events: readonly ChatEvent[]): string[] {
  const n = events.length;
  const words = block.kind === "search" ? printable(block.words) : "";
  if (n === 0) {
    if (block.kind === "search") return [text("searchNone", { words })];
    return block.kind === "earlier" ? [text("historyNone")] : [];
  }
  const [open, close] = block.kind === "joined"
    ? [text("historyJoined", { n }), text("historyNow")]
    : block.kind === "resumed"
    ? [text("historyResumed", { n }), text("historyNow")]
    : block.kind === "earlier"
    ? [text("historyEarlier", { n }), text("historyEnd")]
    : [text("searchFound", { words, n }), text("searchEnd")];
  return [open, ...events.map(formatEvent), close];
}

/**
 * The file list as lines: name, size, uploader and time, in columns.
 *
 * @param files The list.
 * @returns The lines.
 */
export function formatFiles(files: readonly FileInfo[]): string[] {
  if (files.length === 0) return [text("noFiles")];
  const rows = files.map((f) => [
    printable(f.name),
    formatBytes(f.size),
    f.uploader === null
      ? text("uploaderUnknown")
      : text("uploadedBy", { name: printable(f.uploader) }),
    printable(f.time),
  ]);
  // Padded by the columns a terminal gives each cell, not by string length: "报告.pdf" is 6
  // characters but 8 columns wide, and padEnd would push its size out of line.
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => displayWidth(r[c]))));
  return [
    text("filesTitle", { n: files.length }),
    ...rows.map((r) =>
      `  ${r.map((cell, c) => c < 3 ? padEndToWidth(cell, widths[c]) : cell).join("  ")}`
    ),
  ];
}

/**
 * A local error line, worded as every other: `error: ` and then lowercase, as in
 * `error: cannot download "a.txt": …` (`错误：…` in Chinese). A leading word in capitals
 * (`SHA-256`) stays as it is.
 *
 * @param what What went wrong.
 * @returns The line.
 */
export function errorLine(what: string): string {
  return text("errorLine", { text: lowerFirst(what) });
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
 * @param what What failed, to go first, such as `cannot download "a.txt": ` (chatText's
 *   `cannotDownload`).
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
    : errorLine(text("notSent", { why: lowerFirst(errorMessage(err)) }));
}

/** Widest piece of a message quoted in a "delivered" line, in terminal columns. */
const QUOTE_COLUMNS = 40;

/** Widest file name in a transfer's label, in terminal columns: the status line stays short. */
const LABEL_COLUMNS = 24;

/**
 * A transfer's label, such as `upload notes.txt`; a long name is cut to
 * {@linkcode LABEL_COLUMNS} terminal columns, wide characters counted twice.
 *
 * @param kind Which way.
 * @param name The file name.
 * @returns The label.
 */
export function transferLabel(kind: "upload" | "download", name: string): string {
  const shown = cutToWidth(printable(name), LABEL_COLUMNS);
  return text(kind === "upload" ? "uploadLabel" : "downloadLabel", { name: shown });
}

/**
 * Cut text to a number of terminal columns, ending with `…` when cut.
 *
 * @param line The text.
 * @param columns The most columns it may take.
 * @returns It, or its start and `…`.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * equal(cutToWidth("实验报告最终版.pdf", 9), "实验报告…");
 * equal(cutToWidth("a.txt", 9), "a.txt");
 * ```
 */
export function cutToWidth(line: string, columns: number): string {
  if (displayWidth(line) <= columns) return line;
  let out = "";
  let width = 0;
  for (const [grapheme, w] of graphemes(line)) {
    if (width + w > columns - 1) break; // one column for the ellipsis
    out += grapheme;
    width += w;
  }
  return `${out}…`;
}

/**
 * A one-line live view of a transfer: bytes, percent, rate and time left.
 *
 * @param label Such as `upload a.txt` (see {@linkcode transferLabel}).
 * @param p Where it is.
 * @returns Such as `upload a.txt 12.0 MiB/50.0 MiB 24% 40.1 MiB/s 1.0 s left`.
 */
export function progressLine(label: string, p: Progress): string {
  const rate = p.elapsedMs > 0 ? p.done / (p.elapsedMs / 1000) : 0;
  const percent = p.total > 0 ? Math.floor((p.done / p.total) * 100) : 100;
  const left = rate > 0 ? formatSeconds((p.total - p.done) / rate) : "?";
  const [done, total] = [formatBytes(p.done), formatBytes(p.total)];
  return text("progress", { label, done, total, percent, rate: formatBytes(rate), left });
}

/**
 * What a finished transfer took.
 *
 * @param p The final progress.
 * @returns Such as `50.0 MiB in 1.2 s (41.7 MiB/s)`.
 */
export function summaryLine(p: Progress): string {
  const seconds = p.elapsedMs / 1000;
  const rate = seconds > 0 ? p.total / seconds : 0;
  const [size, took] = [formatBytes(p.total), formatSeconds(seconds)];
  return text("summary", { size, seconds: took, rate: formatBytes(rate) });
}
