/**
 * Password hashing (lib/store/password.ts): Argon2id PHC strings that verify, refuse the wrong
 * password, treat Unicode forms alike, and say when their parameters are out of date.
 */

import { equal, match, notEqual, ok, rejects } from "node:assert/strict";
import {
  dummyVerify,
  hashPassword,
  needsRehash,
  verifyPassword,
} from "../../lib/store/password.ts";

Deno.test("hashPassword() makes a salted Argon2id PHC string that verifies", async () => {
  const stored = await hashPassword("correct horse battery staple");
  match(stored, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  notEqual(await hashPassword("correct horse battery staple"), stored); // a new salt each time
  ok(await verifyPassword(stored, "correct horse battery staple"));
  equal(await verifyPassword(stored, "correct horse battery stapler"), false);
  equal(await verifyPassword(stored, ""), false);
  equal(needsRehash(stored), false);
});

Deno.test("verifyPassword() normalises Unicode: composed and decomposed are alike", async () => {
  const stored = await hashPassword("caf\u00e9 密码");
  ok(await verifyPassword(stored, "cafe\u0301 密码"));
  equal(await verifyPassword(stored, "cafe 密码"), false);
});

Deno.test("verifyPassword() accepts Argon2's reference test vector", async () => {
  // phc-winner-argon2's test vector: "password", salt "somesalt", m=64 MiB, t=2, p=1.
  const reference = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$" +
    "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
  ok(await verifyPassword(reference, "password"));
  equal(await verifyPassword(reference, "Password"), false);
  ok(needsRehash(reference), "an 8-byte salt is below today's 16");
});

Deno.test("hashPassword() with scrypt makes a string that verifies and is current", async () => {
  const stored = await hashPassword("hunter2", "scrypt");
  match(stored, /^\$scrypt\$ln=17,r=8,p=1\$/);
  ok(await verifyPassword(stored, "hunter2"));
  equal(await verifyPassword(stored, "hunter3"), false);
  equal(needsRehash(stored), false);
});

Deno.test("needsRehash() flags weaker parameters and unreadable strings", () => {
  ok(needsRehash("$argon2id$v=19$m=4096,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$" + "A".repeat(43)));
  ok(needsRehash("$argon2id$v=19$m=19456,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$" + "A".repeat(43)));
  equal(
    needsRehash("$argon2id$v=19$m=65536,t=3,p=1$c29tZXNhbHRzb21lc2FsdA$" + "A".repeat(43)),
    false,
  );
  ok(needsRehash("$scrypt$ln=14,r=8,p=1$c29tZXNhbHRzb21lc2FsdA$" + "A".repeat(43)));
  ok(needsRehash("plaintext"));
  ok(needsRehash("$argon2i$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$c29tZWhhc2g"));
});

Deno.test("verifyPassword() refuses unreadable or absurd strings with a TypeError", async () => {
  for (
    const bad of [
      "",
      "plaintext",
      "$argon2id$v=16$m=19456,t=2,p=1$c29tZXNhbHQ$c29tZWhhc2g",
      "$argon2id$v=19$m=99999999,t=2,p=1$c29tZXNhbHQ$c29tZWhhc2g", // 95 GiB
      "$argon2id$v=19$m=19456,t=2,p=1$c29t$c29tZWhhc2g", // 3-byte salt
      "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$c", // not base64
      "$scrypt$ln=40,r=8,p=1$c29tZXNhbHQ$c29tZWhhc2g",
    ]
  ) {
    await rejects(verifyPassword(bad, "password"), TypeError, bad);
  }
});

Deno.test("dummyVerify() answers false, as a wrong password does", async () => {
  equal(await dummyVerify("anything"), false);
});
