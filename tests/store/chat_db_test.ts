/**
 * The chat database (lib/store/chat_db.ts): batched appends, history reads, literal full-text
 * search, accounts, sessions, offline messages and files; every value back exactly as stored.
 */

import { deepStrictEqual, equal, match, notEqual, ok, rejects, throws } from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { ChatDb, type NewMessage, SHORT_WORD_WINDOW } from "../../lib/store/chat_db.ts";
import { needsRehash } from "../../lib/store/password.ts";
import { withTempDir } from "./_temp_dir.ts";

/** Values that break SQL built from strings, C strings, or short buffers. */
const NASTY = [
  `it's "quoted" \`back\``,
  "'; DROP TABLE users; --",
  "nul\0in\0the\0middle\0",
  "\0",
  "x".repeat(8 * 1024),
  "你好，世界 🎉 e\u0301 \u202e",
  "",
];

/** Append `texts` as chat lines from alice in one turn; their ids, in order. */
function appendAll(db: ChatDb, texts: string[]): Promise<number[]> {
  return Promise.all(
    texts.map((text) => db.append({ kind: "chat", from: "alice", fromKey: "alice", text })),
  );
}

const numbered = (n: number) => Array.from({ length: n }, (_, i) => `message ${i + 1}`);

Deno.test("ChatDb.append() commits 1,000 appends of one turn together, durably", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/chat.db`;
    const commits: number[] = [];
    const texts = numbered(1000);
    let ids: number[];
    {
      using db = ChatDb.open(path, { onCommit: (n) => commits.push(n) });
      const appends = texts.map((text) => db.append({ kind: "chat", from: "alice", text }));
      // Each promise resolves only after the commit that holds it.
      const committedFirst = appends[0].then(() => commits.length);
      equal(commits.length, 0);
      ids = await Promise.all(appends);
      equal(await committedFirst, 1);
      ok(commits.length <= 3, `${commits.length} commits`);
      equal(commits.reduce((a, b) => a + b, 0), 1000);
      ok(ids.every((id, i) => i === 0 || id > ids[i - 1]), "ids increase");
    }
    using again = ChatDb.open(path);
    deepStrictEqual(
      again.since(0, 1000).map((m) => [m.id, m.text]),
      ids.map((id, i) => [id, texts[i]]),
    );
    equal(again.lastId(), ids[999]);
  });
});

Deno.test("ChatDb.append() in separate turns makes separate commits", async () => {
  await withTempDir(async (dir) => {
    let commits = 0;
    using db = ChatDb.open(`${dir}/chat.db`, { onCommit: () => commits++ });
    for (const text of ["one", "two", "three"]) await db.append({ kind: "chat", from: "a", text });
    equal(commits, 3);
  });
});

Deno.test("ChatDb.close() commits what is queued first", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/chat.db`;
    const db = ChatDb.open(path);
    const pending = db.append({ kind: "notice", from: null, text: "server stopping" });
    db.close();
    const id = await pending;
    await rejects(db.append({ kind: "chat", from: "a", text: "late" }), TypeError);
    using again = ChatDb.open(path);
    equal(again.message(id)?.text, "server stopping");
    equal(again.message(id)?.from, null);
  });
});

Deno.test("ChatDb.append() rejects a malformed message alone, not its batch", async () => {
  await withTempDir(async (dir) => {
    using db = ChatDb.open(`${dir}/chat.db`);
    const good = db.append({ kind: "chat", from: "a", text: "fine" });
    const bad = db.append({ kind: "shout", from: "a", text: "no" } as unknown as NewMessage);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const unjsonable = db.append({ kind: "chat", from: "a", text: "x", extra: cyclic });
    await rejects(bad, TypeError);
    await rejects(unjsonable, TypeError);
    ok(await good > 0);
  });
});

