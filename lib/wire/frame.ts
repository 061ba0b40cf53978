/**
 * The LP frame: the one wire format every framed program in this project speaks.
 *
 * ```
 *  0       2       3       4       5       6       8              12
 *  +-------+-------+-------+-------+-------+-------+---------------+----------------+
 *  | "LP"  |version| kind  | type  |status |  id   | payload length| payload ...    |
 *  +-------+-------+-------+-------+-------+-------+---------------+----------------+
 * ```
 *
 * All integers are big-endian. The payload is UTF-8 JSON for structured data and raw bytes
 * for file chunks. This module only turns frames into bytes and bytes into frames; it does
 * no I/O, so a test can feed it bytes split or merged in any way TCP might deliver them.
 *
 * The header is a public contract (the Wireshark dissector and other people's clients are
 * built against it): new operations add types and statuses, never header fields.
 *
 * @module
 */

/** The two magic bytes "LP" as one big-endian number. */
export const MAGIC = 0x4c50;
/** The only header version this code speaks. */
export const VERSION = 1;
/** Bytes in a header. */
export const HEADER_SIZE = 12;
/**
 * Default cap on a payload. 1 MiB holds any JSON message and a generous file chunk, yet keeps
 * a hostile peer from making us buffer gigabytes by announcing a huge length.
 */
export const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

/** What a frame is: a question, its answer, or news nobody asked for. */
export const Kind = {
  Request: 1,
  Response: 2,
  Indication: 3,
} as const;
/** One of the values of {@linkcode Kind}. */
export type Kind = typeof Kind[keyof typeof Kind];

/**
 * Status codes shared by every protocol on this frame. 0 is success; the rest name a failure
 * so that a client, or Wireshark, can tell them apart without parsing the payload.
 */
export const Status = {
  Ok: 0,
  /** The frame itself was malformed (sent just before the connection is closed). */
  BadFrame: 1,
  /** The type letter is not one this peer knows. */
  UnknownType: 2,
  /** The payload is not the JSON this type expects. */
  BadPayload: 3,
  /** No such client, user or file. */
  NotFound: 4,
  /** The peer did not answer in time (for example, no acknowledgement). */
  Timeout: 5,
  /** The target disconnected before it could be reached. */
  Gone: 6,
  /** The server is full. */
  Full: 7,
  /** A file or message is over a limit. */
  TooLarge: 8,
  /** The name is already taken. */
  Taken: 9,
  /** The request does not fit the session's state (for example, chatting before joining). */
  BadState: 10,
  /** A file's size or SHA-256 did not match what was announced. */
  Integrity: 11,
  /** The server could not do it for a reason of its own (disk full, shutting down). */
  ServerError: 12,
  /** The peer did not read what was sent to it, so it was dropped (sent just before closing). */
  Slow: 13,
  /** The name belongs to an account: a password (or a session token) is needed. */
  AuthRequired: 14,
  /** The name and password (or token) did not match, or the account is banned. */
  AuthFailed: 15,
  /** The peer kept sending faster than the server allows (sent just before closing). */
  RateLimited: 16,
} as const;
/** One of the values of {@linkcode Status}. */
export type Status = typeof Status[keyof typeof Status];

/** One decoded or to-be-encoded frame. */
export interface Frame {
  /** Request, response or indication. */
  kind: Kind;
  /** The operation, a single ASCII character such as `"T"`. */
  type: string;
  /** 0 for success, otherwise one of {@linkcode Status}. */
  status: number;
  /** Request id (echoed by the response), or 0, or a transfer id in an indication. */
  id: number;
  /** The payload bytes; empty when there is none. */
  payload: Uint8Array;
}

/** Why a byte stream was rejected. */
export type ProtocolErrorCode =
  | "bad-magic"
  | "bad-version"
  | "bad-kind"
  | "too-long"
  | "truncated"
  | "bad-field";

/**
 * The bytes from the peer do not form a valid frame. Callers catch it by type: answer with
 * {@linkcode Status.BadFrame} if they like, then close, because the stream cannot be resynchronised.
 */
export class ProtocolError extends Error {
  /** Machine-readable reason. */
  readonly code: ProtocolErrorCode;

  /**
   * @param code Machine-readable reason.
   * @param message Human-readable explanation.
   */
  constructor(code: ProtocolErrorCode, message: string) {
    super(message);
    this.name = "ProtocolError";
    this.code = code;
  }
}

const EMPTY = new Uint8Array(0);

