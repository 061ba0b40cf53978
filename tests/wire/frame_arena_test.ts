import { deepStrictEqual, equal, notEqual } from "node:assert/strict";
import { FrameDecoder, Kind, makeFrame } from "../../lib/wire/frame.ts";
import { FrameArena } from "../../lib/wire/frame_arena.ts";

Deno.test("FrameArena encodes frames back to back, starting a new buffer when one is full", () => {
  const arena = new FrameArena(64);
  const frame = (text: string) => makeFrame(Kind.Indication, "C", { payload: text });
  const a = arena.encode(frame("aa")), b = arena.encode(frame("bb"));
  equal(a.buffer, b.buffer);
  equal(b.byteOffset, a.byteOffset + a.length);
  const many = Array.from({ length: 5 }, (_, i) => arena.encode(frame(`m${i}`)));
  notEqual(many.at(-1)!.buffer, a.buffer, "a full buffer is left as it is");
  const decoded = [a, b, ...many].flatMap((bytes) => new FrameDecoder().push(bytes));
  deepStrictEqual(
    decoded.map((f) => new TextDecoder().decode(f.payload)),
    ['"aa"', '"bb"', '"m0"', '"m1"', '"m2"', '"m3"', '"m4"'],
  );
});

Deno.test("FrameArena gives a frame over a quarter of its size a buffer of its own", () => {
  const arena = new FrameArena(64);
  const big = arena.encode(makeFrame(Kind.Indication, "C", { payload: "x".repeat(20) }));
  equal(big.byteOffset, 0);
  equal(big.buffer.byteLength, big.length);
});
