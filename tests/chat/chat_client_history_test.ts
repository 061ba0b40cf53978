/**
 * The chat client's side of history: what the server replays on joining is shown set apart from
 * the live lines, `/history` pages further back, `/search` finds, a rejoin asks for exactly what
 * it missed, and a server without history works as before. In English and in Chinese.
 */

import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { Status } from "../../lib/wire/frame.ts";
import {
  ChatType,
  indication,
  payloadObject,
  printable,
  refusal,
  reply,
} from "../../lib/chat/protocol.ts";
import { ChatClient, SeenIds } from "../../lib/chat/client_session.ts";
import { parseCommand } from "../../lib/chat/commands.ts";
import { historyLines } from "../../lib/chat/format.ts";
import { plainUi, RoomLines } from "../../lib/chat/terminal_ui.ts";
import { chatText as text } from "../../lib/chat/text.ts";
import { linePattern } from "../../programs/chat/chat_demo.ts";
import { runChatClient } from "../../programs/chat/chat_client.ts";
import { chatLine, CHINESE, startClient, startServer, tempDir } from "../_chat.ts";
import { scripted } from "../_chat_frames.ts";
import type { Program } from "../_task.ts";

/** Type a line and wait for the line that answers it, looking only at what came after. */
async function step(client: Program, line: string, answer: RegExp): Promise<string[]> {
  const from = client.lines.length;
  await client.type(`${line}\n`);
  await client.waitFor(answer, from);
  return client.lines.slice(from);
}

/** The lines from the one matching `open` up to and including the one matching `close`. */
function block(lines: string[], open: RegExp, close: RegExp): string[] {
  const start = lines.findIndex((l) => open.test(l));
  ok(start >= 0, `no ${open} in:\n${lines.join("\n")}`);
  const end = lines.findIndex((l, i) => i > start && close.test(l));
  ok(end > start, `no ${close} after ${open} in:\n${lines.join("\n")}`);
  return lines.slice(start, end + 1);
}

const said = (n: number) => `message ${n}${n === 3 ? " about the xylophone" : ""}`;

Deno.test("a client joining after 60 messages sees the last 50 as history; /history and /search go further", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir);
  await using _s = server;
  await using alice = await startClient(dir, port, "alice");
  await alice.type(Array.from({ length: 60 }, (_, i) => `${said(i + 1)}\n`).join(""));
  await alice.waitFor(chatLine("alice", said(60)));

  // 61 events (alice's arrival, 60 lines): the newest 50, between a line before and one after,
  // each with the server's time; the welcome comes first.
  await using bob = await startClient(dir, port, "bob");
  await bob.waitFor(/^— now —$/);
  const welcome = bob.lines.findIndex((l) => linePattern("welcome", { name: "bob" }).test(l));
  const replay = block(bob.lines, /^— history/, /^— now —$/);
  ok(welcome >= 0 && welcome < bob.lines.indexOf(replay[0]), bob.lines.join("\n"));
  equal(replay[0], "— history: last 50 messages —");
  deepStrictEqual(
    replay.slice(1, -1).map((l, i) => chatLine("alice", said(i + 11)).test(l)),
    Array(50).fill(true),
    replay.join("\n"),
  );

  // A live line after it is not marked, and no second block opens.
  await step(alice, "live now", chatLine("alice", "live now"));
  await bob.waitFor(chatLine("alice", "live now"));
  const after = bob.lines.slice(bob.lines.indexOf("— now —") + 1);
  ok(after.some((l) => chatLine("alice", "live now").test(l)), after.join("\n"));
  ok(!after.some((l) => /^— /.test(l)), after.join("\n"));

  // /history 5: the five before those, oldest first; again: the five before that; again: the
  // one left, alice's arrival; then nothing is left.
  const lines = (n: number, first: number) =>
    Array.from({ length: n }, (_, i) => chatLine("alice", said(first + i)));
  for (const first of [6, 1]) {
    const page = await step(bob, "/history 5", /^— end of history —$/);
    const shown = block(page, /^— history/, /^— end of history —$/);
    equal(shown[0], "— history: 5 earlier messages —");
    deepStrictEqual(
      shown.slice(1, -1).map((l, i) => lines(5, first)[i].test(l)),
      Array(5).fill(true),
      shown.join("\n"),
    );
  }
  const last = await step(bob, "/history", /^— end of history —$/);
  equal(last[0], "— history: 1 earlier message —");
  ok(linePattern("eventJoined", { name: "alice" }).test(last[1]), last[1]);
  await step(bob, "/history", /^No earlier messages\.$/);

  // /search finds a word of the 3rd message, set apart the same way; a word no one said, none.
  const found = await step(bob, "/search xylophone", /^— end of search —$/);
  deepStrictEqual(
    block(found, /^— search/, /^— end of search —$/).map((l, i) =>
      i === 1 ? chatLine("alice", said(3)).test(l) : l
    ),
    ['— search "xylophone": 1 message found —', true, "— end of search —"],
  );
  await step(bob, "/search zeppelin", /^No messages found for "zeppelin"\.$/);
  await step(bob, "/history 0", /^error: usage: \/history \[N\], N from 1 to 500 \(default 20\)$/);
  equal(bob.errors.join(""), "");
});

