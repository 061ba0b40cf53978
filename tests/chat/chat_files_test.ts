/**
 * File sharing in the chat room: streaming, verification, safe names, and what is left on
 * disk when things go wrong.
 */

import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { createHash } from "node:crypto";
import { join, relative } from "node:path";
import { hashFile } from "../../lib/files/file_chunk.ts";
import { Kind, Status } from "../../lib/wire/frame.ts";
import { ChatType, payloadObject } from "../../lib/chat/protocol.ts";
import { RawChat } from "../_chat_frames.ts";
import {
  downloadsDir,
  literal,
  serverStorage,
  startClient,
  startServer,
  tempDir,
} from "../_chat.ts";

/** Write `size` random bytes to `path`, a mebibyte at a time. */
async function randomFile(path: string, size: number): Promise<void> {
  using file = await Deno.open(path, { write: true, createNew: true });
  const piece = new Uint8Array(1024 * 1024);
  for (let left = size; left > 0; left -= piece.length) {
    // getRandomValues fills at most 64 KiB per call.
    for (let at = 0; at < piece.length; at += 65536) {
      crypto.getRandomValues(piece.subarray(at, at + 65536));
    }
    const part = piece.subarray(0, Math.min(left, piece.length));
    let written = 0;
    while (written < part.length) written += await file.write(part.subarray(written));
  }
}

/** Every file under a folder, as paths relative to it. */
/** Every file under a folder, but the room's database (`.chat.db` and SQLite's files beside it). */
async function allFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (d: string) => {
    for await (const entry of Deno.readDir(d)) {
      const path = join(d, entry.name);
      if (entry.name.startsWith(".chat.db")) continue;
      if (entry.isDirectory) await walk(path);
      else found.push(relative(dir, path));
    }
  };
  await walk(dir);
  return found.sort();
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

Deno.test("a 50 MB file with a Unicode name comes back identical while 200 messages flow", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir);
  await using _s = server;
  const name = "A甘晴void.bin";
  const size = 50 * 1024 * 1024;
  await randomFile(join(dir.path, name), size);
  const original = await hashFile(join(dir.path, name));

  await using alice = await startClient(dir, port, "alice");
  await using bob = await startClient(dir, port, "bob");
  await using carol = await startClient(dir, port, "carol");
  await alice.type(`/file upload ${name}\n`);
  await alice.waitFor(new RegExp(`^Uploaded ${literal(name)} as ${literal(name)}: 50\\.0 MiB in`));
  await bob.waitFor(new RegExp(`\\*\\*\\* alice uploaded ${literal(name)} \\(50\\.0 MiB\\)$`));

  await bob.type(`/file download ${name}\n`);
  await server.waitFor(new RegExp(`bob is downloading "${literal(name)}"`));
  const messages = Array.from({ length: 200 }, (_, i) => `during the download ${i}`);
  await carol.type(messages.join("\n") + "\n");

  await bob.waitFor(new RegExp(`^Downloaded ${literal(name)} to storage/downloads/`));
  const got = await bob.waitForCount(/ carol: during the download \d+$/, 200);
  deepStrictEqual(got.map((l) => l.replace(/^.* carol: /, "")), messages);
  deepStrictEqual(await hashFile(join(downloadsDir(dir), name)), original);
  deepStrictEqual(await hashFile(join(serverStorage(dir), name)), original);
});

Deno.test("a second upload of a.txt is stored as a (1).txt, everyone is told, list shows both", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir);
  await using _s = server;
  await Deno.writeTextFile(join(dir.path, "a.txt"), "first\n");
  await using alice = await startClient(dir, port, "alice");
  await using bob = await startClient(dir, port, "bob");
  await alice.type("/file upload a.txt\n");
  await bob.waitFor(/\*\*\* alice uploaded a\.txt \(6 B\)$/);
  await Deno.writeTextFile(join(dir.path, "a.txt"), "second\n");
  await alice.type("/file upload a.txt\n");
  await bob.waitFor(/\*\*\* alice uploaded a \(1\)\.txt \(7 B\)$/);
  await alice.waitFor(/^Uploaded a\.txt as a \(1\)\.txt: 7 B in/);
  equal(await Deno.readTextFile(join(serverStorage(dir), "a.txt")), "first\n");
  equal(await Deno.readTextFile(join(serverStorage(dir), "a (1).txt")), "second\n");

  await bob.type("/file list\n");
  await bob.waitFor(/^Files on the server \(2\):$/);
  await bob.waitFor(/^ {2}a \(1\)\.txt {2}7 B {2}by alice {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  await bob.waitFor(/^ {2}a\.txt {6}6 B {2}by alice {2}\d{4}-/);

  // Downloading twice: the second copy does not overwrite the first.
  await bob.type('/file download "a (1).txt"\n');
  await bob.waitFor(/^Downloaded a \(1\)\.txt to storage\/downloads\/a \(1\)\.txt: 7 B/);
  await bob.type("/file download a (1).txt\n");
  await bob.waitFor(/^Downloaded a \(1\)\.txt to storage\/downloads\/a \(1\) \(1\)\.txt: 7 B/);
  deepStrictEqual(await allFiles(downloadsDir(dir)), ["a (1) (1).txt", "a (1).txt"]);
});

