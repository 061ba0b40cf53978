import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { join } from "node:path";
import { Kind, Status } from "../../lib/wire/frame.ts";
import { ChatType, payloadObject } from "../../lib/chat/protocol.ts";
import { RawChat } from "../_chat_frames.ts";
import { serverStorage, startServer, tempDir } from "../_chat.ts";
import { runTask } from "../_task.ts";

/** The `C` indications a client received, as `[text, history?]`. */
function chats(client: RawChat): { id: number; text: string; history: boolean }[] {
  return client.frames
    .filter((f) => f.kind === Kind.Indication && f.type === ChatType.Chat)
    .map((f) => {
      const p = payloadObject(f);
      return { id: Number(p.id), text: String(p.text), history: p.history === true };
    });
}

/** Send `n` chat lines, each acknowledged before the next. */
async function say(client: RawChat, texts: string[]): Promise<number[]> {
  const ids: number[] = [];
  for (const text of texts) {
    const ack = await client.request(ChatType.Chat, { text });
    equal(ack.status, Status.Ok, `"${text}" refused`);
    ids.push(Number(payloadObject(ack).id));
  }
  return ids;
}

Deno.test("a newcomer sees the last 50 of 100 messages, in order and marked as history", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir);
  await using _ = server;
  await using alice = await RawChat.connect(port);
  await alice.join("alice");
  const said = Array.from({ length: 100 }, (_, i) => `message ${i + 1}`);
  const ids = await say(alice, said);
  ok(ids.every((id, i) => i === 0 || id > ids[i - 1]), "ids increase");

  await using bob = await RawChat.connect(port);
  await bob.join("bob");
  await bob.waitForCount((f) => f.type === ChatType.Chat, 50, "50 messages of history");
  const seen = chats(bob);
  deepStrictEqual(seen.map((c) => c.text), said.slice(50));
  ok(seen.every((c) => c.history), "every replayed line is marked as history");

  // A live line after that is not history.
  await say(alice, ["now"]);
  await bob.waitForCount((f) => f.type === ChatType.Chat, 51, "the live line");
  equal(chats(bob).at(-1)!.history, false);

  // /search finds a word of the 3rd message; /history pages further back.
  await say(alice, ["the word is xylophone"]);
  const found = payloadObject(await bob.request(ChatType.History, { search: "xylophone" }));
  deepStrictEqual((found.messages as { text: string }[]).map((m) => m.text), [
    "the word is xylophone",
  ]);
  const third = payloadObject(await bob.request(ChatType.History, { search: "message 3" }));
  ok((third.messages as { text: string }[]).some((m) => m.text === "message 3"));
  const page = payloadObject(await bob.request(ChatType.History, { before: ids[50], limit: 10 }));
  deepStrictEqual((page.messages as { text: string }[]).map((m) => m.text), said.slice(40, 50));
});

Deno.test("a member that reconnects with the last id it saw gets exactly what it missed", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir);
  await using _ = server;
  await using alice = await RawChat.connect(port);
  await alice.join("alice");
  const [last] = await say(alice, ["before"]);
  const missed = ["while away 1", "while away 2", "while away 3"];
  await say(alice, missed);
  await using back = await RawChat.connect(port);
  const res = await back.request(ChatType.Join, { name: "bob", after: last });
  equal(res.status, Status.Ok);
  await back.waitForCount((f) => f.type === ChatType.Chat, 3, "what was missed");
  // Its own join is not replayed to it: only what the room said after `last`.
  await say(alice, ["after"]);
  await back.waitForCount((f) => f.type === ChatType.Chat, 4, "the live line");
  deepStrictEqual(chats(back).map((c) => c.text), [...missed, "after"]);
});

