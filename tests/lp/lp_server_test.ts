/**
 * The LP server through its task, driven by raw frames and by the client's LpSession: every
 * request, message forwarding with acknowledgement, eviction of a silent client, malformed
 * frames, load, the console and shutdown.
 */

import { deepStrictEqual, equal, match, ok, rejects } from "node:assert/strict";
import {
  encodeFrames,
  type Frame,
  Kind,
  makeFrame,
  payloadJson,
  Status,
} from "../../lib/wire/frame.ts";
import {
  LP_MAX_PAYLOAD,
  LpType,
  parseListReply,
  parseNotice,
  parseTimeReply,
  request,
} from "../../lib/lp/protocol.ts";
import { LpSession } from "../../lib/lp/client_session.ts";
import { runAction, timeBurst } from "../../lib/lp/client_actions.ts";
import { RequestError } from "../../lib/net/request_session.ts";
import { rawHeader, RawLp, startLpServer, withFailsafe } from "../_lp.ts";
import { Program } from "../_task.ts";
import { LpServer } from "../../programs/lp/lp_server.ts";
import { consoleCommand } from "../../lib/lp/server_console.ts";

/** Read the hello a raw client gets on connect, and return its client id. */
async function hello(raw: RawLp): Promise<number> {
  const frame = await raw.next();
  ok(frame);
  equal(frame.kind, Kind.Indication);
  equal(frame.type, LpType.Notice);
  const notice = parseNotice(payloadJson(frame));
  ok(notice.clientId !== undefined);
  return notice.clientId;
}

async function listIds(session: LpSession): Promise<number[]> {
  const frame = await session.request(LpType.List);
  return parseListReply(payloadJson(frame)).clients.map((c) => c.id);
}

async function closeSession(session: LpSession): Promise<void> {
  session.close();
  await session.closed;
}

Deno.test("lp-server answers T, N, L, H and Q, each echoing the request id", async () => {
  const { server, port } = await startLpServer(["--name", "test server"]);
  await using _ = server;
  using raw = await RawLp.connect(port);
  const id = await hello(raw);
  await raw.send([
    request(LpType.Time, 11),
    request(LpType.Name, 12),
    request(LpType.List, 13),
    request(LpType.Heartbeat, 14),
  ]);
  const replies: Frame[] = [];
  for (let i = 0; i < 4; i++) replies.push((await raw.next())!);
  deepStrictEqual(replies.map((f) => [f.kind, f.type, f.id, f.status]), [
    [Kind.Response, "T", 11, Status.Ok],
    [Kind.Response, "N", 12, Status.Ok],
    [Kind.Response, "L", 13, Status.Ok],
    [Kind.Response, "H", 14, Status.Ok],
  ]);
  ok(Math.abs(Date.parse(parseTimeReply(payloadJson(replies[0])).time) - Date.now()) < 60_000);
  deepStrictEqual(payloadJson(replies[1]), { name: "test server" });
  const list = parseListReply(payloadJson(replies[2]));
  equal(list.you, id);
  deepStrictEqual(list.clients.map((c) => [c.id, c.address, c.port]), [
    [id, "127.0.0.1", raw.conn.localAddr.port],
  ]);
  equal(replies[3].payload.length, 0);

  await raw.send(request(LpType.Quit, 15));
  const bye = await raw.next();
  deepStrictEqual([bye?.type, bye?.id, bye?.status], ["Q", 15, Status.Ok]);
  equal(await raw.next(), null);
  await server.waitFor(new RegExp(`client ${id} .* left$`));
});

Deno.test("lp-server answers 100 time requests written back-to-back, ids matched", async () => {
  const { server, port } = await startLpServer();
  await using _ = server;
  using raw = await RawLp.connect(port);
  await hello(raw);
  const ids = Array.from({ length: 100 }, (_, i) => 1000 + i);
  // One write: the server receives them in whatever pieces TCP makes of it.
  await raw.send(encodeFrames(ids.map((id) => request(LpType.Time, id))));
  const got: number[] = [];
  for (let i = 0; i < 100; i++) {
    const f = await raw.next();
    ok(f && f.type === "T" && f.status === Status.Ok);
    got.push(f.id);
  }
  deepStrictEqual(got.toSorted((a, b) => a - b), ids);
});

