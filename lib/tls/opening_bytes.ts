/**
 * The first bytes a peer sent, kept so that a program can tell a TLS peer on its plain-TCP port:
 * a TLS connection opens with a record whose first byte is 0x16 (a handshake: the client's
 * hello) or 0x15 (an alert: a TLS server refusing what it got), and whose second is 0x03 (the
 * major version of every SSL 3 and TLS version). An LP frame starts with "LP" (0x4c 0x50).
 *
 * @module
 */

import type { ByteStream } from "../wire/frame_connection.ts";

/** How many opening bytes are kept: enough for a TLS record's type and version. */
const KEPT = 3;

/**
 * Whether bytes look like the start of a TLS record.
 *
 * @param bytes The first bytes of a stream.
 * @returns Whether they are a TLS handshake or alert record.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * equal(looksLikeTls(new Uint8Array([0x16, 0x03, 0x01])), true);
 * equal(looksLikeTls(new TextEncoder().encode("LP")), false);
 * ```
 */
export function looksLikeTls(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && (bytes[0] === 0x16 || bytes[0] === 0x15) && bytes[1] === 0x03;
}

/**
 * A connection that keeps its first few bytes as they are read, and is otherwise the same
 * connection: hand it to lib/wire/frame_connection.ts in place of the socket.
 *
 * @example
 * ```ts ignore
 * const input = new OpeningBytes(conn);
 * const fc = new FrameConnection(input);
 * try { await fc.read(); } catch { if (input.looksLikeTls()) console.log("a TLS client"); }
 * ```
 */
export class OpeningBytes implements ByteStream {
  readonly #conn: ByteStream;
  #opening = new Uint8Array(0);

  /** @param conn The connection. */
  constructor(conn: ByteStream) {
    this.#conn = conn;
  }

  /** @returns The first bytes read so far, at most three. */
  get bytes(): Uint8Array {
    return this.#opening;
  }

  /** @returns Whether the peer opened as a TLS peer does. */
  looksLikeTls(): boolean {
    return looksLikeTls(this.#opening);
  }

  read(p: Uint8Array): Promise<number | null> {
    // Once the opening is kept this is the socket's own read, with no extra promise.
    if (this.#opening.length >= KEPT) return this.#conn.read(p);
    return this.#conn.read(p).then((n) => {
      if (n !== null && n > 0) this.#keep(p.subarray(0, n));
      return n;
    });
  }

  write(p: Uint8Array): Promise<number> {
    return this.#conn.write(p);
  }

  close(): void {
    this.#conn.close();
  }

  closeWrite(): Promise<void> {
    return this.#conn.closeWrite?.() ?? Promise.resolve();
  }

  #keep(more: Uint8Array): void {
    const kept = new Uint8Array(Math.min(KEPT, this.#opening.length + more.length));
    kept.set(this.#opening);
    kept.set(more.subarray(0, kept.length - this.#opening.length), this.#opening.length);
    this.#opening = kept;
  }
}
