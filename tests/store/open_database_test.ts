/**
 * Opening the chat database (lib/store/open_database.ts): a new file is migrated to the current
 * schema in WAL mode; a file in use, damaged or too new is refused with one line, unchanged.
 */

import { deepStrictEqual, equal, ok, throws } from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { ChatDb, DbError, type DbErrorCode } from "../../lib/store/chat_db.ts";
import { openDatabase } from "../../lib/store/open_database.ts";
import { type Migration, MIGRATIONS, SCHEMA_VERSION } from "../../lib/store/schema.ts";
import { listDir, withTempDir } from "./_temp_dir.ts";

/** Assert that opening `path` is refused with `code`, in one line naming the file. */
function assertRefused(path: string, code: DbErrorCode): DbError {
  let caught: unknown;
  try {
    ChatDb.open(path).close();
  } catch (error) {
    caught = error;
  }
  ok(caught instanceof DbError, `expected a DbError, got ${caught}`);
  equal(caught.code, code, caught.message);
  ok(!caught.message.includes("\n"), caught.message);
  ok(caught.message.includes(`"${path}"`), caught.message);
  return caught;
}

/** A real database with some messages in it, closed. */
async function makeDatabase(path: string, messages = 200): Promise<void> {
  using db = ChatDb.open(path);
  const text = "a message long enough to fill several pages of the database file ".repeat(4);
  await Promise.all(
    Array.from(
      { length: messages },
      (_, i) => db.append({ kind: "chat", from: "a", text: text + i }),
    ),
  );
}

Deno.test("openDatabase() migrates a new file to the current schema, in WAL mode", async () => {
  await withTempDir((dir) => {
    const { db, tokenizer } = openDatabase(`${dir}/chat.db`);
    try {
      equal(db.prepare("PRAGMA user_version").get()?.user_version, SCHEMA_VERSION);
      equal(db.prepare("PRAGMA journal_mode").get()?.journal_mode, "wal");
      equal(db.prepare("PRAGMA synchronous").get()?.synchronous, 1); // NORMAL
      equal(db.prepare("PRAGMA foreign_keys").get()?.foreign_keys, 1);
      equal(db.prepare("PRAGMA locking_mode").get()?.locking_mode, "exclusive");
      equal(tokenizer, "trigram");
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()
        .map((row) => String(row.name));
      for (
        const table of ["users", "sessions", "messages", "messages_fts", "deliveries", "files"]
      ) {
        ok(tables.includes(table), `missing table ${table}`);
      }
    } finally {
      db.close();
    }
    // Exclusive locking keeps WAL's index in memory: no -shm file beside the database.
    deepStrictEqual(listDir(dir), ["chat.db"]);
  });
});

Deno.test("openDatabase() applies a later migration once, keeping the data", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/chat.db`;
    await makeDatabase(path, 3);
    const next = SCHEMA_VERSION + 1;
    const later: Migration[] = [
      ...MIGRATIONS,
      () => ["ALTER TABLE users ADD COLUMN email TEXT", `PRAGMA user_version = ${next}`],
    ];
    for (let round = 0; round < 2; round++) {
      const { db } = openDatabase(path, later);
      equal(db.prepare("PRAGMA user_version").get()?.user_version, next);
      equal(db.prepare("SELECT count(*) AS n FROM messages").get()?.n, 3);
      db.close();
    }
    // This code now meets a newer file.
    assertRefused(path, "newer");
  });
});

Deno.test("openDatabase() rolls a failing migration back whole", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/chat.db`;
    await makeDatabase(path, 1);
    const broken: Migration[] = [
      ...MIGRATIONS,
      () => [
        "CREATE TABLE extra (x)",
        "THIS IS NOT SQL",
        `PRAGMA user_version = ${SCHEMA_VERSION + 1}`,
      ],
    ];
    throws(() => openDatabase(path, broken));
    const { db } = openDatabase(path);
    equal(db.prepare("PRAGMA user_version").get()?.user_version, SCHEMA_VERSION);
    equal(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'extra'").get()?.n, 0);
    db.close();
  });
});

