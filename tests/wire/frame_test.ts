import { deepStrictEqual, throws } from "node:assert/strict";
// Imported here rather than through deno.json's "imports": Deno fetches every package listed there
// before running anything, and no program may need the npm registry; only the tests do.
// deno-lint-ignore no-import-prefix
import fc from "npm:fast-check@4.10.2";
import {
  DEFAULT_MAX_PAYLOAD,
  encodeFrame,
  encodeFrames,
  type Frame,
  FrameDecoder,
  HEADER_SIZE,
  Kind,
  makeFrame,
  payloadJson,
  ProtocolError,
} from "../../lib/wire/frame.ts";

const frameArb: fc.Arbitrary<Frame> = fc.record({
  kind: fc.constantFrom(Kind.Request, Kind.Response, Kind.Indication),
  type: fc.integer({ min: 0x41, max: 0x5a }).map((c) => String.fromCharCode(c)),
  status: fc.integer({ min: 0, max: 255 }),
  id: fc.integer({ min: 0, max: 0xffff }),
  payload: fc.uint8Array({ maxLength: 64 }),
}).map((f) => ({ ...f })); // fast-check records have a null prototype; decoded frames do not

function decodeAll(pieces: Uint8Array[]): Frame[] {
  const d = new FrameDecoder();
  const out = pieces.flatMap((p) => d.push(p));
  d.end();
  return out;
}

/** Cut `bytes` at the given offsets (in any order, duplicates allowed). */
function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    pieces.push(bytes.subarray(prev, p));
    prev = p;
  }
  return pieces;
}

function expectProtocolError(fn: () => unknown, code: string): void {
  throws(fn, (err: unknown) => err instanceof ProtocolError && err.code === code);
}

Deno.test("encodeFrame() writes the 12-byte big-endian header from the contract", () => {
  const bytes = encodeFrame(makeFrame(Kind.Request, "T", { id: 0x0102, status: 3 }));
  deepStrictEqual([...bytes], [0x4c, 0x50, 1, 1, 0x54, 3, 1, 2, 0, 0, 0, 0]);
  const withPayload = encodeFrame(makeFrame(Kind.Indication, "M", { payload: { a: 1 } }));
  deepStrictEqual(withPayload.length, HEADER_SIZE + 7);
  deepStrictEqual([...withPayload.subarray(8, 12)], [0, 0, 0, 7]);
});

Deno.test("FrameDecoder round-trips every kind, with JSON and raw payloads", () => {
  for (const kind of [Kind.Request, Kind.Response, Kind.Indication]) {
    const json = makeFrame(kind, "N", { id: 9, payload: { name: "A甘晴void" } });
    const raw = makeFrame(kind, "D", { id: 65535, status: 255, payload: new Uint8Array([0, 255]) });
    const [a, b] = decodeAll([encodeFrames([json, raw])]);
    deepStrictEqual(a, json);
    deepStrictEqual(payloadJson(a), { name: "A甘晴void" });
    deepStrictEqual(b, raw);
  }
});

Deno.test("FrameDecoder gives 1,000 frames back in order however the stream is cut", () => {
  fc.assert(
    fc.property(
      fc.array(frameArb, { minLength: 1000, maxLength: 1000 }),
      fc.array(fc.nat(), { maxLength: 200 }),
      (frames, cuts) => {
        const bytes = encodeFrames(frames);
        deepStrictEqual(decodeAll([bytes]), frames, "one buffer");
        deepStrictEqual(decodeAll(splitAt(bytes, cuts)), frames, "random cuts");
      },
    ),
    { numRuns: 20 },
  );
});

Deno.test("FrameDecoder decodes 1,000 frames fed byte by byte", () => {
  const frames = fc.sample(frameArb, { numRuns: 1000, seed: 42 });
  const bytes = encodeFrames(frames);
  const pieces = Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
  deepStrictEqual(decodeAll(pieces), frames);
});

Deno.test("FrameDecoder.end() rejects a stream truncated inside a header or a payload", () => {
  const bytes = encodeFrame(makeFrame(Kind.Request, "M", { payload: { to: 2, text: "hi" } }));
  for (const cut of [1, HEADER_SIZE - 1, HEADER_SIZE, bytes.length - 1]) {
    const d = new FrameDecoder();
    deepStrictEqual(d.push(bytes.subarray(0, cut)), []);
    expectProtocolError(() => d.end(), "truncated");
  }
});

