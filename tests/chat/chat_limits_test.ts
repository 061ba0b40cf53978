/**
 * The chat server's defences: a client that stops reading, or goes silent, is disconnected
 * and the room is told, while everyone else carries on.
 */

import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { createHash } from "node:crypto";
import { encodeFrames, type Frame, Kind, Status } from "../../lib/wire/frame.ts";
import { ChatType, payloadObject, request } from "../../lib/chat/protocol.ts";
import { FrameConnection } from "../../lib/wire/frame_connection.ts";
import { writeAll } from "../../lib/wire/bytes.ts";
import { RawChat } from "../_chat_frames.ts";
import { Program } from "../_task.ts";
import { startClient, startServer, tempDir } from "../_chat.ts";

const leaveOf = (name: string) => (f: Frame) =>
  f.kind === Kind.Indication && f.type === ChatType.Leave && payloadObject(f).name === name;

Deno.test("a client that stops reading is disconnected while the room keeps chatting", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir, ["--max-queue", "64K"]);
  await using _s = server;
  await using staller = await RawChat.connect(port);
  await using chatter = await RawChat.connect(port);
  await using watcher = await RawChat.connect(port);
  await staller.join("staller");
  await chatter.join("chatter");
  await watcher.join("watcher");
  staller.pause();

  // Big messages fill the kernel's buffers and then the staller's queue in a few hundred.
  let dropped = false;
  const told = watcher.waitFor(leaveOf("staller"), "the room being told");
  told.then(() => dropped = true, () => {});
  const filler = "x".repeat(8000);
  let sent = 0;
  for (; sent < 5000 && !dropped; sent++) {
    const res = await chatter.request(ChatType.Chat, { text: `${sent} ${filler}` });
    equal(res.status, Status.Ok);
  }
  const leave = await told;
  match(String(payloadObject(leave).reason), /^was disconnected \(too slow/);
  await server.waitFor(/staller is not reading .* disconnecting/);

  equal((await chatter.request(ChatType.Chat, { text: "still chatting" })).status, Status.Ok);
  await watcher.waitFor(
    (f) => f.type === ChatType.Chat && payloadObject(f).text === "still chatting",
    "the room to keep chatting",
  );
  const texts = watcher.texts();
  equal(texts.length, sent + 1, "the watcher got every message, in order");
  ok(texts.slice(0, sent).every((t, i) => t.startsWith(`${i} `)));
  const who = await watcher.request(ChatType.Who);
  deepStrictEqual(
    (payloadObject(who).users as { name: string }[]).map((u) => u.name),
    ["chatter", "watcher"],
  );
});

Deno.test("a silent client is evicted after three heartbeat intervals; a live one stays", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir, ["--heartbeat", "0.2"]);
  await using _s = server;
  // The real client learns the server's interval when it joins, and sends heartbeats.
  await using alive = await startClient(dir, port, "alive");
  await using silent = await RawChat.connect(port);
  await silent.join("silent");
  await alive.waitFor(/\*\*\* silent joined$/);

  await alive.waitFor(/\*\*\* silent timed out \(no heartbeat for \d+(\.\d)? s\)$/);
  const notice = await silent.waitFor(
    (f) => f.type === ChatType.Notice && f.status === Status.Timeout,
    "the eviction notice",
  );
  match(String(payloadObject(notice).text), /^Disconnected: no heartbeat/);
  await silent.waitForEnd();

  // The live client has been idle just as long, and is still in the room.
  await alive.type("/who\n");
  await alive.waitFor(/^Online \(1\): alive$/);
  ok(!server.lines.some((l) => l.includes("alive timed out")), server.lines.join("\n"));
});

Deno.test("a client still choosing its name learns the heartbeat interval and is not evicted", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir, ["--heartbeat", "0.2"]);
  await using _s = server;
  await using silent = await RawChat.connect(port);
  await using slow = new Program("chat-client", ["--port", String(port)], {
    cwd: dir.path,
    stdin: "piped",
  });
  await slow.waitFor(/^Your name: $/);
  // The raw connection has sent nothing: its eviction shows three intervals have passed.
  await server.waitFor(/127\.0\.0\.1:\d+ timed out/);
  await silent.waitForEnd();
  await slow.type("slowpoke\n");
  await slow.waitFor(/\*\*\* You joined as slowpoke\./);
  equal(server.lines.filter((l) => / timed out /.test(l)).length, 1, server.lines.join("\n"));
});