Deno.test("upload and download errors: missing, folder, too large, no such file", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir, ["--max-file-size", "1K"]);
  await using _s = server;
  await Deno.mkdir(join(dir.path, "folder"));
  await Deno.writeFile(join(dir.path, "big.bin"), new Uint8Array(2048));
  await using alice = await startClient(dir, port, "alice");
  // The error names the path it tried, in full.
  const at = (name: string) => literal(join(dir.path, name));
  await alice.type("/file upload missing.txt\n");
  await alice.waitFor(new RegExp(`^error: cannot upload "${at("missing.txt")}": not found$`));
  await alice.type("/file upload folder\n");
  await alice.waitFor(
    new RegExp(`^error: cannot upload "${at("folder")}": "folder" is a folder, not a file$`),
  );
  await alice.type("/file upload big.bin\n");
  await alice.waitFor(
    new RegExp(
      `^error: cannot upload "${
        at("big.bin")
      }": "big\\.bin" is 2\\.0 KiB; the server accepts files up to 1\\.0 KiB$`,
    ),
  );
  await alice.type("/file download nothing.txt\n");
  await alice.waitFor(
    /^error: cannot download "nothing\.txt": No file "nothing\.txt" on the server$/,
  );
  await alice.type("/file download ../big.bin\n");
  await alice.waitFor(/^error: cannot download "\.\.\/big\.bin": No file/);
  await alice.type("/file list\n");
  await alice.waitFor(/^No files on the server yet\.$/);
  deepStrictEqual(await allFiles(serverStorage(dir)), []);
  ok(!server.lines.some((l) => l.includes("uploading")), "refused before any byte is sent");
});

Deno.test("unsafe upload names are stored safely or refused, never outside the storage folder", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir);
  await using _s = server;
  await using raw = await RawChat.connect(port);
  await raw.join("mallory");
  const body = new TextEncoder().encode("owned\n");
  const names = [
    "../../etc/passwd",
    "a/b",
    "",
    ".",
    "..",
    "x".repeat(300),
    "line\nbreak.txt",
    "nul\0byte.txt",
    "..\\..\\win.ini",
    ".hidden",
  ];
  const stored: string[] = [];
  let id = 100;
  for (const name of names) {
    id++;
    const start = await raw.request(ChatType.Upload, { name, size: body.length }, id);
    if (start.status !== Status.Ok) {
      equal(start.status, Status.BadPayload, `refusal of ${JSON.stringify(name)}`);
      match(String(payloadObject(start).error), /^Unsafe file name/);
      continue;
    }
    await raw.indicate(ChatType.Data, body, id);
    const end = await raw.request(ChatType.End, { sha256: sha256(body) }, id);
    equal(end.status, Status.Ok);
    stored.push(String(payloadObject(end).name));
  }
  deepStrictEqual(stored, [
    "_.._etc_passwd",
    "a_b",
    "x".repeat(200),
    "line_break.txt",
    "nul_byte.txt",
    "_.._win.ini",
    "hidden",
  ]);
  // Everything written is directly in the storage folder, and nothing else was written.
  const everything = await allFiles(dir.path);
  deepStrictEqual(everything, stored.map((n) => join("storage", "server", n)).sort());
  await server.waitFor(/mallory uploaded "hidden"/);
});

Deno.test("a client gone mid-upload leaves no file; a bad SHA-256 stores nothing", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir);
  await using _s = server;
  const chunk = new Uint8Array(256 * 1024).fill(7);
  {
    await using quitter = await RawChat.connect(port);
    await quitter.join("quitter");
    const start = await quitter.request(
      ChatType.Upload,
      { name: "partial.bin", size: 10 << 20 },
      9,
    );
    equal(start.status, Status.Ok);
    for (let i = 0; i < 4; i++) await quitter.indicate(ChatType.Data, chunk, 9);
    await server.waitFor(/quitter is uploading "partial\.bin"/);
  } // closed here, mid-upload, as a killed process's socket is
  await server.waitFor(/quitter's upload of "partial\.bin" abandoned/);
  deepStrictEqual(await allFiles(serverStorage(dir)), []);

  await using liar = await RawChat.connect(port);
  await liar.join("liar");
  equal(
    (await liar.request(ChatType.Upload, { name: "lie.bin", size: chunk.length }, 3)).status,
    0,
  );
  await liar.indicate(ChatType.Data, chunk, 3);
  const end = await liar.request(ChatType.End, { sha256: "0".repeat(64) }, 3);
  equal(end.status, Status.Integrity);
  match(String(payloadObject(end).error), /SHA-256 mismatch/);
  deepStrictEqual(await allFiles(serverStorage(dir)), []);
  // The connection survives a refused upload.
  const who = await liar.request(ChatType.Who);
  equal(who.kind, Kind.Response);
  equal(who.status, Status.Ok);
});

Deno.test("/exit during a download cancels it and leaves no partial file behind", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir);
  await using _s = server;
  await randomFile(join(serverStorage(dir), "big.bin"), 20 * 1024 * 1024);
  await using bob = await startClient(dir, port, "bob");
  await bob.type("/file download big.bin\n/exit\n");
  equal(await bob.exit(), 0);
  await server.waitFor(/bob left/);
  // Either the download was cancelled (nothing left) or it won the race and is whole.
  const left = await allFiles(downloadsDir(dir));
  ok(left.length === 0 || (left.length === 1 && left[0] === "big.bin"), left.join(", "));
  if (left.length === 1) {
    deepStrictEqual(
      await hashFile(join(downloadsDir(dir), "big.bin")),
      await hashFile(join(serverStorage(dir), "big.bin")),
    );
  }
});
