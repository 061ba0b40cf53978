/**
 * The chat programs' parts on their own: protocol checks, command parsing, formatting, and the
 * server and client functions in one process.
 */

import { deepStrictEqual, equal, match, ok, rejects, throws } from "node:assert/strict";
import { join } from "node:path";
import { Kind, makeFrame, Status } from "../../lib/wire/frame.ts";
import {
  ChatError,
  ChatType,
  checkText,
  checkUserName,
  indication,
  MAX_TEXT_BYTES,
  nameKey,
  parseEvent,
  refusal,
  refusalText,
} from "../../lib/chat/protocol.ts";
import { formatBytes, formatProgress, parseByteSize, parseSeconds } from "../../lib/cli/units.ts";
import { ChatClient } from "../../lib/chat/client_session.ts";
import { formatEvent, formatFiles } from "../../lib/chat/format.ts";
import { parseCommand } from "../../lib/chat/commands.ts";
import { runChatServer } from "../../programs/chat/chat_server.ts";
import { tempDir } from "../_chat.ts";

Deno.test("checkUserName() trims and refuses empty, long, spaced and control-character names", () => {
  equal(checkUserName("  Ana "), "Ana");
  equal(checkUserName("甘晴"), "甘晴");
  equal(nameKey("ALICE"), nameKey("alice"));
  for (const bad of ["", "   ", "a b", "a\nb", "x".repeat(33), 7, null]) {
    throws(() => checkUserName(bad), TypeError, JSON.stringify(bad));
  }
});

Deno.test("checkUserName() refuses invisible, direction-changing and look-alike names", () => {
  for (const bad of ["ali\u200bce", "\u202Eecila", "alice\u200E", "\u2067alice", "a\u2069b"]) {
    throws(() => checkUserName(bad), TypeError, "invisible or direction-changing");
  }
  // The refusal spells the character out rather than echo it.
  throws(() => checkUserName("ali\u200bce"), { message: /^The name "ali\\u200Bce" has/ });
  throws(() => checkUserName("\u202Eecila"), { message: /"\\u202Eecila"/ });
  throws(() => checkUserName("\u3164"), TypeError); // Hangul filler: draws as a blank
  throws(() => checkUserName("\u0430lice"), TypeError, "mixes scripts"); // Cyrillic a
  throws(() => checkUserName("a😀"), TypeError, "only letters");
  throws(() => checkUserName("\u0301a"), TypeError, "only letters"); // starts with a mark
  equal(checkUserName("王小明_2024"), "王小明_2024");
  equal(checkUserName("たなか田中"), "たなか田中"); // Han with kana is Japanese, not a spoof
  equal(checkUserName("Jos\u0065\u0301"), "Jos\u00e9"); // NFC
  equal(checkUserName("Дмитрий"), "Дмитрий");
  equal(nameKey("ａｌｉｃｅ"), nameKey("Alice")); // fullwidth letters are the same name
});

Deno.test("checkText() takes one line up to the limit, quoting the size when over", () => {
  equal(checkText("hello\tworld"), "hello\tworld");
  throws(() => checkText("two\nlines"), TypeError);
  throws(() => checkText("  "), TypeError);
  throws(() => checkText("x".repeat(MAX_TEXT_BYTES + 1)), /8193 bytes/);
});

Deno.test("parseEvent() reads room indications; refusalText() reads errors", () => {
  const chat = indication(ChatType.Chat, { time: "t", from: "a", text: "hi" });
  deepStrictEqual(parseEvent(chat), { type: "chat", time: "t", from: "a", text: "hi" });
  equal(formatEvent(parseEvent(chat)!), "t a: hi");
  const full = indication(ChatType.Notice, { text: "Server is full" }, { status: Status.Full });
  equal(parseEvent(full)?.type, "notice");
  equal(parseEvent(indication(ChatType.Data, new Uint8Array(3), { id: 1 })), null);
  throws(() => parseEvent(indication(ChatType.Chat, { time: "t" })), TypeError);
  const req = makeFrame(Kind.Request, ChatType.Get, { id: 4 });
  equal(refusalText(refusal(req, Status.NotFound, "No file")), "No file");
  match(refusalText(makeFrame(Kind.Response, "G", { status: 4 })), /NotFound/);
});

Deno.test("formatEvent() makes control characters from a peer harmless", () => {
  const line = formatEvent({ type: "chat", time: "t", from: "a\nb", text: "x\x1b[2Jy" });
  equal(line, "t a?b: x?[2Jy");
});

