import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { Kind, Status } from "../../lib/wire/frame.ts";
import { ChatType, payloadObject } from "../../lib/chat/protocol.ts";
import { RawChat } from "../_chat_frames.ts";
import { startServer, tempDir } from "../_chat.ts";

const PASSWORD = "correct horse battery";

/** A refusal's status and code. */
async function refused(client: RawChat, type: string, payload: unknown) {
  const res = await client.request(type, payload);
  const p = payloadObject(res);
  return { status: res.status, code: p.code, error: p.error };
}

Deno.test("register, log out, log in from a second client; wrong password and unknown name are answered alike", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir);
  await using _ = server;

  await using first = await RawChat.connect(port);
  const reg = await first.request(ChatType.Register, { name: "Alice", password: PASSWORD });
  equal(reg.status, Status.Ok);
  ok(typeof payloadObject(reg).token === "string");
  // A registered name needs its password; any spelling of it is the same account.
  deepStrictEqual(
    (await refused(first, ChatType.Join, { name: "alice" })).code,
    "password-needed",
  );
  const joined = payloadObject(
    await first.request(ChatType.Join, { name: "alice", password: PASSWORD }),
  );
  equal(joined.name, "Alice");
  equal(joined.guest, false);
  const token = String(joined.token);
  equal((await first.request(ChatType.Logout)).status, Status.Ok);
  await first.request(ChatType.Leave);

  await using second = await RawChat.connect(port);
  // The token died with the logout: it is as if none was given.
  equal((await refused(second, ChatType.Join, { name: "Alice", token })).code, "password-needed");
  const wrong = await refused(second, ChatType.Join, { name: "Alice", password: "wrong pass" });
  const unknown = await refused(second, ChatType.Join, { name: "Nobody", password: "wrong pass" });
  deepStrictEqual(wrong, unknown);
  deepStrictEqual(wrong, {
    status: Status.AuthFailed,
    code: "login-failed",
    error: "Wrong name or password",
  });
  const ok2 = await second.request(ChatType.Join, { name: "ALICE", password: PASSWORD });
  equal(ok2.status, Status.Ok);
  equal(payloadObject(ok2).name, "Alice");
});

Deno.test("after five quick failures, the sixth is answered only after a wait", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir);
  await using _ = server;
  await using client = await RawChat.connect(port);
  equal((await client.request(ChatType.Register, { name: "bob", password: PASSWORD })).status, 0);
  const times: number[] = [];
  for (let i = 0; i < 6; i++) {
    const start = performance.now();
    equal(
      (await refused(client, ChatType.Join, { name: "bob", password: `guess ${i}xx` })).code,
      "login-failed",
    );
    times.push(performance.now() - start);
  }
  // The first five are answered at hashing speed; the sixth waits a second first.
  ok(times.slice(0, 5).every((t) => t < 900), `first five: ${times.slice(0, 5)}`);
  ok(times[5] >= 1000, `sixth: ${times[5]}`);
});

Deno.test("--auth required refuses guests; optional marks them in the online list", async () => {
  await using dir = await tempDir();
  {
    const { server, port } = await startServer(dir, ["--auth", "required"]);
    await using _ = server;
    await using guest = await RawChat.connect(port);
    const answer = await refused(guest, ChatType.Join, { name: "visitor" });
    deepStrictEqual([answer.status, answer.code], [Status.AuthRequired, "login-required"]);
    equal(
      (await guest.request(ChatType.Register, { name: "carol", password: PASSWORD })).status,
      0,
    );
    equal((await guest.request(ChatType.Join, { name: "carol", password: PASSWORD })).status, 0);
  }
  const { server, port } = await startServer(dir, ["--storage", "storage/server/optional"]);
  await using _ = server;
  await using member = await RawChat.connect(port);
  equal((await member.request(ChatType.Register, { name: "dave", password: PASSWORD })).status, 0);
  await member.request(ChatType.Join, { name: "dave", password: PASSWORD });
  await using guest = await RawChat.connect(port);
  await guest.join("visitor");
  const users = payloadObject(await guest.request(ChatType.Who)).users as {
    name: string;
    guest: boolean;
  }[];
  deepStrictEqual(users.map((u) => [u.name, u.guest]), [["dave", false], ["visitor", true]]);
});