Deno.test("lp-server forwards a message and reports success only after the target's ack", async () => {
  const { server, port } = await startLpServer();
  await using _ = server;
  using target = await RawLp.connect(port);
  const targetId = await hello(target);
  const sender = await LpSession.connect("127.0.0.1", port);
  try {
    const reply = sender.request(LpType.Message, { to: targetId, text: "hello" });
    let settled = false;
    reply.then(() => settled = true, () => settled = true);
    const indication = await target.next();
    ok(indication);
    equal(indication.kind, Kind.Indication);
    equal(indication.type, "M");
    const body = payloadJson(indication) as Record<string, unknown>;
    equal(body.text, "hello");
    equal(body.address, "127.0.0.1");
    ok(typeof body.from === "number" && typeof body.port === "number");
    // The target has the message but has not acked: the sender must not hear "sent" yet.
    const ping = await sender.request(LpType.Heartbeat); // a round trip behind the forward
    equal(ping.status, Status.Ok);
    equal(settled, false);

    await target.send(makeFrame(Kind.Response, "M", { id: indication.id }));
    const ack = await withFailsafe(reply, "the M response");
    equal(ack.status, Status.Ok);
    deepStrictEqual(payloadJson(ack), { to: targetId });
  } finally {
    await closeSession(sender);
  }
});

Deno.test("lp-server reports NotFound for a message to an unknown id", async () => {
  const { server, port } = await startLpServer();
  await using _ = server;
  const sender = await LpSession.connect("127.0.0.1", port);
  try {
    await rejects(
      runAction(sender, { op: "msg", to: 999, text: "anyone?" }),
      (e) => e instanceof RequestError && e.status === Status.NotFound,
    );
  } finally {
    await closeSession(sender);
  }
});

Deno.test("lp-server reports Timeout when the target never acknowledges", async () => {
  const { server, port } = await startLpServer(["--ack-timeout", "0.3"]);
  await using _ = server;
  using target = await RawLp.connect(port);
  const targetId = await hello(target);
  const sender = await LpSession.connect("127.0.0.1", port);
  try {
    await rejects(
      runAction(sender, { op: "msg", to: targetId, text: "are you there?" }),
      (e) => e instanceof RequestError && e.status === Status.Timeout,
    );
  } finally {
    await closeSession(sender);
  }
});

Deno.test("lp-server reports Gone when the target disconnects before acknowledging", async () => {
  const { server, port } = await startLpServer();
  await using _ = server;
  const target = await RawLp.connect(port);
  const targetId = await hello(target);
  const sender = await LpSession.connect("127.0.0.1", port);
  try {
    const reply = runAction(sender, { op: "msg", to: targetId, text: "bye?" });
    const indication = await target.next(); // it arrived; the target leaves without an ack
    equal(indication?.type, "M");
    target.close();
    await rejects(reply, (e) => e instanceof RequestError && e.status === Status.Gone);
  } finally {
    target.close();
    await closeSession(sender);
  }
});