Deno.test("ChatDb stores names and texts with quotes, SQL, NUL and 8 KiB exactly", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/chat.db`;
    const sent: NewMessage[] = NASTY.flatMap((value) => [
      { kind: "chat", from: value, fromKey: value, text: value, extra: { value } },
      { kind: "private", from: "alice", fromKey: "alice", to: value, toKey: value, text: value },
    ]);
    {
      using db = ChatDb.open(path);
      for (const value of NASTY.filter(Boolean)) {
        ok(await db.register(value, value, value), `register ${JSON.stringify(value)}`);
      }
      await Promise.all(sent.map((m) => db.append({ ...m, time: 1_700_000_000_000 })));
      for (const value of NASTY.filter(Boolean)) {
        db.recordFile({
          name: value,
          uploader: value,
          uploaderKey: value,
          time: 1,
          size: value.length,
          sha256: "0".repeat(64),
        });
      }
    }
    using db = ChatDb.open(path);
    const stored = db.since(0, 100, "alice");
    equal(stored.length, sent.length);
    stored.forEach((m, i) => {
      const want = sent[i];
      deepStrictEqual(
        [m.kind, m.from, m.fromKey, m.to, m.toKey, m.text, m.extra, m.time],
        [
          want.kind,
          want.from,
          want.fromKey,
          want.to ?? null,
          want.toKey ?? null,
          want.text,
          want.extra ?? null,
          1_700_000_000_000,
        ],
      );
    });
    for (const value of NASTY.filter(Boolean)) {
      equal(db.user(value)?.name, value);
      ok(await db.verify(value, value), `verify ${JSON.stringify(value)}`);
      equal(await db.verify(value, value + "!"), null);
      equal(db.fileInfo(value)?.uploader, value);
    }
    equal(db.users().length, NASTY.length - 1); // the users table is still there
    equal(db.files().length, NASTY.length - 1);
  });
});

Deno.test("ChatDb.recent(), before() and since() page through history in order", async () => {
  await withTempDir(async (dir) => {
    using db = ChatDb.open(`${dir}/chat.db`);
    const texts = numbered(100);
    const ids = await appendAll(db, texts);
    deepStrictEqual(db.recent(50).map((m) => m.text), texts.slice(50));
    deepStrictEqual(db.recent(500).map((m) => m.text), texts);
    deepStrictEqual(db.recent(0), []);
    deepStrictEqual(db.before(ids[50], 20).map((m) => m.text), texts.slice(30, 50));
    deepStrictEqual(db.before(ids[3], 20).map((m) => m.text), texts.slice(0, 3));
    deepStrictEqual(db.since(ids[89], 100).map((m) => m.id), ids.slice(90));
    deepStrictEqual(db.since(ids[89], 4).map((m) => m.id), ids.slice(90, 94));
    deepStrictEqual(db.since(ids[99], 100), []);
    deepStrictEqual(db.since(0, 100).map((m) => m.id), ids);
    throws(() => db.recent(-1), RangeError);
    throws(() => db.recent(1.5), RangeError);
    throws(() => db.since(0, 1e9), RangeError);
    throws(() => db.since(-1, 10), RangeError);
    throws(() => db.before(Number.NaN, 10), RangeError);
  });
});

Deno.test("ChatDb reads show a private message only to its sender and recipient", async () => {
  await withTempDir(async (dir) => {
    using db = ChatDb.open(`${dir}/chat.db`);
    await appendAll(db, ["public"]);
    await db.append({
      kind: "private",
      from: "Alice",
      fromKey: "alice",
      to: "Bob",
      toKey: "bob",
      text: "secret plan",
    });
    deepStrictEqual(db.recent(10).map((m) => m.text), ["public"]);
    deepStrictEqual(db.recent(10, "carol").map((m) => m.text), ["public"]);
    deepStrictEqual(db.recent(10, "bob").map((m) => m.text), ["public", "secret plan"]);
    deepStrictEqual(db.since(0, 10, "alice").map((m) => m.text), ["public", "secret plan"]);
    deepStrictEqual(db.search("secret", 10), []);
    deepStrictEqual(db.search("secret", 10, "bob").map((m) => m.to), ["Bob"]);
  });
});

Deno.test("ChatDb.search() finds a word in the 3rd of 100 messages, and Chinese", async () => {
  await withTempDir(async (dir) => {
    using db = ChatDb.open(`${dir}/chat.db`);
    const texts = numbered(100);
    texts[2] = "the Zebra crossing";
    texts[40] = "今天我们学习计算机网络";
    texts[41] = 'she said "hi" to *everyone*';
    const ids = await appendAll(db, texts);
    deepStrictEqual(db.search("zebra", 10).map((m) => m.id), [ids[2]]);
    deepStrictEqual(db.search("ZEBRA crossing", 10).map((m) => m.id), [ids[2]]);
    deepStrictEqual(db.search("zebra walking", 10), []);
    deepStrictEqual(db.search("计算机", 10).map((m) => m.id), [ids[40]]); // the trigram index
    deepStrictEqual(db.search("网络", 10).map((m) => m.id), [ids[40]]); // two characters: a scan
    deepStrictEqual(db.search('"hi"', 10).map((m) => m.id), [ids[41]]);
    deepStrictEqual(db.search("*everyone*", 10).map((m) => m.id), [ids[41]]);
    equal(db.search("message", 10).length, 10);
    deepStrictEqual(db.search("message", 3).map((m) => m.text), texts.slice(97));
  });
});

Deno.test("ChatDb.search() for a 1- or 2-character word reads only the newest", async () => {
  await withTempDir(async (dir) => {
    using db = ChatDb.open(`${dir}/chat.db`);
    const [old] = await appendAll(db, ["ok zebra"]);
    await appendAll(db, Array.from({ length: SHORT_WORD_WINDOW }, () => "filler"));
    // Once the background indexer has caught up, the index finds it whatever its age.
    for (let steps = 0; steps < 10 && db.indexPending(5000) > 0; steps++);
    deepStrictEqual(db.search("zebra", 5).map((m) => m.id), [old]); // the index has no window
    deepStrictEqual(db.search("ok zebra", 5), []);
    const [recent] = await appendAll(db, ["ok zebra again"]);
    deepStrictEqual(db.search("ok zebra", 5).map((m) => m.id), [recent]);
  });
});

Deno.test("ChatDb.search() treats FTS and SQL syntax as plain text and never throws", async () => {
  await withTempDir(async (dir) => {
    using db = ChatDb.open(`${dir}/chat.db`);
    await appendAll(db, numbered(20));
    const hostile = [
      '"',
      '""',
      "*",
      "'; DROP TABLE users; --",
      "a\0b",
      "NEAR(message 1)",
      "message OR 1",
      "text:message",
      "^message",
      "message*",
      "(",
      "-",
      "",
      "   ",
      "\u0000",
      "🎉".repeat(1000),
    ];
    for (const query of hostile) db.search(query, 10);
    equal(db.search("message OR 1", 10).length, 0); // "OR" is a word, and no message has it
    equal(db.search("'; DROP TABLE users; --", 10).length, 0);
    equal(db.users().length, 0);
    equal(db.recent(100).length, 20);
  });
});

Deno.test("ChatDb accounts: register once, verify, change password, ban", async () => {
  await withTempDir(async (dir) => {
    using db = ChatDb.open(`${dir}/chat.db`);
    const alice = await db.register("Alice", "alice", "pässwörd");
    equal(alice?.name, "Alice");
    equal(alice?.banned, false);
    equal(await db.register("ALICE", "alice", "other"), null);
    equal((await db.verify("alice", "pässwörd"))?.name, "Alice");
    equal((await db.verify("alice", "pa\u0308sswo\u0308rd"))?.key, "alice"); // NFC
    equal(await db.verify("alice", "wrong"), null);
    equal(await db.verify("nobody", "pässwörd"), null);
    ok(await db.setPassword("alice", "new one"));
    equal(await db.verify("alice", "pässwörd"), null);
    ok(await db.verify("alice", "new one"));
    equal(await db.setPassword("nobody", "x"), false);
    ok(db.ban("alice"));
    equal((await db.verify("alice", "new one"))?.banned, true);
    ok(db.unban("alice"));
    equal(db.user("alice")?.banned, false);
    equal(db.ban("nobody"), false);
    deepStrictEqual(db.users().map((u) => u.key), ["alice"]);
  });
});

Deno.test("ChatDb.verify() replaces a hash made with weaker parameters", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/chat.db`;
    {
      using db = ChatDb.open(path);
      await db.register("bob", "bob", "secret");
    }
    // An account from a time of cheaper parameters: Argon2id with 4 MiB and one pass.
    const salt = new Uint8Array(16).fill(7);
    const key = await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode("secret"),
      "Argon2id",
      false,
      ["deriveBits"],
    );
    const params = { name: "Argon2id", nonce: salt, memory: 4096, passes: 1, parallelism: 1 };
    const hash = new Uint8Array(await crypto.subtle.deriveBits(params, key, 256));
    const weak = `$argon2id$v=19$m=4096,t=1,p=1$${salt.toBase64({ omitPadding: true })}$${
      hash.toBase64({ omitPadding: true })
    }`;
    ok(needsRehash(weak));
    const raw = new DatabaseSync(path);
    raw.prepare("UPDATE users SET password = ? WHERE key = ?").run(weak, "bob");
    raw.close();
    {
      using db = ChatDb.open(path);
      ok(await db.verify("bob", "secret"));
    }
    const after = new DatabaseSync(path);
    const stored = String(after.prepare("SELECT password FROM users").get()?.password);
    after.close();
    match(stored, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });
});

