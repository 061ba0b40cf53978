/**
 * Lines over a byte stream, for the line-based labs that `nc` can talk to.
 *
 * @module
 */

import { socketsText } from "../sockets/text.ts";

/**
 * Longest line accepted by default. A chat line or a lab message fits easily; a peer that
 * sends megabytes without a newline is refused instead of growing our buffer without end.
 */
export const DEFAULT_MAX_LINE = 64 * 1024;

const NEWLINE = 0x0a;
const ENCODER = new TextEncoder();

/**
 * Read newline-terminated lines, however TCP split or merged them. A trailing `\r` is removed,
 * so `nc -C` and telnet work too; a last line without a newline is still returned.
 *
 * @param reader Anything with `read()`, usually a `Deno.Conn`.
 * @param options.maxLineBytes Longest line in bytes (default 64 KiB).
 * @returns The lines, decoded as UTF-8, until the peer closes.
 * @throws {RangeError} When a line is longer than the limit.
 *
 * @example
 * ```ts ignore
 * for await (const line of readLines(conn)) console.log(line);
 * ```
 */
export async function* readLines(
  reader: { read(p: Uint8Array): Promise<number | null> },
  options: { maxLineBytes?: number } = {},
): AsyncGenerator<string> {
  const max = options.maxLineBytes ?? DEFAULT_MAX_LINE;
  const decoder = new TextDecoder();
  const buf = new Uint8Array(max + 1);
  let filled = 0;
  while (true) {
    if (filled === buf.length) {
      throw new RangeError(socketsText("lineOverLimit", { max }));
    }
    const n = await reader.read(buf.subarray(filled));
    if (n === null) {
      if (filled > 0) yield stripCr(decoder.decode(buf.subarray(0, filled)));
      return;
    }
    let start = 0;
    for (let i = filled; i < filled + n; i++) {
      if (buf[i] === NEWLINE) {
        yield stripCr(decoder.decode(buf.subarray(start, i)));
        start = i + 1;
      }
    }
    filled += n;
    if (start > 0) {
      buf.copyWithin(0, start, filled);
      filled -= start;
    }
  }
}

/**
 * Write one line and its newline, however many writes the kernel needs.
 *
 * @param writer Anything with `write()`, usually a `Deno.Conn`.
 * @param line The text, without a newline.
 *
 * @example
 * ```ts ignore
 * await writeLine(conn, "ack: hello");
 * ```
 */
export async function writeLine(
  writer: { write(p: Uint8Array): Promise<number> },
  line: string,
): Promise<void> {
  const bytes = ENCODER.encode(line + "\n");
  let at = 0;
  while (at < bytes.length) at += await writer.write(bytes.subarray(at));
}

function stripCr(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}