Deno.test("lp-server evicts a pulled cable within 3 heartbeats; messages to it fail", async () => {
  const heartbeatS = 1;
  const { server, port } = await startLpServer(["--heartbeat", String(heartbeatS)]);
  await using _ = server;
  // A raw socket registers (reads its hello), then neither reads nor writes: a pulled cable.
  using silent = await RawLp.connect(port);
  const silentId = await hello(silent);
  const since = performance.now();
  // The sender adopts the server's heartbeat from its own hello and stays.
  const sender = await LpSession.connect("127.0.0.1", port);
  try {
    ok((await listIds(sender)).includes(silentId));
    // Sent while the silent client is still listed: never a success (Gone when it is evicted
    // first, Timeout when the ack timeout comes first).
    await rejects(
      runAction(sender, { op: "msg", to: silentId, text: "hello?" }),
      (e) => e instanceof RequestError && (e.status === Status.Gone || e.status === Status.Timeout),
    );
    await server.waitFor(new RegExp(`client ${silentId} .*evicted`));
    const elapsed = performance.now() - since;
    ok(elapsed >= heartbeatS * 3000 * 0.9, `evicted after ${elapsed} ms, before 3 heartbeats`);
    ok(!(await listIds(sender)).includes(silentId));
    await rejects(
      runAction(sender, { op: "msg", to: silentId, text: "still there?" }),
      (e) => e instanceof RequestError && e.status === Status.NotFound,
    );
    // The sender, which heartbeats, is still connected.
    ok(sender.clientId !== undefined && (await listIds(sender)).includes(sender.clientId));
  } finally {
    await closeSession(sender);
  }
});

Deno.test("lp-server answers malformed frames with an error and keeps serving others", async (t) => {
  const { server, port } = await startLpServer();
  await using _ = server;
  const good = await LpSession.connect("127.0.0.1", port);
  const stillServed = async () => equal((await good.request(LpType.Time)).status, Status.Ok);

  /** Send bytes; expect one error response, then a closed connection. */
  const expectClosed = async (bytes: Uint8Array, status: number) => {
    using raw = await RawLp.connect(port);
    await hello(raw);
    await raw.send(bytes);
    const reply = await raw.next();
    deepStrictEqual([reply?.kind, reply?.status], [Kind.Response, status]);
    ok(typeof (payloadJson(reply!) as { error?: unknown }).error === "string");
    equal(await raw.next(), null);
    await stillServed();
  };
  /** Send frames; expect an error response echoing the id, then normal service. */
  const expectAnswered = async (bytes: Uint8Array, type: string, id: number, status: number) => {
    using raw = await RawLp.connect(port);
    await hello(raw);
    await raw.send(bytes);
    const reply = await raw.next();
    deepStrictEqual([reply?.kind, reply?.type, reply?.id, reply?.status], [
      Kind.Response,
      type,
      id,
      status,
    ]);
    await raw.send(request(LpType.Time, id + 1));
    const after = await raw.next();
    deepStrictEqual([after?.type, after?.id, after?.status], ["T", id + 1, Status.Ok]);
    await stillServed();
  };

  try {
    await t.step(
      "bad magic: BadFrame, then closed",
      () => expectClosed(rawHeader({ magic: 0x4845 }), Status.BadFrame),
    );
    await t.step(
      "bad version: BadFrame, then closed",
      () => expectClosed(rawHeader({ version: 9 }), Status.BadFrame),
    );
    await t.step(
      "unknown kind: BadFrame, then closed",
      () => expectClosed(rawHeader({ kind: 7 }), Status.BadFrame),
    );
    await t.step(
      "length over the limit: BadFrame, then closed",
      () => expectClosed(rawHeader({ length: LP_MAX_PAYLOAD + 1 }), Status.BadFrame),
    );
    await t.step(
      "unknown type: UnknownType, connection kept",
      () => expectAnswered(rawHeader({ type: "Z", id: 40 }), "Z", 40, Status.UnknownType),
    );
    await t.step("invalid JSON: BadPayload, connection kept", () => {
      const body = new TextEncoder().encode("{not json");
      const bytes = new Uint8Array([
        ...rawHeader({ type: "M", id: 50, length: body.length }),
        ...body,
      ]);
      return expectAnswered(bytes, "M", 50, Status.BadPayload);
    });
    await t.step("an M without a target: BadPayload, connection kept", () => {
      const bytes = encodeFrames([request(LpType.Message, 60, { text: "to whom?" })]);
      return expectAnswered(bytes, "M", 60, Status.BadPayload);
    });
  } finally {
    await closeSession(good);
  }
});