Deno.test("an unknown request type gets an error reply; a malformed frame closes only that client", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir);
  await using _s = server;
  await using raw = await RawChat.connect(port);
  const early = await raw.request(ChatType.Chat, { text: "before joining" });
  equal(early.status, Status.BadState);
  const unknown = await raw.request("Z");
  equal(unknown.status, Status.UnknownType);
  await raw.join("raw");
  const bad = await raw.request(ChatType.Chat, { text: "two\nlines" });
  equal(bad.status, Status.BadPayload);

  await using other = await RawChat.connect(port);
  await other.join("other");
  await raw.fc.conn.write(new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n"));
  const notice = await raw.waitFor((f) => f.status === Status.BadFrame, "a bad-frame notice");
  match(String(payloadObject(notice).text), /^Malformed frame: Bad magic/);
  await raw.waitForEnd();
  await other.waitFor(leaveOf("raw"), "the room being told");
  equal((await other.request(ChatType.Chat, { text: "fine" })).status, Status.Ok);
});

Deno.test("5,000 requests pipelined in one write reach all five members; the sender is slowed, not dropped", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir);
  await using _s = server;
  const members: RawChat[] = [];
  try {
    for (const name of ["sender", "m1", "m2", "m3", "m4"]) {
      const member = await RawChat.connect(port);
      members.push(member);
      await member.join(name);
    }
    const [sender] = members;
    // 200-byte lines: the sender's replies and its own copies come to 1.3 MB, over the 1 MiB
    // queue, and each batch the server reads holds about a thousand requests.
    const COUNT = 5000;
    const pad = "x".repeat(190);
    const requests = Array.from(
      { length: COUNT },
      (_, i) => request(ChatType.Chat, 1000 + i, { text: `${i} ${pad}` }),
    );
    await writeAll(sender.fc.conn, encodeFrames(requests)); // one write; the sender keeps reading
    const isChat = (f: Frame) => f.kind === Kind.Indication && f.type === ChatType.Chat;
    const isReply = (f: Frame) => f.kind === Kind.Response && f.type === ChatType.Chat;
    await sender.waitForCount(isReply, COUNT, "replies");
    for (const member of members) await member.waitForCount(isChat, COUNT, "chat lines");

    ok(sender.frames.filter(isReply).every((f) => f.status === Status.Ok));
    for (const member of members) {
      const texts = member.texts();
      equal(texts.length, COUNT);
      ok(texts.every((t, i) => t.startsWith(`${i} `)), "every line, in order");
      ok(!member.ended);
    }
    ok(!server.lines.some((l) => /not reading|disconnect/.test(l)), server.lines.join("\n"));
  } finally {
    for (const member of members) await member.close();
  }
});

Deno.test("a client dropped for not reading is told why in its last frame", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir, ["--max-queue", "64K"]);
  await using _s = server;
  await using staller = await RawChat.connect(port);
  await using chatter = await RawChat.connect(port);
  await staller.join("staller");
  await chatter.join("chatter");
  staller.pause();
  let dropped = false;
  const dropping = server.waitFor(/staller is not reading .* disconnecting/);
  dropping.then(() => dropped = true, () => {});
  const filler = "x".repeat(8000);
  for (let i = 0; i < 5000 && !dropped; i++) {
    await chatter.request(ChatType.Chat, { text: `${i} ${filler}` });
  }
  await dropping;
  staller.resume(); // reading again lets the write in progress finish, and the notice follow
  await staller.waitForEnd();
  await chatter.waitFor(leaveOf("staller"), "the room being told");
  const last = staller.frames.at(-1)!;
  equal(last.type, ChatType.Notice);
  equal(last.status, Status.Slow);
  match(String(payloadObject(last).text), /^Disconnected: you did not read what was sent/);
});