Deno.test("a private message to an account that is away is stored, delivered at its login, and the sender told", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir);
  await using _ = server;
  {
    await using bob = await RawChat.connect(port);
    equal((await bob.request(ChatType.Register, { name: "bob", password: PASSWORD })).status, 0);
  }
  await using alice = await RawChat.connect(port);
  await alice.join("alice");
  const ack = payloadObject(await alice.request(ChatType.Private, { to: "Bob", text: "see you" }));
  equal(ack.stored, true);
  const id = Number(ack.id);
  // To nobody at all, it is still refused.
  equal((await refused(alice, ChatType.Private, { to: "nobody", text: "x" })).code, "no-such-user");

  await using bob = await RawChat.connect(port);
  equal((await bob.request(ChatType.Join, { name: "bob", password: PASSWORD })).status, 0);
  const waiting = await bob.waitFor(
    (f) => f.type === ChatType.Private && payloadObject(f).offline === true,
    "the offline message",
  );
  const p = payloadObject(waiting);
  deepStrictEqual([p.id, p.from, p.text, p.time], [id, "alice", "see you", ack.time]);
  equal((await bob.request(ChatType.Delivered, { id })).status, Status.Ok);
  const told = await alice.waitFor(
    (f) => f.kind === Kind.Indication && f.type === ChatType.Delivered,
    "the delivery notice",
  );
  deepStrictEqual([payloadObject(told).id, payloadObject(told).to], [id, "bob"]);

  // Delivered once: the next login has nothing waiting.
  await bob.request(ChatType.Leave);
  await using again = await RawChat.connect(port);
  await again.request(ChatType.Join, { name: "bob", password: PASSWORD, after: id });
  await again.request(ChatType.Who); // everything the join sent has arrived before this answer
  equal(again.frames.filter((f) => payloadObject(f).offline === true).length, 0);
});

Deno.test("the console lists users, kicks, bans and unbans, and shows the history", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir);
  await using _ = server;
  await using erin = await RawChat.connect(port);
  equal((await erin.request(ChatType.Register, { name: "erin", password: PASSWORD })).status, 0);
  equal((await erin.request(ChatType.Join, { name: "erin", password: PASSWORD })).status, 0);
  await erin.request(ChatType.Chat, { text: "hello from erin" });
  await using guest = await RawChat.connect(port);
  await guest.join("visitor");

  await server.type("users\n");
  await server.waitFor(/^Users \(2\):$/);
  await server.waitFor(/^ {2}erin {5}account {2}online since /);
  await server.waitFor(/^ {2}visitor {2}guest {4}online since /);
  await server.type("history 5\n");
  await server.waitFor(/\[chat\] erin: hello from erin$/);

  // A ban disconnects the account, telling it why, and keeps it out.
  await server.type("ban erin\n");
  const told = await erin.waitFor((f) => f.type === "S", "the kick notice");
  equal(payloadObject(told).code, "kicked-out");
  await erin.waitForEnd();
  await using back = await RawChat.connect(port);
  const banned = await refused(back, ChatType.Join, { name: "erin", password: PASSWORD });
  deepStrictEqual([banned.status, banned.code], [Status.AuthFailed, "account-banned"]);
  await server.type("unban erin\n");
  await server.waitFor(/^Unbanned erin\.$/);
  equal((await back.request(ChatType.Join, { name: "erin", password: PASSWORD })).status, 0);

  await server.type("kick visitor\n");
  await guest.waitForEnd();
  await server.waitFor(/^Kicked visitor\.$/);
});
