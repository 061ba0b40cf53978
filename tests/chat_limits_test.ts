/**
 * The chat server's defences: a client that stops reading, or goes silent, is disconnected
 * and the room is told, while everyone else carries on.
 */

import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { type Frame, Kind, Status } from "../lib/frame.ts";
import { ChatType, payloadObject } from "../lib/chat_protocol.ts";
import { RawChat } from "./_chat_frames.ts";
import { Program } from "./_task.ts";
import { startClient, startServer, tempDir } from "./_chat.ts";

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
