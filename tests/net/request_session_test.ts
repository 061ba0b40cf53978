/**
 * The client side's request/response session (lib/net/request_session.ts), against a scripted
 * server on loopback that reads the client's frames and answers as each test says.
 */

import { deepStrictEqual, equal, ok, rejects } from "node:assert/strict";
import { type Frame, Kind, makeFrame, Status } from "../../lib/wire/frame.ts";
import { FrameConnection } from "../../lib/wire/frame_connection.ts";
import {
  endLine,
  RequestError,
  RequestSession,
  type RequestSessionOptions,
  SERVER_CLOSED,
} from "../../lib/net/request_session.ts";

/** Options for a session that sends no heartbeat within a test's time. */
const QUIET: RequestSessionOptions = { heartbeatType: "H", heartbeatMs: 60_000 };

/** A session that records what its hooks saw. */
class Recorder extends RequestSession {
  readonly seen: string[] = [];

  protected override onIndication(frame: Frame): void {
    this.seen.push(`indication ${frame.type}`);
  }

  protected override onEnd(reason: string): void {
    this.seen.push(`end: ${reason}`);
  }
}

/** A session connected to a server the test drives frame by frame. */
async function connected(options: RequestSessionOptions = QUIET) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const server = new FrameConnection(await accepted);
  listener.close();
  const session = new Recorder(conn, options);
  return {
    session,
    server,
    /** Read the client's next frame. */
    async next(): Promise<Frame> {
      const frame = await server.read();
      ok(frame, "the client closed");
      return frame;
    },
    /** Answer a request. */
    answer(request: Frame, fields: { status?: number; payload?: unknown } = {}): Promise<void> {
      return server.write(makeFrame(Kind.Response, request.type, { id: request.id, ...fields }));
    },
    async [Symbol.asyncDispose]() {
      session.close();
      await session.closed;
      server.close();
    },
  };
}

Deno.test("request() matches each response to its request by id, in whatever order they come", async () => {
  await using t = await connected();
  const time = t.session.request("T");
  const name = t.session.request("N", { detail: true });
  const [first, second] = [await t.next(), await t.next()];
  deepStrictEqual([first.kind, first.type, second.type], [Kind.Request, "T", "N"]);
  ok(first.id !== second.id && first.id > 0 && second.id > 0);
  await t.answer(second, { payload: { name: "lab" } });
  await t.answer(first, { payload: { time: 1 } });
  equal((await name).id, second.id);
  equal((await time).id, first.id);
  equal(t.session.unexpected, 0);
});

Deno.test("request() rejects a refusal with its status, worded by refusalText", async () => {
  await using t = await connected({ ...QUIET, refusalText: (f) => `refused with ${f.status}` });
  const reply = t.session.request("X");
  await t.answer(await t.next(), { status: Status.UnknownType });
  await rejects(reply, new RequestError(Status.UnknownType, `refused with ${Status.UnknownType}`));
  ok((await reply.catch((e) => e)) instanceof RequestError);
});

Deno.test("request() gives up after requestTimeoutMs; a late answer is counted as unexpected", async () => {
  await using t = await connected({ ...QUIET, requestTimeoutMs: 50 });
  const slow = t.session.request("T");
  const request = await t.next();
  await rejects(slow, (e) => e instanceof RequestError && e.status === Status.Timeout);
  await rejects(slow, { message: 'No answer to "T" within 0.05 s' });
  await t.answer(request); // too late
  const ping = t.session.request("H"); // a round trip behind the late answer
  await t.answer(await t.next());
  await ping;
  equal(t.session.unexpected, 1);
});

Deno.test("when the server closes, pending requests fail with Gone and closed says why", async () => {
  await using t = await connected();
  const pending = t.session.request("T");
  await t.next();
  t.server.close();
  equal(await t.session.closed, SERVER_CLOSED);
  await rejects(pending, new RequestError(Status.Gone, endLine(SERVER_CLOSED)));
  equal(endLine(SERVER_CLOSED), "The server closed the connection.");
  ok(t.session.ended);
  await rejects(t.session.request("T"), { message: "Not connected to the server" });
  // onEnd ran once every pending request had failed.
  deepStrictEqual(t.session.seen, [`end: ${SERVER_CLOSED}`]);
});

Deno.test("closing the session ourselves ends it as 'closed', with no failure recorded", async () => {
  await using t = await connected();
  const pending = t.session.request("T");
  t.session.close();
  equal(await t.session.closed, "closed");
  await rejects(pending, (e) => e instanceof RequestError && e.status === Status.Gone);
  equal(t.session.failure, undefined);
});

Deno.test("reserveId() hands out an id no request takes; a request can use it on purpose", async () => {
  await using t = await connected();
  const reserved = t.session.reserveId();
  const ids = new Set<number>();
  const replies = [];
  for (let i = 0; i < 5; i++) {
    replies.push(t.session.request("T"));
    ids.add((await t.next()).id);
  }
  ok(!ids.has(reserved), `${reserved} was reused`);
  const own = t.session.request("U", undefined, { id: reserved });
  const frame = await t.next();
  equal(frame.id, reserved);
  await t.answer(frame);
  await own;
  t.session.releaseId(reserved);
  t.session.close();
  await Promise.allSettled(replies);
});

Deno.test("inReader runs on the response before the next frame is read", async () => {
  await using t = await connected();
  const started = Promise.withResolvers<void>();
  const gate = Promise.withResolvers<void>();
  const reply = t.session.request("G", undefined, {
    inReader: async () => {
      started.resolve();
      await gate.promise;
      t.session.seen.push("inReader done");
    },
  });
  await t.answer(await t.next());
  await started.promise;
  // An indication right behind the response waits until the step has finished.
  await t.server.write(makeFrame(Kind.Indication, "D"));
  gate.resolve();
  await reply;
  const ping = t.session.request("H");
  await t.answer(await t.next());
  await ping;
  deepStrictEqual(t.session.seen, ["inReader done", "indication D"]);
});

Deno.test("an idle session sends heartbeats; each is an ordinary request", async () => {
  await using t = await connected({ heartbeatType: "H", heartbeatMs: 20 });
  for (let i = 0; i < 2; i++) {
    const heartbeat = await t.next();
    deepStrictEqual([heartbeat.kind, heartbeat.type], [Kind.Request, "H"]);
    await t.answer(heartbeat);
  }
});

Deno.test("goodbye() waits for the answer at most graceMs, then closes", async () => {
  await using t = await connected();
  const leaving = t.session.goodbye("Q", 50);
  equal((await t.next()).type, "Q"); // never answered
  await leaving;
  equal(await t.session.closed, "closed");
});
