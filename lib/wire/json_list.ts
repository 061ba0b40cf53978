/**
 * A JSON list of strings kept encoded between replies, and the frames that end with it: a reply
 * that lists a whole room (the chat's join reply) shares the room's encoded list instead of
 * listing and encoding every name again.
 *
 * @module
 */

import { type Frame, HEADER_SIZE, writeHeader } from "./frame.ts";

const encoder = new TextEncoder();
const OPEN = 0x5b; // "["
/** What follows a list that ends a payload: its `]` and the object's `}`. */
const CLOSE = encoder.encode("]}");
const OPEN_BRACE = 0x7b; // "{"
const CLOSE_BRACE = 0x7d; // "}"

/**
 * A list of strings as JSON text, without its closing `]`, grown at the end as strings are
 * added.
 *
 * @remarks
 * When 10,000 members join one after another, each join reply lists everyone. Built afresh
 * for each reply (an array of names, its JSON text, its bytes: about 75 KB each on average),
 * the lists doubled the server's memory per member (docs/PERFORMANCE.md). Here an added string
 * costs its own bytes, and {@linkcode EncodedList.open} hands out a view of the list as it
 * stands.
 *
 * Bytes once handed out are never changed, so a view can wait in a slow member's queue for as
 * long as it must: an addition writes past every view; growing copies into a new buffer; and
 * after a removal ({@linkcode EncodedList.stale}) the list is rebuilt into a new buffer.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * const list = new EncodedList();
 * const names = ["alice", "bob"];
 * equal(new TextDecoder().decode(list.open(names)), '["alice","bob"');
 * names.push("carol");
 * list.add("carol");
 * equal(new TextDecoder().decode(list.open(names)), '["alice","bob","carol"');
 * ```
 */
export class EncodedList {
  #bytes = new Uint8Array(0);
  /** Bytes of the list in {@linkcode EncodedList.#bytes}; 0 when it must be rebuilt. */
  #length = 0;

  /**
   * Add a string at the end, as the source the list is rebuilt from has just done.
   *
   * @param value The string.
   */
  add(value: string): void {
    if (this.#length > 0) this.#append(value); // else the rebuild will include it
  }

  /** Forget the encoded list: a string was removed, so it is rebuilt when next opened. */
  stale(): void {
    this.#length = 0;
  }

  /**
   * The list so far: `[` and the strings, comma-separated, without the closing `]`.
   *
   * @param values Every string in order, to rebuild from after {@linkcode EncodedList.stale}.
   * @returns A view that no later call changes.
   */
  open(values: Iterable<string>): Uint8Array {
    if (this.#length === 0) {
      // About the size the list had: a buffer grown by doubling from a small one could be nearly
      // twice the list, and a slow member's queued view would keep all of it.
      this.#bytes = new Uint8Array(Math.max(1024, this.#bytes.length));
      this.#bytes[0] = OPEN;
      this.#length = 1;
      for (const value of values) this.#append(value);
    }
    return this.#bytes.subarray(0, this.#length);
  }

  #append(value: string): void {
    const json = (this.#length > 1 ? "," : "") + JSON.stringify(value);
    const most = this.#length + json.length * 3; // UTF-8 takes at most 3 bytes per UTF-16 unit
    if (most > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(most, this.#bytes.length * 2));
      grown.set(this.#bytes.subarray(0, this.#length));
      this.#bytes = grown;
    }
    this.#length += encoder.encodeInto(json, this.#bytes.subarray(this.#length)).written;
  }
}

/**
 * Encode a frame whose JSON object gains one more field, a list already encoded, as pieces to
 * send back to back: the header and the object's other fields, the list's bytes as they are,
 * and the closing `]}`.
 *
 * @param frame The frame; its payload is a JSON object (`{}` for none) without `key`.
 * @param key The list's field.
 * @param list The list from {@linkcode EncodedList.open}.
 * @returns The pieces, one frame in all.
 * @throws {TypeError} When the payload is not a JSON object as `makeFrame` encodes one.
 * @throws {TypeError | RangeError} When a header field does not fit.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { Buffer } from "node:buffer";
 * import { Kind, makeFrame } from "./frame.ts";
 * const frame = makeFrame(Kind.Response, "J", { id: 1, payload: { name: "bob" } });
 * const pieces = frameWithList(frame, "users", new EncodedList().open(["alice", "bob"]));
 * const payload = Buffer.concat(pieces).subarray(12).toString();
 * equal(payload, '{"name":"bob","users":["alice","bob"]}');
 * ```
 */
export function frameWithList(frame: Frame, key: string, list: Uint8Array): Uint8Array[] {
  const { payload } = frame;
  if (payload[0] !== OPEN_BRACE || payload[payload.length - 1] !== CLOSE_BRACE) {
    throw new TypeError("frameWithList needs a payload that is a compact JSON object");
  }
  const fields = payload.subarray(0, payload.length - 1); // the object without "}"
  const name = encoder.encode(`${fields.length > 1 ? "," : ""}${JSON.stringify(key)}:`);
  const size = fields.length + name.length + list.length + CLOSE.length;
  const head = new Uint8Array(HEADER_SIZE + fields.length + name.length);
  writeHeader(frame, head, 0, size);
  head.set(fields, HEADER_SIZE);
  head.set(name, HEADER_SIZE + fields.length);
  return [head, list, CLOSE];
}