Deno.test("FrameDecoder rejects a bad magic, version or kind", () => {
  const good = encodeFrame(makeFrame(Kind.Request, "T"));
  const cases: [number, number, string][] = [[0, 0x47, "bad-magic"], [2, 2, "bad-version"], [
    3,
    0,
    "bad-kind",
  ], [3, 4, "bad-kind"]];
  for (const [offset, value, code] of cases) {
    const bad = good.slice();
    bad[offset] = value;
    expectProtocolError(() => new FrameDecoder().push(bad), code);
  }
});

Deno.test("FrameDecoder rejects a 4 GiB length from the header alone", () => {
  const header = encodeFrame(makeFrame(Kind.Request, "U"));
  header.set([0xff, 0xff, 0xff, 0xff], 8);
  expectProtocolError(() => new FrameDecoder().push(header), "too-long");
  // One byte over a custom limit is refused too; exactly the limit is fine.
  const atLimit = encodeFrame(makeFrame(Kind.Request, "U", { payload: new Uint8Array(10) }));
  deepStrictEqual(new FrameDecoder({ maxPayload: 10 }).push(atLimit).length, 1);
  expectProtocolError(() => new FrameDecoder({ maxPayload: 9 }).push(atLimit), "too-long");
  deepStrictEqual(DEFAULT_MAX_PAYLOAD, 1024 * 1024);
});

Deno.test("FrameDecoder refuses to go on after a protocol error", () => {
  const d = new FrameDecoder();
  const bad = encodeFrame(makeFrame(Kind.Request, "T"));
  bad[0] = 0;
  expectProtocolError(() => d.push(bad), "bad-magic");
  throws(() => d.push(encodeFrame(makeFrame(Kind.Request, "T"))), ProtocolError);
});

Deno.test("payloadJson() rejects invalid JSON with a ProtocolError", () => {
  const f = makeFrame(Kind.Request, "M", { payload: new TextEncoder().encode("{nope") });
  expectProtocolError(() => payloadJson(f), "bad-field");
});

Deno.test("encodeFrame() refuses header fields that do not fit", () => {
  throws(() => encodeFrame(makeFrame(Kind.Request, "TT")), TypeError);
  throws(() => encodeFrame(makeFrame(Kind.Request, "T", { id: 65536 })), RangeError);
  throws(() => encodeFrame(makeFrame(Kind.Request, "T", { status: 256 })), RangeError);
});

Deno.test("FrameDecoder returns the frames before a bad header, then raises its error", () => {
  const good = encodeFrames([
    makeFrame(Kind.Request, "T", { id: 1 }),
    makeFrame(Kind.Request, "N", { id: 2 }),
  ]);
  const bad = encodeFrame(makeFrame(Kind.Request, "T", { id: 3 }));
  bad[0] = 0x58;
  const d = new FrameDecoder();
  const bytes = new Uint8Array(good.length + bad.length);
  bytes.set(good);
  bytes.set(bad, good.length);
  deepStrictEqual(d.push(bytes).map((f) => f.id), [1, 2]);
  throws(
    () => d.throwIfFailed(),
    (e: unknown) => e instanceof ProtocolError && e.code === "bad-magic",
  );
  throws(() => d.push(new Uint8Array(0)), ProtocolError);
});

Deno.test("decoded payloads never share bytes, whether cut from a slab or given their own buffer", () => {
  const sizes = [1, 35, 512, 513, 600, 4000, 8000, 3];
  const frames = Array.from(
    { length: 400 },
    (_, i) => makeFrame(Kind.Indication, "C", { payload: new Uint8Array(sizes[i % sizes.length]) }),
  );
  frames.forEach((f, i) => f.payload.fill(i % 251));
  const decoded = new FrameDecoder().push(encodeFrames(frames));
  deepStrictEqual(decoded, frames);
  for (const f of decoded) f.payload.fill(255); // overwriting each payload in turn...
  decoded.forEach((f, i) => {
    // ...leaves the bytes the others' views show alone: each ends where the next begins.
    deepStrictEqual(f.payload.length, sizes[i % sizes.length]);
    deepStrictEqual(f.payload.every((b) => b === 255), true);
  });
  const small = decoded.filter((f) => f.payload.length <= 512);
  for (let i = 1; i < small.length; i++) {
    const [a, b] = [small[i - 1].payload, small[i].payload];
    if (a.buffer !== b.buffer) continue;
    deepStrictEqual(a.byteOffset + a.length <= b.byteOffset, true, "views overlap");
  }
});