Deno.test("ChatDb sessions: created, resolved, ended, revoked", async () => {
  await withTempDir(async (dir) => {
    using db = ChatDb.open(`${dir}/chat.db`);
    await db.register("Carol", "carol", "pw");
    const token = db.createSession("carol");
    match(token, /^[A-Za-z0-9_-]{43}$/);
    notEqual(db.createSession("carol"), token);
    equal(db.sessionUser(token)?.name, "Carol");
    equal(db.sessionUser(token, 60_000)?.name, "Carol");
    equal(db.sessionUser(token, -60_000), null); // older than allowed
    equal(db.sessionUser(token.slice(1)), null);
    equal(db.sessionUser(""), null);
    throws(() => db.createSession("nobody"), RangeError);

    ok(db.endSession(token));
    equal(db.sessionUser(token), null);

    const a = db.createSession("carol"), b = db.createSession("carol");
    equal(db.revokeSessions("carol"), 3); // b, a, and the second one from above
    equal(db.sessionUser(a), null);
    equal(db.sessionUser(b), null);

    const c = db.createSession("carol");
    await db.setPassword("carol", "changed");
    equal(db.sessionUser(c), null, "a password change ends sessions");
    const d = db.createSession("carol");
    db.ban("carol");
    equal(db.sessionUser(d), null, "a ban ends sessions");
  });
});