Deno.test("connections that never join are closed at the join deadline, freeing their places", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir, [
    "--max-clients",
    "2",
    "--join-timeout",
    "0.5",
  ]);
  await using _s = server;
  // Two connections that neither send a whole frame nor read (as `nc` with nothing typed).
  using silent = await Deno.connect({ hostname: "127.0.0.1", port });
  using half = await Deno.connect({ hostname: "127.0.0.1", port });
  await half.write(encodeFrames([request(ChatType.Join, 1, { name: "x" })]).slice(0, 7));
  await server.waitForCount(/connected \(2\/2 connections\)/, 1);
  await using refused = await RawChat.connect(port);
  const full = await refused.waitFor((f) => f.status === Status.Full, "the full notice");
  match(String(payloadObject(full).text), /^Server is full/);

  // One line each says why; the places are free at once, while the server still waits (up to
  // 2 s) for these two to read their last notice and close.
  await server.waitForCount(/127\.0\.0\.1:\d+ did not join within 0\.5 s$/, 2);
  await using user = await RawChat.connect(port);
  await user.join("latecomer");
  for (const idle of [silent, half]) {
    const fc = new FrameConnection(idle);
    const last = await fc.read();
    equal(last?.status, Status.Timeout);
    equal(payloadObject(last!).text, "Disconnected: did not join within 0.5 s");
    equal(await fc.read(), null, "then the server closes");
  }
  ok(!server.lines.some((l) => /closing/.test(l)), server.lines.join("\n"));
});

Deno.test("a silent member is evicted within a tenth of an interval after three heartbeats", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir, ["--heartbeat", "1"]);
  await using _s = server;
  await using silent = await RawChat.connect(port);
  await silent.join("silent");
  const joined = Date.now(); // the server last heard it just before this
  await silent.waitForEnd();
  const after = (Date.now() - joined) / 1000;
  // The sweep used to run once an interval, so an eviction came up to a whole interval late.
  ok(after >= 2.9 && after < 3.3, `evicted after ${after} s`);
});

Deno.test("a stored file name has no direction-changing characters; an over-long chunk cancels", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir);
  await using _s = server;
  await using raw = await RawChat.connect(port);
  await raw.join("mallory");
  const body = new TextEncoder().encode("MZ not a picture\n");
  // Listed as "photoexe.png" if stored as sent: U+202E draws the rest of the name backwards.
  const start = await raw.request(ChatType.Upload, { name: "photo\u202egnp.exe", size: 17 }, 5);
  equal(payloadObject(start).name, "photo_gnp.exe");
  await raw.indicate(ChatType.Data, body, 5);
  const end = await raw.request(ChatType.End, {
    sha256: createHash("sha256").update(body).digest("hex"),
  }, 5);
  equal(payloadObject(end).name, "photo_gnp.exe");

  // The protocol's chunk limit is 256 KiB; the frame limit (1 MiB) would let more through.
  const size = 600 * 1024;
  equal((await raw.request(ChatType.Upload, { name: "big.bin", size }, 6)).status, Status.Ok);
  await raw.indicate(ChatType.Data, new Uint8Array(size), 6);
  const cancel = await raw.waitFor((f) => f.type === ChatType.Cancel && f.id === 6, "the X");
  match(String(payloadObject(cancel).error), /^A chunk of 614400 bytes; the limit is 262144/);
  const end2 = await raw.request(ChatType.End, { sha256: "0".repeat(64) }, 6);
  equal(end2.status, Status.NotFound);
  const files = await raw.request(ChatType.Files);
  deepStrictEqual(
    (payloadObject(files).files as { name: string }[]).map((f) => f.name),
    ["photo_gnp.exe"],
  );
});

Deno.test("a flood of long lines is slowed to a pace real clients keep up with; nobody is dropped", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir, ["--max-queue", "256K"]);
  await using _s = server;
  await using a = await startClient(dir, port, "a");
  await using b = await startClient(dir, port, "b");
  await using sender = await RawChat.connect(port);
  await sender.join("flood");
  // 16 MB in one write: 64 times the readers' queues. Without pacing the server broadcast it as
  // fast as it read it, and real clients, busy printing, fell a queue behind and were dropped.
  const COUNT = 2000;
  const pad = "x".repeat(8000);
  const lines = Array.from(
    { length: COUNT },
    (_, i) => request(ChatType.Chat, 1 + i, { text: `${i} ${pad}` }),
  );
  await writeAll(sender.fc.conn, encodeFrames(lines));
  for (const reader of [a, b]) await reader.waitFor(new RegExp(`flood: ${COUNT - 1} x+$`));
  for (const reader of [a, b]) {
    equal(reader.lines.filter((l) => / flood: \d+ x+$/.test(l)).length, COUNT);
  }
  ok(!server.lines.some((l) => /not reading|disconnect/.test(l)), server.lines.join("\n"));
});
