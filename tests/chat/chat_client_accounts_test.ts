/**
 * The chat client's side of accounts and offline messages, with real chat-server and
 * chat-client processes: `/register`, logging in with `--password-file` or a password typed
 * without echo, a wrong password asked again, `/login` from a guest, `/who` marking guests, and
 * a private message to an account that is away: stored, shown at its login with its original
 * time, and reported delivered to its sender. A scripted server without accounts checks that an
 * old server works as before.
 */

import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { Status } from "../../lib/wire/frame.ts";
import { ChatType, indication, payloadObject, refusal, reply } from "../../lib/chat/protocol.ts";
import { onlineLine } from "../../lib/chat/format.ts";
import { parseCommand } from "../../lib/chat/commands.ts";
import { chatText as text } from "../../lib/chat/text.ts";
import { plainUi } from "../../lib/chat/terminal_ui.ts";
import { runChatClient } from "../../programs/chat/chat_client.ts";
import { linePattern } from "../../programs/chat/chat_demo.ts";
import { CHINESE, literal, startClient, startServer, type TempDir, tempDir } from "../_chat.ts";
import { RawChat, scripted } from "../_chat_frames.ts";
import { Program } from "../_task.ts";
import { HAS_TERMINAL, TerminalProgram } from "../_terminal.ts";

const ALICE_PASSWORD = "alice's long secret";
const BOB_PASSWORD = "bob-pass-1234";

/** The server's time at the start of a line. */
const TIME = "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d";

/** Register an account before any client joins, as a browser page or another client could. */
async function register(port: number, name: string, password: string): Promise<void> {
  await using raw = await RawChat.connect(port);
  equal((await raw.request(ChatType.Register, { name, password })).status, Status.Ok);
}

/** Write a password file in the test's folder; returns its name, relative to that folder. */
async function passwordFile(dir: TempDir, name: string, password: string): Promise<string> {
  const file = `${name}.password`;
  await Deno.writeTextFile(join(dir.path, file), `${password}\n`);
  return file;
}

/** Type a line, and wait for a line from then on that matches. */
async function step(client: Program, line: string, expect: RegExp): Promise<RegExpMatchArray> {
  const from = client.lines.length;
  await client.type(`${line}\n`);
  return await client.waitFor(expect, from);
}

Deno.test("/register from one client; a second logs in with --password-file; /who marks a guest", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir);
  await using _s = server;

  // A guest registers its own name: the passwords are typed on the next lines.
  await using first = await startClient(dir, port, "alice");
  await first.type("/register\n");
  await first.waitFor(/^New password for alice: $/);
  await first.type(`${ALICE_PASSWORD}\n`);
  await first.waitFor(/^The same password again: $/);
  await step(
    first,
    ALICE_PASSWORD,
    /^Registered alice: from now on this name needs its password$/,
  );
  await first.endInput();
  equal(await first.exit(), 0);

  // The name is an account now: a second client logs in without a question.
  const file = await passwordFile(dir, "alice", ALICE_PASSWORD);
  await using alice = await startClient(dir, port, "alice", ["--password-file", file]);
  await using guest = await startClient(dir, port, "carol");
  const who = await step(alice, "/who", /^Online \(2\): (.*)$/);
  deepStrictEqual(who[1].split(", ").sort(), ["alice", "carol (guest)"]);
  ok(!alice.lines.some((l) => /Password for/.test(l)), alice.lines.join("\n"));

  // A guest cannot log out; the account can.
  await step(guest, "/logout", /^error: you are not logged in to an account$/);
  await step(
    alice,
    "/logout",
    /^Logged out: alice needs its password to log in again \(you stay in the room until \/exit\)$/,
  );
  for (const p of [alice, guest, first]) {
    ok(!p.lines.some((l) => l.includes(ALICE_PASSWORD)), "a password was printed");
  }
  ok(!server.lines.some((l) => l.includes(ALICE_PASSWORD)), "the server logged the password");
});

