import { deepStrictEqual, equal, rejects } from "node:assert/strict";
import {
  encodeFrame,
  encodeFrames,
  Kind,
  makeFrame,
  payloadJson,
  ProtocolError,
} from "../../lib/wire/frame.ts";
import { writeAll } from "../../lib/wire/bytes.ts";
import { FrameConnection } from "../../lib/wire/frame_connection.ts";

/** A connected client and server socket on loopback. */
async function socketPair(): Promise<[Deno.TcpConn, Deno.TcpConn]> {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const [client, server] = await Promise.all([
    Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
    listener.accept(),
  ]);
  return [client, server];
}

Deno.test("FrameConnection reads frames until a clean close, then null", async () => {
  const [a, b] = await socketPair();
  const reader = new FrameConnection(b);
  const writer = new FrameConnection(a);
  const frames = Array.from({ length: 100 }, (_, i) => makeFrame(Kind.Request, "T", { id: i }));
  await writer.write(frames.slice(0, 50)); // one write for many frames
  for (const f of frames.slice(50)) await writer.write(f);
  writer.close();
  const got = [];
  for await (const f of reader) got.push(f);
  deepStrictEqual(got, frames);
  equal(await reader.read(), null);
  reader.close();
});

Deno.test("FrameConnection throws when the peer closes in the middle of a frame", async () => {
  const [a, b] = await socketPair();
  const bytes = encodeFrame(makeFrame(Kind.Request, "M", { payload: { text: "hello" } }));
  await writeAll(a, bytes.subarray(0, bytes.length - 2));
  a.close();
  const reader = new FrameConnection(b);
  await rejects(reader.read(), (e) => e instanceof ProtocolError && e.code === "truncated");
  reader.close();
});

Deno.test("FrameConnection keeps concurrent writes whole and in call order", async () => {
  const [a, b] = await socketPair();
  const writer = new FrameConnection(a);
  const big = new Uint8Array(900 * 1024).fill(7);
  const sends = [];
  for (let i = 0; i < 20; i++) {
    sends.push(writer.write(makeFrame(Kind.Indication, "D", { id: i, payload: big })));
    sends.push(writer.write(makeFrame(Kind.Indication, "C", { id: i, payload: { i } })));
  }
  const reader = new FrameConnection(b);
  const got = [];
  for (let i = 0; i < 40; i++) got.push(await reader.read());
  await Promise.all(sends);
  deepStrictEqual(
    got.map((f) => `${f!.type}${f!.id}`),
    sends.map((_, i) => `${i % 2 ? "C" : "D"}${i >> 1}`),
  );
  deepStrictEqual(payloadJson(got[39]!), { i: 19 });
  writer.close();
  reader.close();
});

Deno.test("FrameConnection answers the frames before a bad header, then fails without more bytes", async () => {
  const [a, b] = await socketPair();
  const good = encodeFrame(makeFrame(Kind.Request, "T", { id: 1 }));
  const bad = encodeFrame(makeFrame(Kind.Request, "T", { id: 2 }));
  bad[2] = 9; // version
  const both = new Uint8Array(good.length + bad.length);
  both.set(good);
  both.set(bad, good.length);
  await writeAll(a, both); // one write, and the peer stays silent afterwards
  const reader = new FrameConnection(b);
  equal((await reader.read())!.id, 1);
  await rejects(reader.read(), (e) => e instanceof ProtocolError && e.code === "bad-version");
  reader.close();
  a.close();
});

Deno.test("FrameConnection.readyFrames counts the frames read off the socket but not yet returned", async () => {
  const [a, b] = await socketPair();
  const reader = new FrameConnection(b);
  const frames = Array.from({ length: 3 }, (_, i) => makeFrame(Kind.Request, "T", { id: i }));
  await writeAll(a, encodeFrames(frames)); // one write, so one read brings all three
  equal(reader.readyFrames, 0);
  const seen = [];
  for (let i = 0; i < 3; i++) {
    deepStrictEqual(await reader.read(), frames[i]);
    seen.push(reader.readyFrames);
  }
  deepStrictEqual(seen, [2, 1, 0]);
  a.close();
  equal(await reader.read(), null);
  reader.close();
});