Deno.test("ChatDb offline messages: stored, pending with their time, delivered once", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/chat.db`;
    const times = [1_000, 2_000];
    let ids: number[];
    {
      using db = ChatDb.open(path);
      await db.register("bob", "bob", "pw");
      ids = await Promise.all(times.map((time, i) =>
        db.append({
          kind: "private",
          from: "alice",
          fromKey: "alice",
          to: "bob",
          toKey: "bob",
          text: `while you were away ${i}`,
          time,
        })
      ));
      for (const id of ids) db.storeOffline(id, "bob");
      db.storeOffline(ids[0], "bob"); // twice is once
      throws(() => db.storeOffline(ids[0], "guest")); // not an account
      throws(() => db.storeOffline(9999, "bob")); // no such message
    }
    using db = ChatDb.open(path); // a restart keeps them
    const pending = db.pendingFor("bob");
    deepStrictEqual(pending.map((m) => [m.id, m.time, m.from]), [
      [ids[0], 1_000, "alice"],
      [ids[1], 2_000, "alice"],
    ]);
    deepStrictEqual(db.pendingFor("alice"), []);
    ok(db.markDelivered(ids[0], "bob"));
    equal(db.markDelivered(ids[0], "bob"), false);
    equal(db.markDelivered(ids[1], "carol"), false);
    deepStrictEqual(db.pendingFor("bob").map((m) => m.id), [ids[1]]);
  });
});

Deno.test("ChatDb files: recorded, replaced, listed, counted, forgotten", async () => {
  await withTempDir((dir) => {
    const path = `${dir}/chat.db`;
    const sha = "ab".repeat(32);
    {
      using db = ChatDb.open(path);
      db.recordFile({
        name: "b.txt",
        uploader: "Bob",
        uploaderKey: "bob",
        time: 5,
        size: 10,
        sha256: sha,
      });
      db.recordFile({
        name: "a.txt",
        uploader: "Al",
        uploaderKey: "al",
        time: 6,
        size: 1,
        sha256: sha,
      });
      db.recordFile({
        name: "a.txt",
        uploader: "Bob",
        uploaderKey: "bob",
        time: 7,
        size: 3,
        sha256: sha,
      });
      throws(() =>
        db.recordFile({
          name: "c",
          uploader: "x",
          uploaderKey: "x",
          time: 1,
          size: 1,
          sha256: "no",
        })
      );
    }
    using db = ChatDb.open(path);
    deepStrictEqual(db.files().map((f) => [f.name, f.uploader, f.time, f.size]), [
      ["a.txt", "Bob", 7, 3],
      ["b.txt", "Bob", 5, 10],
    ]);
    deepStrictEqual(db.fileInfo("b.txt"), {
      name: "b.txt",
      uploader: "Bob",
      uploaderKey: "bob",
      time: 5,
      size: 10,
      sha256: sha,
    });
    equal(db.fileInfo("nope"), undefined);
    equal(db.storedBytes(), 13);
    equal(db.storedBytes("bob"), 13);
    equal(db.storedBytes("al"), 0);
    ok(db.forgetFile("a.txt"));
    equal(db.forgetFile("a.txt"), false);
    equal(db.storedBytes(), 10);
  });
});