Deno.test("parseCommand() reads every command, and text to say", () => {
  deepStrictEqual(parseCommand("hello there"), { kind: "say", text: "hello there" });
  deepStrictEqual(parseCommand("//not a command"), { kind: "say", text: "/not a command" });
  deepStrictEqual(parseCommand("   "), { kind: "none" });
  deepStrictEqual(parseCommand("/EXIT"), { kind: "exit" });
  deepStrictEqual(parseCommand("/who"), { kind: "who" });
  deepStrictEqual(parseCommand("/msg bob  hi  you"), { kind: "msg", to: "bob", text: "hi  you" });
  deepStrictEqual(parseCommand("/file list"), { kind: "list" });
  deepStrictEqual(parseCommand("/file upload my file.txt"), {
    kind: "upload",
    path: "my file.txt",
  });
  deepStrictEqual(parseCommand('/file download "a (1).txt"'), {
    kind: "download",
    name: "a (1).txt",
  });
  for (const bad of ["/msg bob", "/file", "/file upload", "/file delete x", "/dance"]) {
    equal(parseCommand(bad).kind, "invalid", bad);
  }
});

Deno.test("formatFiles() lines up name, size, uploader and time", () => {
  deepStrictEqual(
    formatFiles([
      { name: "a.txt", size: 6, uploader: "alice", time: "2026-01-01 10:00:00" },
      { name: "long name.bin", size: 2048, uploader: null, time: "2026-01-01 09:00:00" },
    ]),
    [
      "Files on the server (2):",
      "  a.txt          6 B      by alice            2026-01-01 10:00:00",
      "  long name.bin  2.0 KiB  (uploader unknown)  2026-01-01 09:00:00",
    ],
  );
  deepStrictEqual(formatFiles([]), ["No files on the server yet."]);
});

Deno.test("sizes and seconds parse and print as people type and read them", () => {
  equal(parseByteSize("1G"), 1024 ** 3);
  equal(parseByteSize("64K"), 65536);
  equal(parseByteSize("20MiB"), 20 * 1024 ** 2);
  equal(parseByteSize("123"), 123);
  throws(() => parseByteSize("lots"), RangeError);
  equal(parseSeconds("0.25"), 0.25);
  throws(() => parseSeconds("0"), RangeError);
  equal(formatBytes(50 * 1024 ** 2), "50.0 MiB");
  equal(
    formatProgress("upload a", { done: 1024 ** 2, total: 4 * 1024 ** 2, elapsedMs: 1000 }),
    "upload a 1.0 MiB/4.0 MiB 25% 1.0 MiB/s 3.0 s left",
  );
});

Deno.test("formatBytes() shows whole bytes under 1 KiB, also for a rate", () => {
  equal(formatBytes(512), "512 B");
  equal(formatBytes(3000 / 7), "429 B");
  equal(formatBytes(0.4), "0 B");
  equal(formatBytes(1536), "1.5 KiB");
  equal(
    formatProgress("upload a", { done: 3000, total: 6000, elapsedMs: 7000 }),
    "upload a 2.9 KiB/5.9 KiB 50% 429 B/s 7.0 s left",
  );
});

Deno.test("runChatServer() and ChatClient in one process: join, chat, transfer, leave, stop", async () => {
  await using dir = await tempDir();
  const storage = join(dir.path, "server");
  const log: string[] = [];
  const shutdown = new AbortController();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  const serving = runChatServer(listener, {
    signal: shutdown.signal,
    log: (l) => log.push(l),
    storage,
  });

  const events: string[] = [];
  const alice = new ChatClient(await Deno.connect({ port }), (e) => events.push(formatEvent(e)));
  const bob = new ChatClient(await Deno.connect({ port }), () => {});
  try {
    deepStrictEqual((await alice.join("alice")).users, ["alice"]);
    await rejects(bob.join("ALICE"), (e: ChatError) => e.status === Status.Taken);
    await bob.join("bob");
    await bob.say("hello");
    await alice.who();
    ok(events.some((e) => e.endsWith(" bob: hello")), events.join("\n"));

    const source = join(dir.path, "source.bin");
    await Deno.writeFile(source, new Uint8Array(700_000).map((_, i) => i % 251));
    const up = await alice.upload(source);
    deepStrictEqual(up, { name: "source.bin", size: 700_000 });
    await Deno.mkdir(join(dir.path, "down"));
    const down = await bob.download("source.bin", join(dir.path, "down"));
    deepStrictEqual(down, { name: "source.bin", size: 700_000 });
    deepStrictEqual(
      await Deno.readFile(join(dir.path, "down", "source.bin")),
      await Deno.readFile(source),
    );
    await rejects(
      bob.download("nope.bin", join(dir.path, "down")),
      (e: ChatError) => e.status === Status.NotFound,
    );
    deepStrictEqual((await bob.files()).map((f) => [f.name, f.uploader]), [
      ["source.bin", "alice"],
    ]);
    await bob.leave();
  } finally {
    shutdown.abort();
    await serving;
    // The server closes every connection once it has told it; each reader then ends.
    await alice.closed;
    await bob.closed;
  }
  ok(events.some((e) => e.endsWith("*** Server is shutting down. Goodbye!")), events.join("\n"));
  ok(log.some((l) => / bob left \(1 online\)$/.test(l)), log.join("\n"));
});
