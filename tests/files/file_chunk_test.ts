import { deepStrictEqual, equal, rejects, throws } from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  FileReceiver,
  hashFile,
  IntegrityError,
  isTempName,
  MAX_NAME_BYTES,
  numberedName,
  openChunks,
  safeName,
} from "../../lib/files/file_chunk.ts";

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

function randomBytes(size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let at = 0; at < size; at += 65536) crypto.getRandomValues(out.subarray(at, at + 65536));
  return out;
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "file_chunk_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names.sort();
}

Deno.test("openChunks() reads a file as chunks of the given size, with size and SHA-256", async () => {
  await withTempDir(async (dir) => {
    const data = randomBytes(3 * 1024 * 1024 + 12345); // several 1 MiB pieces and a tail
    const path = join(dir, "data.bin");
    await Deno.writeFile(path, data);
    const source = await openChunks(path, 100_000);
    equal(source.size, data.length);
    equal(source.name, "data.bin");
    throws(() => source.sha256(), Error);
    const sizes: number[] = [];
    const copy = new Uint8Array(data.length);
    let at = 0;
    for await (const chunk of source) {
      sizes.push(chunk.length);
      copy.set(chunk, at);
      at += chunk.length;
    }
    equal(Math.max(...sizes), 100_000);
    deepStrictEqual(copy, data);
    equal(source.sha256(), sha256(data));
    deepStrictEqual(await hashFile(path), { size: data.length, sha256: sha256(data) });
  });
});

Deno.test("openChunks() refuses a folder and a missing file", async () => {
  await withTempDir(async (dir) => {
    await rejects(openChunks(dir), TypeError);
    await rejects(openChunks(join(dir, "missing")), Deno.errors.NotFound);
  });
});

Deno.test("openChunks() closes the file when the reader stops early", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "big.bin");
    await Deno.writeFile(path, randomBytes(3 * 1024 * 1024));
    for await (const _ of await openChunks(path)) break; // resource sanitizer checks the close
  });
});

Deno.test("FileReceiver stores a file under its name only once size and SHA-256 match", async () => {
  await withTempDir(async (dir) => {
    const data = randomBytes(2 * 1024 * 1024 + 7);
    const rx = await FileReceiver.open(dir, "A甘晴void.txt", data.length);
    for (let at = 0; at < data.length; at += 256 * 1024) {
      await rx.write(data.slice(at, at + 256 * 1024));
      deepStrictEqual((await listDir(dir)).filter((n) => !isTempName(n)), []);
    }
    equal(await rx.finish(sha256(data)), "A甘晴void.txt");
    deepStrictEqual(await listDir(dir), ["A甘晴void.txt"]);
    deepStrictEqual(await Deno.readFile(join(dir, "A甘晴void.txt")), data);
  });
});

Deno.test("FileReceiver never overwrites: a second a.txt becomes a (1).txt", async () => {
  await withTempDir(async (dir) => {
    const stored: string[] = [];
    for (const text of ["one", "two", "three"]) {
      const bytes = new TextEncoder().encode(text);
      const rx = await FileReceiver.open(dir, "a.txt", bytes.length);
      await rx.write(bytes);
      stored.push(await rx.finish(sha256(bytes)));
    }
    deepStrictEqual(stored, ["a.txt", "a (1).txt", "a (2).txt"]);
    equal(await Deno.readTextFile(join(dir, "a.txt")), "one");
    equal(await Deno.readTextFile(join(dir, "a (2).txt")), "three");
  });
});

Deno.test("FileReceiver rejects a hash mismatch and leaves nothing behind", async () => {
  await withTempDir(async (dir) => {
    const data = randomBytes(5000);
    const rx = await FileReceiver.open(dir, "x.bin", data.length);
    await rx.write(data);
    await rejects(rx.finish(sha256(new Uint8Array(1))), IntegrityError);
    deepStrictEqual(await listDir(dir), []);
  });
});

Deno.test("FileReceiver rejects a transfer cut off in the middle, and abort() cleans up", async () => {
  await withTempDir(async (dir) => {
    const data = randomBytes(3 * 1024 * 1024);
    const short = await FileReceiver.open(dir, "cut.bin", data.length);
    await short.write(data.subarray(0, 1024 * 1024 + 5));
    await rejects(short.finish(sha256(data)), IntegrityError);
    deepStrictEqual(await listDir(dir), []);

    const aborted = await FileReceiver.open(dir, "gone.bin", data.length);
    await aborted.write(data.slice(0, 2 * 1024 * 1024));
    equal((await listDir(dir)).length, 1); // only the temporary file
    await aborted.abort();
    await aborted.abort();
    deepStrictEqual(await listDir(dir), []);
  });
});

Deno.test("FileReceiver refuses bytes beyond the announced size", async () => {
  await withTempDir(async (dir) => {
    const rx = await FileReceiver.open(dir, "small.bin", 3);
    await rejects(rx.write(new Uint8Array(4)), IntegrityError);
    await rx.abort();
    deepStrictEqual(await listDir(dir), []);
  });
});

Deno.test("safeName() keeps names inside the folder and refuses what cannot be saved", () => {
  equal(safeName("../../etc/passwd"), "_.._etc_passwd");
  equal(safeName("a/b"), "a_b");
  equal(safeName("a\\b"), "a_b");
  equal(safeName("line\nbreak\u0000.txt"), "line_break_.txt");
  equal(safeName("  report.pdf "), "report.pdf");
  equal(safeName(".bashrc"), "bashrc");
  equal(safeName("A甘晴void.txt"), "A甘晴void.txt");
  // Shown as "photoexe.png" if kept: a right-to-left override turns the extension round.
  equal(safeName("photo\u202egnp.exe"), "photo_gnp.exe");
  equal(safeName("a\u200b\u200e\u2067b.txt"), "a___b.txt");
  for (const bad of ["", ".", "..", "...", "   "]) throws(() => safeName(bad), TypeError);
});

Deno.test("safeName() cuts a long name on a character boundary and keeps its extension", () => {
  const long = "名".repeat(100) + ".txt"; // 304 bytes
  const safe = safeName(long);
  equal(safe.endsWith(".txt"), true);
  equal(new TextEncoder().encode(safe).length <= MAX_NAME_BYTES, true);
  equal(safe.includes("\ufffd"), false);
  equal(new TextEncoder().encode(safeName("x".repeat(300))).length, MAX_NAME_BYTES);
});

Deno.test("numberedName() numbers before the extension", () => {
  deepStrictEqual([0, 1, 2].map((n) => numberedName("a.txt", n)), [
    "a.txt",
    "a (1).txt",
    "a (2).txt",
  ]);
  equal(numberedName("README", 3), "README (3)");
});

Deno.test("openChunks() opens nothing until iterated, so an unread source leaks no file", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "unread.bin");
    await Deno.writeFile(path, new Uint8Array(10));
    const source = await openChunks(path);
    equal(source.size, 10); // the resource sanitizer fails this test if a file were left open
  });
});