Deno.test("text with quotes, SQL and 8 KiB is stored and returned exactly", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir);
  await using _ = server;
  await using alice = await RawChat.connect(port);
  await alice.join("O'Brien");
  const texts = [
    `she said "hi" and it's fine`,
    "'; DROP TABLE users; --",
    `Robert'); DROP TABLE messages;--`,
    "x".repeat(8192),
    "汉字 and 😀 and \\ backslash",
  ];
  await say(alice, texts);
  await using bob = await RawChat.connect(port);
  await bob.join("bob");
  await bob.waitForCount((f) => f.type === ChatType.Chat, texts.length, "the history");
  deepStrictEqual(chats(bob).map((c) => c.text), texts);
  const from = bob.frames.filter((f) => f.type === ChatType.Chat).map((f) => payloadObject(f).from);
  ok(from.every((name) => name === "O'Brien"));
});

Deno.test("1,000 acknowledged messages survive kill -9; after a restart the file list names every uploader", async () => {
  await using dir = await tempDir();
  let { server, port } = await startServer(dir);
  {
    await using alice = await RawChat.connect(port);
    await alice.join("alice");
    // Pipelined: all 1,000 in flight at once, as a fast client sends them.
    const acks = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => alice.request(ChatType.Chat, { text: `m${i}` })),
    );
    ok(acks.every((a) => a.status === Status.Ok), "all acknowledged");
    // An upload, so the restarted server has a file whose uploader it must remember.
    const bytes = new TextEncoder().encode("notes");
    const sha256 = Array.from(
      new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)),
      (b) => b.toString(16).padStart(2, "0"),
    ).join("");
    equal((await alice.request(ChatType.Upload, { name: "n.txt", size: 5 }, 900)).status, 0);
    await alice.indicate(ChatType.Data, bytes, 900);
    equal((await alice.request(ChatType.End, { sha256 }, 900)).status, Status.Ok);
    server.kill("SIGKILL");
    await server.exit();
    await server[Symbol.asyncDispose]();
  }
  // A file dropped in by hand is listed with no uploader.
  await Deno.writeTextFile(join(serverStorage(dir), "by-hand.txt"), "x");
  ({ server, port } = await startServer(dir));
  await using _ = server;
  await using bob = await RawChat.connect(port);
  await bob.join("bob");
  const texts: string[] = [];
  let before: number | undefined;
  for (let page = 0; page < 3; page++) {
    const res = payloadObject(await bob.request(ChatType.History, { before, limit: 500 }));
    const messages = res.messages as { id: number; type: string; text?: string }[];
    if (messages.length === 0) break;
    texts.unshift(...messages.filter((m) => m.type === ChatType.Chat).map((m) => m.text!));
    before = messages[0].id;
  }
  deepStrictEqual(texts, Array.from({ length: 1000 }, (_, i) => `m${i}`));
  const files = payloadObject(await bob.request(ChatType.Files)).files as {
    name: string;
    uploader: string | null;
  }[];
  deepStrictEqual(files.map((f) => [f.name, f.uploader]), [["by-hand.txt", null], [
    "n.txt",
    "alice",
  ]]);
});

Deno.test("a corrupt or newer database stops the server with one line and is left unchanged", async () => {
  await using dir = await tempDir();
  const storage = serverStorage(dir);
  await Deno.mkdir(storage, { recursive: true });
  const file = join(storage, ".chat.db");
  const junk = crypto.getRandomValues(new Uint8Array(4096));
  await Deno.writeFile(file, junk);
  const corrupt = await runTask("chat-server", ["--port", "0"], { cwd: dir.path });
  equal(corrupt.code, 1);
  equal(
    corrupt.stderr,
    'chat_server: "storage/server/.chat.db" is not a chat database, or is damaged; it was left as it is (move it away to start afresh)',
  );
  deepStrictEqual(await Deno.readFile(file), junk);

  // A database from a newer server: a real one, with a schema version this one does not know.
  await Deno.remove(file);
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(file);
  db.exec("CREATE TABLE future (x); PRAGMA user_version = 999;");
  db.close();
  const before = await Deno.readFile(file);
  const newer = await runTask("chat-server", ["--port", "0"], { cwd: dir.path });
  equal(newer.code, 1);
  equal(
    newer.stderr,
    'chat_server: "storage/server/.chat.db" was written by a newer version of this server; it was left as it is',
  );
  deepStrictEqual(await Deno.readFile(file), before);
});