Deno.test("a Chinese client sets history apart in Chinese, and /help lists /history and /search", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir);
  await using _s = server;
  await using alice = await startClient(dir, port, "alice");
  await step(alice, "第一条消息", chatLine("alice", "第一条消息"));
  await step(alice, "the word is xylophone", chatLine("alice", "the word is xylophone"));

  await using bob = await startClient(dir, port, "小明", [], CHINESE);
  await bob.waitFor(/^—— 以上为历史消息 ——$/);
  const replay = block(bob.lines, /^—— 历史消息/, /^—— 以上为历史消息 ——$/);
  equal(replay[0], "—— 历史消息（最近 3 条）——");
  ok(linePattern("eventJoined", { name: "alice" }).test(replay[1]), replay[1]);
  ok(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d alice：第一条消息$/.test(replay[2]), replay[2]);

  await step(bob, "/history", /^没有更早的消息了。$/);
  const found = await step(bob, "/search xylophone", /^—— 搜索结果结束 ——$/);
  equal(found[0], "—— 搜索“xylophone”：找到 1 条消息 ——");
  await step(bob, "/search 齐柏林", /^没有找到包含“齐柏林”的消息。$/);
  await step(bob, "/history x", /^错误：用法：\/history \[N\]，N 为 1 到 500（默认 20）$/);
  const help = await step(bob, "/help", /^ {2}\/exit /);
  ok(help.some((l) => /^ {2}\/history \[N\] +查看更早的 N 条消息/.test(l)), help.join("\n"));
  ok(help.some((l) => /^ {2}\/search <文字> +查找包含这些词的消息$/.test(l)), help.join("\n"));
});

Deno.test("a rejoin asks for what came after the last id seen, and gets exactly that", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir);
  await using _s = server;
  await using alice = await startClient(dir, port, "alice");
  const seen = new SeenIds();
  const texts = (events: { type: string; text?: string }[]) =>
    events.filter((e) => e.type === "chat").map((e) => e.text);

  const first: { type: string; text?: string; history?: boolean }[] = [];
  const one = new ChatClient(await Deno.connect({ port }), (e) => first.push(e), undefined, {
    seen,
  });
  await one.join("bob");
  await step(alice, "before", chatLine("alice", "before"));
  await one.ping(); // its answer comes after the line
  deepStrictEqual(texts(first), ["before"]);
  const last = seen.last;
  ok(last !== null);
  // The connection drops; once the room has let bob go, alice says more.
  const from = alice.lines.length;
  one.close();
  await one.closed;
  await alice.waitFor(linePattern("eventLeft", { name: "bob" }), from);

  await step(alice, "while away 1", chatLine("alice", "while away 1"));
  await step(alice, "while away 2", chatLine("alice", "while away 2"));
  const again: { type: string; text?: string; history?: boolean }[] = [];
  let resumed = false;
  const two = new ChatClient(await Deno.connect({ port }), (e) => again.push(e), undefined, {
    seen,
    onJoined: (_, r) => resumed = r,
  });
  try {
    await two.join("bob");
    await two.ping(); // after the replay
    ok(resumed);
    deepStrictEqual(texts(again), ["while away 1", "while away 2"]);
    ok(again.every((e) => e.history), JSON.stringify(again));
    ok(seen.last! > last);
  } finally {
    await two.leave();
  }
});