Deno.test("lp-server serves 10 clients doing 1,000 requests each at once", async () => {
  const { server, port } = await startLpServer();
  await using _ = server;
  const sessions = await Promise.all(
    Array.from({ length: 10 }, () => LpSession.connect("127.0.0.1", port)),
  );
  try {
    const results = await withFailsafe(
      Promise.all(sessions.map((s) => timeBurst(s, 1000))),
      "10,000 responses",
    );
    for (const r of results) deepStrictEqual([r.received, r.failed], [1000, 0]);
    for (const s of sessions) equal(s.unexpected, 0);
  } finally {
    await Promise.all(sessions.map(closeSession));
  }
});

Deno.test("lp-server console: list, kick and quit; quit notifies clients and exits 0", async () => {
  const { server, port } = await startLpServer([], "piped");
  await using _ = server;
  using first = await RawLp.connect(port);
  const firstId = await hello(first);
  using second = await RawLp.connect(port);
  const secondId = await hello(second);

  const from = server.lines.length;
  await server.type("list\n");
  await server.waitFor(new RegExp(`^\\s+${firstId}\\s+127\\.0\\.0\\.1\\s+\\d+\\s`), from);
  await server.waitFor(new RegExp(`^\\s+${secondId}\\s+127\\.0\\.0\\.1\\s+\\d+\\s`), from);

  await server.type(`kick ${firstId}\n`);
  const kicked = await first.next();
  equal(kicked?.type, "S");
  match(parseNotice(payloadJson(kicked!)).text, /kicked/);
  equal(await first.next(), null);

  await server.type("quit\n");
  const notice = await second.next();
  equal(notice?.type, "S");
  deepStrictEqual(parseNotice(payloadJson(notice!)), {
    text: "shutting down",
    code: "shutting-down",
    params: {},
  });
  equal(await second.next(), null);
  equal(await server.exit(), 0);
});

Deno.test("lp-server shuts down gracefully on Ctrl-C, even with stdin at end of file", async () => {
  const { server, port } = await startLpServer();
  await using _ = server;
  using raw = await RawLp.connect(port);
  await hello(raw);
  // stdin is /dev/null: the console has ended, yet the server still answers.
  await raw.send(request(LpType.Time, 1));
  equal((await raw.next())?.type, "T");
  server.kill("SIGINT");
  const notice = await raw.next();
  equal(parseNotice(payloadJson(notice!)).text, "shutting down");
  equal(await raw.next(), null);
  equal(await server.exit(), 0);
  await server.waitFor(/^Server stopped$/);
});

Deno.test("lp-server refuses a port in use and bad flags in one line", async () => {
  const { server, port } = await startLpServer();
  await using _ = server;
  await using second = new Program("lp-server", ["--port", String(port)]);
  equal(await second.exit(), 1);
  deepStrictEqual(second.errors.length, 1, second.errors.join("\n"));
  match(second.errors[0], /^lp_server: cannot listen on 127\.0\.0\.1:\d+: address already in use/);

  await using bad = new Program("lp-server", ["--heartbeat", "soon"]);
  equal(await bad.exit(), 2);
  match(bad.errors.join("\n"), /^lp_server: Invalid --heartbeat "soon"/);
});

Deno.test("lp-server --help lines up every option's description", async () => {
  await using help = new Program("lp-server", ["--help"]);
  equal(await help.exit(), 0);
  const options = help.lines.filter((l) => /^ {2}--/.test(l));
  ok(options.length >= 6, help.lines.join("\n"));
  // Each description starts in the same column, at least two spaces after its flag.
  const columns = options.map((l) => /^ {2}\S+(?: [A-Z]+)? {2,}/.exec(l)?.[0].length);
  ok(columns.every((c) => c !== undefined && c === columns[0]), options.join("\n"));
});

