import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { encodeFrame, Kind, Status } from "../../lib/wire/frame.ts";
import { request } from "../../lib/wire/messages.ts";
import { ChatType, payloadObject } from "../../lib/chat/protocol.ts";
import { RawChat } from "../_chat_frames.ts";
import { serverStorage, startServer, tempDir } from "../_chat.ts";

/** Every file in the storage folder but the room's database. */
async function storedFiles(folder: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(folder)) {
    if (!entry.name.startsWith(".chat.db")) names.push(entry.name);
  }
  return names.sort();
}

/** Upload `bytes` as `name`: the `U` response, then (if accepted) the data and the `E`. */
async function upload(client: RawChat, id: number, name: string, bytes: Uint8Array<ArrayBuffer>) {
  const start = await client.request(ChatType.Upload, { name, size: bytes.length }, id);
  if (start.status !== Status.Ok) return { start, end: null };
  for (let at = 0; at < bytes.length; at += 256 * 1024) {
    await client.indicate(ChatType.Data, bytes.subarray(at, at + 256 * 1024), id);
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const sha256 = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  return { start, end: await client.request(ChatType.End, { sha256 }, id) };
}

Deno.test("an upload over --user-quota or --max-storage is refused before any byte is stored", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir, ["--user-quota", "10K", "--max-storage", "16K"]);
  await using _ = server;
  await using alice = await RawChat.connect(port);
  await alice.join("alice");
  const eight = new Uint8Array(8 * 1024).fill(65);
  equal((await upload(alice, 100, "a.bin", eight)).end?.status, Status.Ok);
  const over = await upload(alice, 101, "b.bin", eight);
  equal(over.start.status, Status.TooLarge);
  equal(payloadObject(over.start).code, "over-quota");
  equal(
    payloadObject(over.start).error,
    '"b.bin" is 8.0 KiB; you have 8.0 KiB stored and your quota is 10.0 KiB',
  );
  // Another member has quota left, but the room does not have the room.
  await using bob = await RawChat.connect(port);
  await bob.join("bob");
  const full = await upload(bob, 102, "c.bin", new Uint8Array(9 * 1024));
  deepStrictEqual([full.start.status, payloadObject(full.start).code], [
    Status.TooLarge,
    "storage-full",
  ]);
  deepStrictEqual(await storedFiles(serverStorage(dir)), ["a.bin"]);
});

/** Mount a small tmpfs, or say why not (not root, no mount). */
async function smallDisk(folder: string, size: string): Promise<string | null> {
  await Deno.mkdir(folder, { recursive: true });
  try {
    const out = await new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", folder],
      stderr: "piped",
    }).output();
    return out.success ? null : new TextDecoder().decode(out.stderr).trim();
  } catch (err) {
    return String(err);
  }
}

Deno.test("a disk that fills up mid-upload leaves no partial file, tells the uploader, and the room goes on", async (t) => {
  await using dir = await tempDir();
  const storage = serverStorage(dir);
  const why = await smallDisk(storage, "1m");
  if (why !== null) {
    console.log(`skipped: cannot mount a small tmpfs for the full disk (mount: ${why})`);
    t.step({ name: "needs mount -t tmpfs (root)", ignore: true, fn: () => {} });
    return;
  }
  try {
    // --max-storage, so the up-front check does not refuse it: the disk itself runs out.
    const { server, port } = await startServer(dir, ["--max-storage", "1G"]);
    await using _ = server;
    await using alice = await RawChat.connect(port);
    await alice.join("alice");
    const big = new Uint8Array(2 * 1024 * 1024).fill(66);
    const sent = await upload(alice, 200, "big.bin", big).catch(() => null);
    // Told as the disk filling up: a cancel while the chunks are written, or the end's
    // refusal when the last of them is flushed.
    const cancel = alice.frames.find((f) => f.type === ChatType.Cancel && f.id === 200);
    const said = cancel ?? sent?.end;
    ok(said, "the uploader was told");
    equal(payloadObject(said).code, "disk-full");
    ok(sent?.end?.status !== Status.Ok, "the upload did not succeed");
    deepStrictEqual(await storedFiles(storage), []);
    // The room still chats.
    equal((await alice.request(ChatType.Chat, { text: "still here" })).status, Status.Ok);
  } finally {
    await new Deno.Command("umount", { args: [storage] }).output();
  }
});

Deno.test("a member sending 1,000 messages a second is slowed to --max-rate, then disconnected; others are not slowed", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir, ["--max-rate", "10"]);
  await using _ = server;
  await using flood = await RawChat.connect(port);
  await flood.join("flood");
  await using calm = await RawChat.connect(port);
  await calm.join("calm");
  // 1,000 lines in one write: as fast as a client can send them.
  const lines = Array.from(
    { length: 1000 },
    (_, i) => request(ChatType.Chat, 1 + i, { text: `${i}` }),
  );
  const bytes = new Uint8Array(lines.reduce((n, f) => n + encodeFrame(f).length, 0));
  let at = 0;
  for (const f of lines) {
    const b = encodeFrame(f);
    bytes.set(b, at);
    at += b.length;
  }
  const writing = flood.fc.conn.write(bytes).catch(() => 0);
  // Meanwhile the calm member's round trips stay quick.
  const times: number[] = [];
  for (let i = 0; i < 40; i++) {
    const start = performance.now();
    equal((await calm.request(ChatType.Who)).status, Status.Ok);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  ok(times[Math.floor(times.length * 0.99)] < 50, `calm p99: ${times.at(-1)} ms`);
  const told = await flood.waitFor((f) => f.type === "S", "the flood notice");
  deepStrictEqual([told.status, payloadObject(told).code], [
    Status.RateLimited,
    "flood-disconnect",
  ]);
  await flood.waitForEnd();
  await writing;
  // Slowed: about 10 a second after a burst of 20, over the 5 s it was held back.
  const acked = flood.frames.filter((f) => f.kind === Kind.Response && f.type === ChatType.Chat);
  ok(acked.length >= 20 && acked.length <= 120, `${acked.length} acknowledged`);
  // The room was told.
  await calm.waitFor(
    (f) => f.type === ChatType.Leave && payloadObject(f).code === "dropped-flooding",
    "the room's notice",
  );
});