/**
 * Small payloads are cut from a shared slab, as Node's `Buffer.allocUnsafe` does from its
 * pool (this file also runs in the browser, which has no `Buffer`): a typed array of its own
 * costs an `ArrayBuffer` each, about 0.7 µs of a 30 µs LP round trip here, a view of the slab
 * 30 ns. Each part of a slab is handed out once, so a payload never shares bytes with
 * another. A payload kept alive keeps its slab alive, so slabs are small and only payloads up
 * to {@linkcode SLAB_MOST} bytes come from one.
 */
const SLAB_SIZE = 8 * 1024;
const SLAB_MOST = 512;
let slab = new Uint8Array(SLAB_SIZE);
let slabUsed = 0;

/** A zeroed buffer for a payload of `length` bytes. */
function payloadBuffer(length: number): Uint8Array {
  if (length === 0) return EMPTY;
  if (length > SLAB_MOST) return new Uint8Array(length);
  if (slabUsed + length > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE);
    slabUsed = 0;
  }
  const at = slabUsed;
  slabUsed += length;
  return slab.subarray(at, slabUsed);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Build a frame, filling in defaults.
 *
 * @param kind Request, response or indication.
 * @param type The operation letter.
 * @param fields Optional id, status and payload; a payload that is not bytes is sent as JSON.
 * @returns The frame, ready for {@linkcode encodeFrame}.
 *
 * @example Make a time request
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * const f = makeFrame(Kind.Request, "T", { id: 7 });
 * deepStrictEqual([f.kind, f.type, f.id, f.status, f.payload.length], [1, "T", 7, 0, 0]);
 * ```
 */
export function makeFrame(
  kind: Kind,
  type: string,
  fields: { id?: number; status?: number; payload?: Uint8Array | unknown } = {},
): Frame {
  const { id = 0, status = Status.Ok, payload } = fields;
  const bytes = payload === undefined
    ? EMPTY
    : payload instanceof Uint8Array
    ? payload
    : encoder.encode(JSON.stringify(payload));
  return { kind, type, status, id, payload: bytes };
}

function checkHeaderFields(frame: Frame): void {
  if (frame.type.length !== 1 || frame.type.charCodeAt(0) > 0x7f) {
    throw new TypeError(`Frame type must be one ASCII character, got "${frame.type}"`);
  }
  if (!Number.isInteger(frame.id) || frame.id < 0 || frame.id > 0xffff) {
    throw new RangeError(`Frame id must be 0..65535, got ${frame.id}`);
  }
  if (!Number.isInteger(frame.status) || frame.status < 0 || frame.status > 0xff) {
    throw new RangeError(`Frame status must be 0..255, got ${frame.status}`);
  }
  if (frame.kind !== 1 && frame.kind !== 2 && frame.kind !== 3) {
    throw new RangeError(`Frame kind must be 1, 2 or 3, got ${frame.kind}`);
  }
}

/**
 * Write a frame's 12-byte header into `target` at `offset`.
 *
 * @param frame The frame whose header to write.
 * @param target Where to write.
 * @param offset Byte offset in `target`.
 * @param length The payload's length: the frame's own, unless its payload is sent in pieces.
 * @throws {TypeError | RangeError} When a field does not fit its header slot.
 */
export function writeHeader(
  frame: Frame,
  target: Uint8Array,
  offset = 0,
  length = frame.payload.length,
): void {
  checkHeaderFields(frame);
  if (offset < 0 || offset + HEADER_SIZE > target.length) {
    throw new RangeError(`No room for a header at offset ${offset}`);
  }
  // Byte by byte, big-endian: a DataView per frame cost more than the rest of the header.
  target[offset] = MAGIC >> 8;
  target[offset + 1] = MAGIC & 0xff;
  target[offset + 2] = VERSION;
  target[offset + 3] = frame.kind;
  target[offset + 4] = frame.type.charCodeAt(0);
  target[offset + 5] = frame.status;
  target[offset + 6] = frame.id >> 8;
  target[offset + 7] = frame.id & 0xff;
  target[offset + 8] = length >>> 24;
  target[offset + 9] = (length >>> 16) & 0xff;
  target[offset + 10] = (length >>> 8) & 0xff;
  target[offset + 11] = length & 0xff;
}

/**
 * Encode a frame's header alone, in a buffer of its own: for a large payload (a file chunk)
 * that is sent from where it is, right after its header, rather than copied next to it.
 *
 * @param frame The frame; its payload length is used.
 * @returns The 12 header bytes.
 * @throws {TypeError | RangeError} When a field does not fit its header slot.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * const header = encodeHeader(makeFrame(Kind.Indication, "D", { payload: new Uint8Array(5) }));
 * equal(header.length, HEADER_SIZE);
 * equal(header[11], 5);
 * ```
 */