Deno.test("a wrong password is asked again; the third failure exits 1 with one line", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir);
  await using _s = server;
  await register(port, "alice", ALICE_PASSWORD);
  await using client = new Program("chat-client", ["--port", String(port), "--name", "alice"], {
    cwd: dir.path,
    stdin: "piped",
  });
  // The server says the name is registered; the client asks for its password.
  await client.waitFor(/^error: "alice" is a registered name: log in with its password$/);
  for (let attempt = 1; attempt <= 3; attempt++) {
    await client.waitForCount(/^Password for alice: $/, attempt);
    await client.type(`wrong guess ${attempt}\n`);
  }
  equal(await client.exit(), 1);
  equal(client.lines.filter((l) => l === "error: wrong name or password").length, 2);
  deepStrictEqual(client.errors, [
    'chat_client: cannot log in as "alice": wrong name or password 3 times',
  ]);
  ok(!client.lines.some((l) => /You joined/.test(l)), client.lines.join("\n"));

  // A wrong --password-file is not asked again: one line, exit 1.
  const file = await passwordFile(dir, "wrong", "not the password");
  await using fixed = new Program(
    "chat-client",
    ["--port", String(port), "--name", "alice", "--password-file", file],
    { cwd: dir.path, stdin: "piped" },
  );
  equal(await fixed.exit(), 1);
  deepStrictEqual(fixed.errors, ["chat_client: Wrong name or password"]);

  // A password file that is not there is said before connecting.
  await using missing = new Program(
    "chat-client",
    ["--port", String(port), "--name", "alice", "--password-file", "nowhere.txt"],
    { cwd: dir.path },
  );
  equal(await missing.exit(), 1);
  deepStrictEqual(missing.errors, [
    'chat_client: cannot read the password file "nowhere.txt": not found',
  ]);
});

Deno.test({
  name: "on a terminal, a password is typed without echo: at joining, and for /login",
  ignore: !HAS_TERMINAL,
  async fn() {
    await using dir = await tempDir();
    const { server, port } = await startServer(dir);
    await using _s = server;
    await register(port, "alice", ALICE_PASSWORD);
    await register(port, "bob", BOB_PASSWORD);
    await using watcher = await startClient(dir, port, "watcher");

    await using alice = new TerminalProgram("chat-client", [
      "--port",
      String(port),
      "--name",
      "alice",
    ]);
    await alice.waitFor(/Password for alice: $/);
    await alice.type(`${ALICE_PASSWORD}\r`);
    await alice.waitFor(/You joined as alice\./);

    // A guest becomes bob: it joins again as bob, then its guest connection leaves.
    await using guest = new TerminalProgram("chat-client", [
      "--port",
      String(port),
      "--name",
      "visitor",
    ]);
    await guest.waitFor(/You joined as visitor\./);
    await guest.type("/login bob\r");
    await guest.waitFor(/Password for bob: $/);
    await guest.type(`${BOB_PASSWORD}\r`);
    await guest.waitFor(/You joined as bob\./);
    await watcher.waitFor(/\*\*\* bob joined$/);
    await watcher.waitFor(/\*\*\* visitor left$/);
    await guest.type("hello from bob\r");
    await watcher.waitFor(new RegExp(`^${TIME} bob: hello from bob$`));

    for (const [who, password] of [[alice, ALICE_PASSWORD], [guest, BOB_PASSWORD]] as const) {
      ok(!who.output.includes(password), `the password was shown: ${JSON.stringify(who.output)}`);
      await who.type("/exit\r");
      equal(await who.exit(), 0);
    }
  },
});

/**
 * alice sends to registered bob, who is away: alice is told it is stored; bob logs in and sees
 * it with its original time, marked; alice is told it was delivered. In either language.
 */
