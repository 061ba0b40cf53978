/**
 * The line servers' own lines, as our clients show them: in the user's language.
 *
 * A line server speaks English on the wire (a line protocol has no codes, and `nc` users share
 * it). Our TCP and UDP clients recognise the lines the servers send, an acknowledgement, the
 * shutdown notice, the "line too long" error, the "server is full" notice, and word them in
 * their user's language; any other line is shown as it came.
 *
 * @module
 */

import { cliText } from "../cli/text.ts";
import { socketsText } from "./text.ts";

type Groups = Record<string, string>;

/** A whole line in either language, as `text.pattern` finds it. */
function whole(pattern: RegExp): RegExp {
  return new RegExp(`^${pattern.source}$`);
}

/** Each known line and how to word it; the most specific first (a worker's ack is an ack). */
const KNOWN: [RegExp, (g: Groups) => string][] = [
  [
    whole(socketsText.pattern("ackFromWorker")),
    (g) => socketsText("ackFromWorker", { line: g.line, id: g.id }),
  ],
  [
    whole(socketsText.pattern("ackTooLong")),
    (g) => socketsText("ackTooLong", { bytes: g.bytes }),
  ],
  [whole(socketsText.pattern("ack")), (g) => socketsText("ack", { line: g.line })],
  [whole(socketsText.pattern("goodbye")), () => socketsText("goodbye")],
  [whole(socketsText.pattern("lineTooLong")), (g) => socketsText("lineTooLong", { max: g.max })],
  [
    whole(cliText.pattern("serverFull")),
    // A number, so that the English says "1 client" and "5 clients".
    (g) => cliText("serverFull", { limit: Number(g.limit) }),
  ],
];

/**
 * A line from a line server, in the user's language.
 *
 * @param line The line as it came.
 * @returns The line worded for the user, or as it came when it is not one we know.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { setLang } from "../cli/i18n.ts";
 * setLang("zh");
 * equal(serverLine("ack: 你好"), "服务器已收到：你好");
 * equal(serverLine("hello from elsewhere"), "hello from elsewhere");
 * setLang("en");
 * equal(serverLine("ack: hi"), "ack: hi");
 * ```
 */
export function serverLine(line: string): string {
  for (const [pattern, word] of KNOWN) {
    const m = pattern.exec(line);
    if (m) return word(m.groups ?? {});
  }
  return line;
}