export function encodeHeader(frame: Frame): Uint8Array {
  const header = new Uint8Array(HEADER_SIZE);
  writeHeader(frame, header);
  return header;
}

/**
 * Encode frames into one buffer, header then payload, back to back. Encoding several at once
 * lets a sender hand the kernel one write instead of one per frame.
 *
 * @param frames The frames to encode.
 * @returns The bytes to send.
 * @throws {TypeError | RangeError} When a header field does not fit.
 *
 * @example Encode and decode again
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * const bytes = encodeFrames([makeFrame(Kind.Request, "T", { id: 1 })]);
 * deepStrictEqual(bytes.length, 12);
 * deepStrictEqual(new FrameDecoder().push(bytes)[0].type, "T");
 * ```
 */
export function encodeFrames(frames: readonly Frame[]): Uint8Array {
  let total = 0;
  for (const f of frames) total += HEADER_SIZE + f.payload.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const f of frames) at += encodeFrameInto(f, out, at);
  return out;
}

/**
 * Encode a frame, header then payload, into `target` at `offset`.
 *
 * @param frame The frame.
 * @param target Where to write; it must have room for the whole frame.
 * @param offset Byte offset in `target`.
 * @returns The bytes written.
 * @throws {TypeError | RangeError} When a header field does not fit, or the frame does not.
 */
export function encodeFrameInto(frame: Frame, target: Uint8Array, offset: number): number {
  writeHeader(frame, target, offset);
  target.set(frame.payload, offset + HEADER_SIZE);
  return HEADER_SIZE + frame.payload.length;
}

/**
 * Encode one frame.
 *
 * @param frame The frame.
 * @returns Its bytes.
 */
export function encodeFrame(frame: Frame): Uint8Array {
  return encodeFrames([frame]);
}

/**
 * Read a JSON payload.
 *
 * @param frame A frame whose payload is UTF-8 JSON.
 * @returns The parsed value.
 * @throws {ProtocolError} With code `bad-field` when the payload is not valid UTF-8 JSON.
 */
export function payloadJson(frame: Frame): unknown {
  try {
    return JSON.parse(decoder.decode(frame.payload));
  } catch {
    throw new ProtocolError("bad-field", `Payload of "${frame.type}" is not valid UTF-8 JSON`);
  }
}

/**
 * Turns a byte stream into whole frames, whatever sizes the bytes arrive in.
 *
 * @remarks
 * The header is checked as soon as its 12 bytes are in, so a bad magic, version, kind or an
 * over-long length is rejected before a buffer of the announced size is allocated. Each payload
 * is copied once into a buffer of its own, so the caller may reuse the buffer it pushed.
 * After a {@linkcode ProtocolError} the decoder is unusable: the stream has lost its boundaries.
 *
 * @example Bytes split anywhere come out as whole frames
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * const bytes = encodeFrame(makeFrame(Kind.Response, "N", { id: 2, payload: { name: "lp" } }));
 * const d = new FrameDecoder();
 * deepStrictEqual(d.push(bytes.subarray(0, 5)), []);
 * deepStrictEqual(d.push(bytes.subarray(5)).length, 1);
 * ```
 */
export class FrameDecoder {
  readonly #maxPayload: number;
  readonly #header = new Uint8Array(HEADER_SIZE);
  readonly #headerView = new DataView(this.#header.buffer);
  #headerFill = 0;
  #current: Frame | null = null;
  #payloadFill = 0;
  #failed = false;
  /** An error found after good frames in the same push, raised on the next call. */
  #pendingError: ProtocolError | null = null;

  /**
   * @param options.maxPayload Largest payload accepted, in bytes (default 1 MiB).
   */
  constructor(options: { maxPayload?: number } = {}) {
    this.#maxPayload = options.maxPayload ?? DEFAULT_MAX_PAYLOAD;
  }

  /** True when part of a frame has been pushed but not yet completed. */
  get midFrame(): boolean {
    return this.#headerFill > 0 || this.#current !== null;
  }

  /**
   * Feed bytes in; get out every frame they complete, in order.
   *
   * @param chunk Any number of bytes, as they came off the wire.
   * @returns The frames completed by this chunk (often none, sometimes many).
   * @throws {ProtocolError} On a bad magic, version or kind, or a length over the limit.
   */
  push(chunk: Uint8Array): Frame[] {
    this.throwIfFailed();
    const out: Frame[] = [];
    try {
      this.#decodeInto(chunk, out);
    } catch (err) {
      // Frames that arrived whole before the bad bytes are still answered; the error waits for
      // the next call, which is the reader's next step anyway.
      if (!(err instanceof ProtocolError) || out.length === 0) throw err;
      this.#pendingError = err;
    }
    return out;
  }