async function offlineMessage(env: Record<string, string>): Promise<void> {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir);
  await using _s = server;
  await register(port, "alice", ALICE_PASSWORD);
  await register(port, "bob", BOB_PASSWORD);
  const aliceFile = await passwordFile(dir, "alice", ALICE_PASSWORD);
  await using alice = await startClient(dir, port, "alice", ["--password-file", aliceFile], env);

  const said = "see you tomorrow";
  await alice.type(`/msg bob ${said}\n`);
  const message = { from: "alice", to: "bob", text: said };
  const copy = await alice.waitFor(linePattern("eventPrivateStored", message));
  await alice.waitFor(linePattern("storedFor", { name: "bob" }));
  const sentAt = copy.groups!.time;

  const bobFile = await passwordFile(dir, "bob", BOB_PASSWORD);
  await using bob = await startClient(dir, port, "bob", ["--password-file", bobFile], env);
  // Its original time, marked as sent while bob was away.
  const received = await bob.waitFor(linePattern("eventPrivateOffline", message));
  equal(received.groups!.time, sentAt);
  // bob's client acknowledged it: alice hears it was delivered, quoting it.
  const delivered = await alice.waitFor(linePattern("eventDelivered", { to: "bob" }));
  equal(delivered.groups!.text, said);
  // The lines as the user reads them, in the user's language.
  const zh = env.LANG === CHINESE.LANG;
  const sentences = zh
    ? [
      "（私聊，对方登录后送达）：",
      "已为 bob 保存：对方下次登录时会收到",
      "（私聊，离线消息）：",
      "*** 已送达 bob：",
    ]
    : [
      " (private, stored until they log in): ",
      "stored for bob: they will get it at their next login",
      " (private, sent while you were away): ",
      "*** delivered to bob: ",
    ];
  match(copy.input!, new RegExp(`^${TIME} alice -> bob${literal(sentences[0])}${said}$`));
  ok(alice.lines.includes(sentences[1]), alice.lines.join("\n"));
  match(received.input!, new RegExp(`^${TIME} alice -> bob${literal(sentences[2])}${said}$`));
  match(delivered.input!, new RegExp(`^${TIME} ${literal(sentences[3])}${said}$`));

  // Delivered once: bob logging in again does not get it twice.
  await bob.endInput();
  equal(await bob.exit(), 0);
  await using again = await startClient(dir, port, "bob", ["--password-file", bobFile], env);
  await again.type("/who\n");
  await again.waitFor(linePattern("online", { n: 2 }));
  ok(
    !again.lines.some((l) => linePattern("eventPrivateOffline").test(l)),
    again.lines.join("\n"),
  );
  equal(alice.lines.filter((l) => linePattern("eventDelivered").test(l)).length, 1);
}

Deno.test("a private message to an account that is away: stored, shown at its login, delivered", async () => {
  await offlineMessage({});
});

Deno.test("在中文环境下：离线消息已保存、登录时显示、已送达；/who 标出访客", async () => {
  await offlineMessage(CHINESE);
  // The lines themselves, in Chinese, as a user reads them.
  await using dir = await tempDir();
  const { server, port } = await startServer(dir, [], CHINESE);
  await using _s = server;
  await register(port, "bob", BOB_PASSWORD);
  await using bob = await startClient(dir, port, "bob", [
    "--password-file",
    await passwordFile(dir, "bob", BOB_PASSWORD),
  ], CHINESE);
  await using guest = await startClient(dir, port, "访客甲", [], CHINESE);
  await guest.type("/msg bob 你好\n/who\n");
  const who = await guest.waitFor(/^在线（2 人）：(.*)$/);
  deepStrictEqual(who[1].split("、").sort(), ["bob", "访客甲（访客）"]);
  await bob.waitFor(new RegExp(`^${TIME} 访客甲 -> bob（私聊）：你好$`));
  // Not online: the offline box is for accounts only; a guest is just not there.
  await bob.type("/msg carol 你好\n");
  await bob.waitFor(/^错误：用户“carol”不在线$/);
  await bob.type("/register\n");
  await bob.waitFor(/^错误：“bob”已被注册$/);
  await guest.type("/help\n");
  await guest.waitFor(/^ {2}\/login <用户名> +登录一个账号（以该用户的身份重新加入）$/);
});