Deno.test("openDatabase() moves a version 1 file on, keeping rows, ids and deliveries", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/chat.db`;
    {
      using db = ChatDb.open(path, { migrations: MIGRATIONS.slice(0, 1) });
      await db.register("Bob", "bob", "correct horse battery");
      const ids = await Promise.all(
        ["one", "two", "three"].map((text) => db.append({ kind: "chat", from: "a", text })),
      );
      db.storeOffline(ids[1], "bob");
      db.indexPending();
    }
    const raw = new DatabaseSync(path);
    raw.exec("DELETE FROM messages WHERE text = 'three'"); // the counter stays at 3
    raw.close();
    using db = ChatDb.open(path);
    deepStrictEqual(db.recent(10).map((m) => [m.id, m.text]), [[1, "one"], [2, "two"]]);
    deepStrictEqual(db.pendingFor("bob").map((m) => m.id), [2]);
    deepStrictEqual(db.search("two", 10).map((m) => m.id), [2]);
    equal(await db.append({ kind: "chat", from: "a", text: "four" }), 4); // 3 is never reused
    db.close();
    const check = new DatabaseSync(path);
    try {
      throws(() => check.exec("INSERT INTO messages (time, kind, text) VALUES (1, 'shout', 'no')"));
      check.exec("INSERT INTO messages (time, kind, text) VALUES (1, 'notice', 'yes')");
    } finally {
      check.close();
    }
  });
});

Deno.test("ChatDb.open() refuses a file another connection holds, at once, as locked", async () => {
  await withTempDir((dir) => {
    const path = `${dir}/chat.db`;
    const first = ChatDb.open(path);
    try {
      const error = assertRefused(path, "locked");
      ok(error.message.includes("another server"), error.message);
    } finally {
      first.close();
    }
    ChatDb.open(path).close(); // free again once the first has closed
  });
});

Deno.test("ChatDb.open() refuses random bytes as corrupt and leaves them unchanged", async () => {
  await withTempDir((dir) => {
    const path = `${dir}/chat.db`;
    const bytes = crypto.getRandomValues(new Uint8Array(64 * 1024));
    Deno.writeFileSync(path, bytes);
    assertRefused(path, "corrupt");
    deepStrictEqual(Deno.readFileSync(path), bytes);
    deepStrictEqual(listDir(dir), ["chat.db"]);
  });
});

Deno.test("ChatDb.open() refuses a SQLite header over garbage as corrupt, unchanged", async () => {
  await withTempDir((dir) => {
    const path = `${dir}/chat.db`;
    const bytes = crypto.getRandomValues(new Uint8Array(16 * 1024));
    bytes.set(new TextEncoder().encode("SQLite format 3\0"));
    Deno.writeFileSync(path, bytes);
    assertRefused(path, "corrupt");
    deepStrictEqual(Deno.readFileSync(path), bytes);
  });
});

Deno.test("ChatDb.open() refuses a truncated database as corrupt, unchanged", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/chat.db`;
    await makeDatabase(path);
    const whole = Deno.readFileSync(path);
    ok(whole.length > 64 * 1024, `only ${whole.length} bytes`);
    for (const length of [Math.floor(whole.length / 2), 4096, 60]) {
      const truncated = whole.slice(0, length);
      Deno.writeFileSync(path, truncated);
      assertRefused(path, "corrupt");
      deepStrictEqual(Deno.readFileSync(path), truncated, `truncated to ${length}`);
      deepStrictEqual(listDir(dir), ["chat.db"]);
    }
  });
});

Deno.test("ChatDb.open() refuses a newer schema version, unchanged", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/chat.db`;
    await makeDatabase(path, 5);
    const raw = new DatabaseSync(path);
    raw.exec("PRAGMA user_version = 999");
    raw.close();
    const bytes = Deno.readFileSync(path);
    const error = assertRefused(path, "newer");
    ok(error.message.includes("999"), error.message);
    deepStrictEqual(Deno.readFileSync(path), bytes);
  });
});

Deno.test("ChatDb.open() refuses a folder, or a file in a missing folder, as io", async () => {
  await withTempDir((dir) => {
    assertRefused(dir, "io");
    assertRefused(`${dir}/missing/chat.db`, "io");
  });
});

Deno.test("ChatDb.open() takes an empty file as a new database", async () => {
  await withTempDir((dir) => {
    const path = `${dir}/chat.db`;
    Deno.writeFileSync(path, new Uint8Array());
    using db = ChatDb.open(path);
    equal(db.lastId(), 0);
  });
});