  /**
   * Raise the protocol error this decoder has met, if any. A reader calls it before waiting
   * for more bytes, so an error found behind good frames is not left waiting on a silent peer.
   *
   * @throws {ProtocolError} The error that stopped decoding.
   */
  throwIfFailed(): void {
    if (this.#pendingError) {
      const err = this.#pendingError;
      this.#pendingError = null;
      throw err;
    }
    if (this.#failed) throw new ProtocolError("bad-field", "Decoder already failed");
  }

  #decodeInto(chunk: Uint8Array, out: Frame[]): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.#current === null) {
        const take = Math.min(HEADER_SIZE - this.#headerFill, chunk.length - at);
        this.#header.set(chunk.subarray(at, at + take), this.#headerFill);
        this.#headerFill += take;
        at += take;
        if (this.#headerFill < HEADER_SIZE) break;
        this.#headerFill = 0;
        this.#current = this.#parseHeader();
        this.#payloadFill = 0;
      }
      const frame = this.#current;
      const need = frame.payload.length - this.#payloadFill;
      const take = Math.min(need, chunk.length - at);
      if (take > 0) {
        frame.payload.set(chunk.subarray(at, at + take), this.#payloadFill);
        this.#payloadFill += take;
        at += take;
      }
      if (this.#payloadFill === frame.payload.length) {
        out.push(frame);
        this.#current = null;
      }
    }
  }

  /**
   * Where the rest of the current payload goes, so a reader can have the kernel copy a large
   * payload straight into it instead of through a read buffer.
   *
   * @returns The unfilled part of the current frame's payload, or `null` between frames.
   *
   * @example Fill a payload in place
   * ```ts
   * import { deepStrictEqual } from "node:assert/strict";
   * const bytes = encodeFrame(makeFrame(Kind.Indication, "D", { payload: new Uint8Array(8) }));
   * const d = new FrameDecoder();
   * d.push(bytes.subarray(0, 12));
   * const space = d.payloadSpace()!;
   * space.set(bytes.subarray(12));
   * deepStrictEqual(d.filled(space.length).length, 1);
   * ```
   */
  payloadSpace(): Uint8Array | null {
    const frame = this.#current;
    if (this.#failed || frame === null) return null;
    return frame.payload.subarray(this.#payloadFill);
  }

  /**
   * Count bytes written into {@linkcode FrameDecoder.payloadSpace} as received.
   *
   * @param count How many bytes were written there, from its start.
   * @returns The frame, once its payload is complete; otherwise nothing.
   * @throws {RangeError} When there is no payload in progress or `count` is more than its space.
   */
  filled(count: number): Frame[] {
    const frame = this.#current;
    if (this.#failed || frame === null || count > frame.payload.length - this.#payloadFill) {
      throw new RangeError(`No room for ${count} payload bytes`);
    }
    this.#payloadFill += count;
    if (this.#payloadFill < frame.payload.length) return [];
    this.#current = null;
    return [frame];
  }

  /**
   * Declare the end of the stream.
   *
   * @throws {ProtocolError} With code `truncated` when the stream stopped inside a frame.
   */
  end(): void {
    this.throwIfFailed();
    if (this.midFrame) {
      throw new ProtocolError("truncated", "Connection closed in the middle of a frame");
    }
  }

  #parseHeader(): Frame {
    const view = this.#headerView;
    const magic = view.getUint16(0);
    if (magic !== MAGIC) {
      this.#fail("bad-magic", `Bad magic 0x${magic.toString(16).padStart(4, "0")}`);
    }
    const version = view.getUint8(2);
    if (version !== VERSION) this.#fail("bad-version", `Unsupported version ${version}`);
    const kind = view.getUint8(3);
    if (kind < 1 || kind > 3) this.#fail("bad-kind", `Unknown kind ${kind}`);
    const length = view.getUint32(8);
    if (length > this.#maxPayload) {
      this.#fail("too-long", `Payload length ${length} is over the limit of ${this.#maxPayload}`);
    }
    return {
      kind: kind as Kind,
      type: String.fromCharCode(view.getUint8(4)),
      status: view.getUint8(5),
      id: view.getUint16(6),
      payload: payloadBuffer(length),
    };
  }

  #fail(code: ProtocolErrorCode, message: string): never {
    this.#failed = true;
    throw new ProtocolError(code, message);
  }
}
