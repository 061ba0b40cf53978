/**
 * The chat client's own checks, through its task: a chat line over the limit is refused before
 * it is sent, whatever its size, and `/file upload` finds paths where the user is, not where
 * `deno task` runs the program.
 */

import { deepStrictEqual, equal, ok, throws } from "node:assert/strict";
import { join } from "node:path";
import { MAX_TEXT_BYTES } from "../../lib/chat/protocol.ts";
import { resolveUserPath } from "../../lib/files/user_path.ts";
import { chatLine, literal, serverStorage, startClient, startServer, tempDir } from "../_chat.ts";
import { Program } from "../_task.ts";

Deno.test("chat-client refuses a line over 8 KiB before sending it, at every size, and stays", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir);
  await using _s = server;
  await using bob = await startClient(dir, port, "bob");
  await using alice = await startClient(dir, port, "alice");
  // Just over the limit, well over it, over the 1 MiB frame limit (which the server would have
  // taken for a malformed frame, and hung up), and in bytes, not characters: "é" is two.
  const texts = [
    "x".repeat(MAX_TEXT_BYTES + 1),
    "x".repeat(100_000),
    "x".repeat(1024 * 1024 + 1),
    "x".repeat(3 * 1024 * 1024),
    "é".repeat(MAX_TEXT_BYTES / 2 + 1),
  ];
  let from = alice.lines.length;
  for (const text of texts) {
    const bytes = new TextEncoder().encode(text).length;
    const refusal = new RegExp(
      `^error: not sent: the message is ${bytes} bytes; the limit is ${MAX_TEXT_BYTES}$`,
    );
    await alice.type(`${text}\n`);
    await alice.waitFor(refusal, from);
    from = alice.lines.length;
    await alice.type(`/msg bob ${text}\n`);
    await alice.waitFor(refusal, from);
    from = alice.lines.length;
  }
  // Exactly at the limit goes out; and alice is still in the room.
  const longest = "y".repeat(MAX_TEXT_BYTES);
  await alice.type(`${longest}\nstill here\n`);
  await bob.waitFor(chatLine("alice", longest));
  await bob.waitFor(chatLine("alice", "still here"));
  // Nothing refused reached the room; no error took more than its one line.
  ok(!bob.lines.some((l) => /x{100}|é{100}|alice left|alice was/.test(l)), bob.lines.join("\n"));
  ok(!server.lines.some((l) => /malformed/i.test(l)), server.lines.join("\n"));
  equal(alice.lines.filter((l) => l.startsWith("error:")).length, 2 * texts.length);
  equal(alice.errors.join(""), "");
});

Deno.test("resolveUserPath() reads relative paths from the user's folder and ~ as home", () => {
  const folders = { cwd: "/home/ann/work", home: "/home/ann" };
  equal(resolveUserPath("notes.txt", folders), "/home/ann/work/notes.txt");
  equal(resolveUserPath("../a b.txt", folders), "/home/ann/a b.txt");
  equal(resolveUserPath("~", folders), "/home/ann");
  equal(resolveUserPath("~/notes.txt", folders), "/home/ann/notes.txt");
  equal(resolveUserPath("~notes.txt", folders), "/home/ann/work/~notes.txt");
  equal(resolveUserPath("/tmp/x.txt", folders), "/tmp/x.txt");
  throws(() => resolveUserPath("~/x", { cwd: "/" }), /Cannot expand "~"/);
});

Deno.test("/file upload resolves a path against INIT_CWD, the folder deno task was run from", async () => {
  await using project = await tempDir(); // where deno task runs the programs
  await using user = await tempDir(); // where the user typed the command
  await using home = await tempDir();
  await Deno.writeTextFile(join(user.path, "notes.txt"), "from the user's folder\n");
  await Deno.writeTextFile(join(project.path, "notes.txt"), "from the project folder\n");
  await Deno.mkdir(join(home.path, "docs"));
  await Deno.writeTextFile(join(home.path, "docs", "home.txt"), "from home\n");
  const { server, port } = await startServer(project);
  await using _s = server;
  // What `deno task chat-client` sets up: run in the project, the user's folder in INIT_CWD.
  await using alice = new Program("chat-client", ["--port", String(port), "--name", "alice"], {
    cwd: project.path,
    stdin: "piped",
    env: { INIT_CWD: user.path, HOME: home.path },
  });
  await alice.waitFor(/\*\*\* You joined as alice/);
  let from = alice.lines.length;
  const step = async (line: string, expect: RegExp) => {
    await alice.type(`${line}\n`);
    await alice.waitFor(expect, from);
    from = alice.lines.length;
  };
  await step("/file upload notes.txt", /^Uploaded notes\.txt as notes\.txt: /);
  await step("/file upload ~/docs/home.txt", /^Uploaded ~\/docs\/home\.txt as home\.txt: /);
  // A path that is not there is named in full, where it was looked for.
  const missing = literal(join(user.path, "missing.txt"));
  await step(
    "/file upload missing.txt",
    new RegExp(`^error: cannot upload "${missing}": not found$`),
  );
  const docs = literal(join(home.path, "docs"));
  await step(
    "/file upload ~/docs",
    new RegExp(`^error: cannot upload "${docs}": "docs" is a folder, not a file$`),
  );
  deepStrictEqual(
    await Deno.readTextFile(join(serverStorage(project), "notes.txt")),
    "from the user's folder\n",
  );
  deepStrictEqual(
    await Deno.readTextFile(join(serverStorage(project), "home.txt")),
    "from home\n",
  );
  await alice.endInput();
  equal(await alice.exit(), 0);
});

Deno.test("chat-client joins even when its user takes longer than the server's join deadline", async () => {
  await using dir = await tempDir();
  const { server, port } = await startServer(dir, ["--join-timeout", "0.3"]);
  await using _s = server;
  await using slow = new Program("chat-client", ["--port", String(port)], {
    cwd: dir.path,
    stdin: "piped",
  });
  await slow.waitFor(/^Your name: $/);
  // The user is still thinking when the server frees the place.
  await server.waitFor(/127\.0\.0\.1:\d+ did not join within 0\.3 s$/);
  await slow.type("ponder\n");
  await slow.waitFor(/\*\*\* You joined as ponder\./);
  await slow.type("hello\n");
  await server.waitFor(/ponder: hello$/);
  ok(!slow.lines.some((l) => /did not join|closed the connection/.test(l)), slow.lines.join("\n"));
});