Deno.test("runLpServer() runs in-process: log sink, console commands, abort stops it cleanly", async () => {
  const logs: string[] = [];
  const shutdown = new AbortController();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const server = new LpServer({ log: (line) => logs.push(line), heartbeatMs: 60_000 });
  const serving = server.serve(listener, shutdown.signal);
  const notices: string[] = [];
  const session = await LpSession.connect("127.0.0.1", listener.addr.port, {
    onEvent: (e) => e.kind === "notice" && notices.push(e.notice.text),
  });
  try {
    deepStrictEqual(await runAction(session, { op: "name" }), ["Server name: LP lab server"]);
    const list = consoleCommand("list", server);
    equal(list.quit, false);
    equal(list.lines[0], "Connected clients (1):", 'the lp-client\'s heading, no "client(s)"');
    match(list.lines.at(-1)!, /^\s+1\s+127\.0\.0\.1\s+\d+\s+\d{4}-/);
    deepStrictEqual(consoleCommand("kick x", server).lines, ["Usage: kick <id>"]);
    deepStrictEqual(consoleCommand("kick 99", server).lines, ["No client with id 99"]);
    equal(consoleCommand("quit", server).quit, true);
    ok(logs.some((l) => /client 1 127\.0\.0\.1:\d+ connected$/.test(l)), logs.join("\n"));

    shutdown.abort();
    await serving;
    equal(await session.closed, "the server closed the connection");
    ok(notices.includes("shutting down"), notices.join("\n"));
  } finally {
    shutdown.abort();
    await serving;
    await closeSession(session);
  }
});

Deno.test("lp-server: 50,000 requests pipelined in one write all get answers; the sender is not dropped", async () => {
  const { server, port } = await startLpServer();
  await using _s = server;
  using raw = await RawLp.connect(port);
  await hello(raw);
  const COUNT = 50_000; // 2.3 MB of answers: over the 1 MiB queue unless the reads wait
  const requests = Array.from({ length: COUNT }, (_, i) => request(LpType.Time, 1 + i));
  let answered = 0;
  const reading = (async () => {
    while (answered < COUNT) {
      const frame = await raw.next();
      if (frame === null) return;
      equal(frame.kind, Kind.Response);
      equal(frame.status, Status.Ok);
      equal(frame.id, answered + 1, "in order");
      answered++;
    }
  })();
  await raw.send(encodeFrames(requests)); // one write, while the reader keeps reading
  await reading;
  equal(answered, COUNT);
  ok(!server.lines.some((l) => /dropped|evicted/.test(l)), server.lines.join("\n"));
});

Deno.test("lp-server: a client that sends but never reads is evicted, told why in its last frame", async () => {
  const { server, port } = await startLpServer(["--heartbeat", "0.3"]);
  await using _s = server;
  using raw = await RawLp.connect(port);
  const id = await hello(raw);
  // 9 MB of answers: more than the kernel's buffers on both ends and the server's queue.
  const requests = Array.from(
    { length: 200_000 },
    (_, i) => request(LpType.Time, 1 + i % 60_000),
  );
  // Not awaited: once the server stops reading, the rest of the write waits in our socket.
  const writing = raw.send(encodeFrames(requests)).catch(() => {});
  await server.waitFor(
    new RegExp(`client ${id} .*evicted: read nothing for 3 heartbeat intervals`),
  );
  let last: Frame | null = null;
  for (let i = 0; i < 300_000; i++) {
    const frame = await raw.next().catch(() => null);
    if (frame === null) break;
    last = frame;
  }
  ok(last);
  equal(last.type, LpType.Notice);
  equal(last.status, Status.Timeout);
  const said = parseNotice(payloadJson(last));
  match(said.text, /^evicted: read nothing for 3 heartbeat intervals \([\d.]+ s\)$/);
  // The same, as a code and values, for a client that words it in its own language.
  equal(said.code, "evicted-not-reading");
  deepStrictEqual(Object.keys(said.params ?? {}), ["intervals", "seconds"]);
  equal(said.params?.intervals, 3);
  await writing;
});