Deno.test("a server without accounts works as before: no guest marks, account commands say so", async () => {
  const t = await scripted();
  const lines: string[] = [];
  const typed = Promise.withResolvers<void>();
  async function* input() {
    await typed.promise;
    yield "/register";
    yield "/login bob";
    yield "/logout";
    yield "/who";
  }
  const running = runChatClient(t.conn, input(), {
    ui: plainUi((line) => lines.push(line)),
    name: "ann",
  });
  try {
    await t.server.write(reply(await t.next(), { heartbeat: 10 }));
    const join = await t.next();
    deepStrictEqual(payloadObject(join), { name: "ann" }); // no password was asked for
    await t.server.write(
      reply(join, { name: "ann", time: "12:00:00", users: ["bob", "ann"], heartbeat: 10 }),
    );
    await t.server.write(reply(await t.next(), { heartbeat: 10 }));
    typed.resolve();
    // /register and /login ask nothing and send nothing; /logout's O is unknown to this server.
    const logout = await t.next();
    equal(logout.type, ChatType.Logout);
    await t.server.write(refusal(logout, Status.UnknownType, 'Unknown request type "O"'));
    const who = await t.next();
    equal(who.type, ChatType.Who);
    const users = [{ name: "bob", since: "11:00:00" }, { name: "ann", since: "12:00:00" }];
    await t.server.write(reply(who, { users }));
    const leave = await t.next();
    equal(leave.type, ChatType.Leave);
    await t.server.write(reply(leave));
    t.server.close();
    equal(await running, "left");
  } finally {
    t.server.close();
  }
  deepStrictEqual(lines, [
    "12:00:00 *** You joined as ann. Online (2): bob, ann. Type /help for commands.",
    "error: this server keeps no accounts",
    "error: this server keeps no accounts",
    "error: this server keeps no accounts",
    "Online (2): bob, ann",
  ]);
});

Deno.test("the chat client acknowledges each offline message with K, and words a K indication", async () => {
  const t = await scripted();
  const lines: string[] = [];
  const typed = Promise.withResolvers<void>();
  async function* input() {
    await typed.promise;
    yield ""; // an empty line does nothing; then the input ends, and the client leaves
  }
  const running = runChatClient(t.conn, input(), {
    ui: plainUi((line) => lines.push(line)),
    name: "bob",
  });
  try {
    await t.server.write(reply(await t.next(), { heartbeat: 10 }));
    const join = await t.next();
    const welcome = { name: "bob", time: "12:00:00", users: ["bob"], heartbeat: 10, guest: false };
    await t.server.write(reply(join, welcome));
    const kept = { id: 7, time: "11:00:00", from: "alice", to: "bob", text: "hi", offline: true };
    await t.server.write(indication(ChatType.Private, kept));
    const frames = [await t.next(), await t.next()].sort((a, b) => a.type < b.type ? -1 : 1);
    deepStrictEqual(frames.map((f) => f.type), [ChatType.Heartbeat, ChatType.Delivered]);
    deepStrictEqual(payloadObject(frames[1]), { id: 7 });
    for (const f of frames) await t.server.write(reply(f, { heartbeat: 10 }));
    await t.server.write(indication(ChatType.Delivered, { id: 3, to: "carol", time: "12:00:01" }));
    typed.resolve();
    const leave = await t.next();
    equal(leave.type, ChatType.Leave);
    await t.server.write(reply(leave));
    t.server.close();
    equal(await running, "left");
  } finally {
    t.server.close();
  }
  deepStrictEqual(lines, [
    "12:00:00 *** You joined as bob. Online (1): bob. Type /help for commands.",
    "11:00:00 alice -> bob (private, sent while you were away): hi",
    "12:00:01 *** your private message was delivered to carol",
  ]);
});

Deno.test("/register, /login NAME and /logout parse (a password is never on the line); /who marks guests", () => {
  deepStrictEqual(parseCommand("/register"), { kind: "register" });
  deepStrictEqual(parseCommand("/LOGIN bob"), { kind: "login", name: "bob" });
  deepStrictEqual(parseCommand("/logout"), { kind: "logout" });
  for (const bad of ["/login", "/login bob hunter2"]) {
    deepStrictEqual(parseCommand(bad), { kind: "invalid", message: text("usageLogin") });
  }
  const [guest, member] = [{ name: "a\x1bb", since: "t", guest: true }, { name: "c", since: "t" }];
  equal(onlineLine([guest, { ...member, guest: false }]), "Online (2): a?b (guest), c");
  // Guests only (nobody logged in, or --auth off): nobody to tell them from.
  equal(onlineLine([guest, { ...member, guest: true }]), "Online (2): a?b, c");
  equal(onlineLine([guest, member]), "Online (2): a?b, c");
});