Deno.test("a server without history (no id, no Y) works as before; /history says it keeps none", async () => {
  const t = await scripted();
  const lines: string[] = [];
  const typed = Promise.withResolvers<void>();
  async function* input() {
    await typed.promise;
    yield "/history";
    yield "/search hello";
  }
  const running = runChatClient(t.conn, input(), {
    ui: plainUi((line) => lines.push(line)),
    name: "ann",
  });
  try {
    await t.server.write(reply(await t.next(), { heartbeat: 10 }));
    const join = await t.next();
    deepStrictEqual(payloadObject(join), { name: "ann" }); // nothing seen yet: no `after`
    await t.server.write(
      reply(join, { name: "ann", time: "12:00:00", users: ["ann"], heartbeat: 10 }),
    );
    await t.server.write(indication(ChatType.Chat, { time: "12:00:01", from: "bob", text: "hi" }));
    // The heartbeat after the join; then the two requests an old server does not know.
    await t.server.write(reply(await t.next(), { heartbeat: 10 }));
    typed.resolve();
    for (let i = 0; i < 2; i++) {
      const y = await t.next();
      equal(y.type, ChatType.History);
      await t.server.write(refusal(y, Status.UnknownType, `Unknown request type "Y"`));
    }
    const leave = await t.next(); // the end of input leaves
    equal(leave.type, ChatType.Leave);
    await t.server.write(reply(leave));
    t.server.close();
    equal(await running, "left");
  } finally {
    t.server.close();
  }
  deepStrictEqual(lines, [
    "12:00:00 *** You joined as ann. Online (1): ann. Type /help for commands.",
    "12:00:01 bob: hi",
    "error: this server keeps no history",
    "error: this server keeps no history",
  ]);
});

Deno.test("RoomLines holds the replay until it ends, then shows it as one block before live lines", () => {
  const lines: string[] = [];
  const room = new RoomLines(plainUi((line) => lines.push(line)));
  room.event({ type: "chat", time: "t1", from: "a", text: "old", id: 1, history: true });
  room.event({ type: "joined", time: "t2", name: "b", id: 2, history: true });
  equal(lines.length, 0);
  room.endReplay();
  room.endReplay(); // once only
  room.event({ type: "chat", time: "t3", from: "a", text: "new", id: 3 });
  room.resumed = true;
  room.event({ type: "chat", time: "t4", from: "a", text: "missed", id: 4, history: true });
  room.event({ type: "chat", time: "t5", from: "a", text: "live", id: 5 });
  deepStrictEqual(lines, [
    "— history: last 2 messages —",
    "t1 a: old",
    "t2 *** b joined",
    "— now —",
    "t3 a: new",
    "— history: 1 message you missed —",
    "t4 a: missed",
    "— now —",
    "t5 a: live",
  ]);
  deepStrictEqual(historyLines({ kind: "joined" }, []), []);
  deepStrictEqual(historyLines({ kind: "search", words: "a\x1bb" }, []), [
    `No messages found for "${printable("a\x1bb")}".`,
  ]);
});

Deno.test("SeenIds: the newest id for a rejoin, the oldest shown for /history", () => {
  const seen = new SeenIds();
  seen.note(50, false); // the first live line when nothing was replayed
  seen.note(40, true); // a page of history
  seen.note(10, false); // an offline message with its original id: not a page boundary
  seen.note(60, false);
  equal(seen.last, 60);
  equal(seen.oldest, 40);
});

Deno.test("parseCommand() reads /history [N] and /search TEXT", () => {
  deepStrictEqual(parseCommand("/history"), { kind: "history", limit: 20 });
  deepStrictEqual(parseCommand("/history 7"), { kind: "history", limit: 7 });
  deepStrictEqual(parseCommand("/history 9999"), { kind: "history", limit: 500 });
  for (const bad of ["/history 0", "/history -1", "/history x", "/history 1 2"]) {
    deepStrictEqual(parseCommand(bad), { kind: "invalid", message: text("usageHistory") });
  }
  deepStrictEqual(parseCommand("/SEARCH  two words "), { kind: "search", words: "two words" });
  deepStrictEqual(parseCommand("/search"), { kind: "invalid", message: text("usageSearch") });
});
