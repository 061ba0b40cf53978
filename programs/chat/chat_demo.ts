/**
 * Lab: a chat room with file sharing — the whole session, scripted, with the real programs.
 *
 * The demo starts `chat_server.ts` and two `chat_client.ts` processes (alice and bob), each
 * exactly as its `deno task` runs it, and types into the clients through their standard input
 * instead of keyboards: they join, chat, list the files, upload one, download it, ask for one
 * that does not exist, and leave. Each step waits for the line that shows the previous one
 * happened, never for a fixed time. Every line is labelled with the program that printed it.
 *
 * The programs speak the demo's language (`--lang`, else the locale), and so do the scripted
 * users. The demo recognises each line it waits for in either language: it matches the
 * sentence's pattern from the programs' own table (lib/chat/text.ts), never English words.
 *
 * Run it:   deno task demo      (needs `deno` on PATH: it runs the three programs with it)
 *
 * Files: everything lives in a fresh folder under `.chat-demo` (the only folder the task may
 * read and write), removed at the end with `.chat-demo` itself if nothing else is in it. The
 * programs run in that folder, so the server's `storage/server` and the clients'
 * `storage/downloads` land inside it, where their own tasks let them write.
 *
 * @module
 */

import { join } from "node:path";
import { runDemoMain } from "../../lib/cli/run_demo_main.ts";
import { TaskProcess } from "../../lib/cli/task_process.ts";
import { padEndToWidth } from "../../lib/cli/display_width.ts";
import { cliText } from "../../lib/cli/text.ts";
import { hashFile } from "../../lib/files/file_chunk.ts";
import type { ChatTable } from "../../lib/chat/reason.ts";
import { chatText as text } from "../../lib/chat/text.ts";

/** The demo's folder, relative to the working folder; the task grants only this. */
export const DEMO_ROOT = ".chat-demo";

/** Width of the label before each transcript line, in terminal columns. */
const LABEL_COLUMNS = 6;

/**
 * A pattern for a line another program prints, in either language: the sentence's pattern
 * from the table (`text.pattern`), with the values we know put in where its placeholders are.
 * The rest of the placeholders match anything, and the line may go on after the sentence.
 *
 * @param key The sentence, such as `eventChat`.
 * @param known The values we know, such as `{ from: "alice" }`.
 * @returns The pattern.
 *
 * @example
 * ```ts
 * import { ok } from "node:assert/strict";
 * const joined = linePattern("eventJoined", { name: "bob" });
 * ok(joined.test("2026-11-21 06:10:17 *** bob joined"));
 * ok(joined.test("2026-11-21 06:10:17 *** bob 加入了聊天室"));
 * ok(!joined.test("2026-11-21 06:10:17 *** bobby joined"));
 * ```
 */
export function linePattern(
  key: keyof ChatTable & string,
  known: Record<string, string | number> = {},
): RegExp {
  let source = text.pattern(key).source;
  for (const [name, value] of Object.entries(known)) {
    const literal = RegExp.escape(String(value));
    source = source
      .replaceAll(`(?<${name}>.+?)`, literal)
      .replaceAll(`(?<${name}>.+)`, literal)
      .replaceAll(`\\k<${name}>`, literal);
  }
  return new RegExp(source);
}

/** One program in the session, its lines labelled in the transcript with its name. */
class Actor implements AsyncDisposable {
  readonly process: TaskProcess;
  readonly #label: string;

  /**
   * @param name The label, and for a client its user name.
   * @param task The task whose program this is.
   * @param args Arguments for the program.
   * @param dir The session folder: the program's working folder.
   * @param log Where the transcript goes.
   */
  constructor(
    readonly name: string,
    task: string,
    args: string[],
    dir: string,
    readonly log: (line: string) => void,
  ) {
    this.#label = padEndToWidth(name, LABEL_COLUMNS);
    this.process = new TaskProcess(task, {
      args,
      cwd: dir,
      // Where a user would have started the task: the clients resolve typed paths against it.
      env: { INIT_CWD: dir },
      onLine: (line) => log(`${this.#label} | ${line}`),
      onErrorLine: (line) => console.error(`${this.#label} ! ${line}`),
    });
  }

  /** Type a line, shown in the transcript as `> line`. */
  async type(line: string): Promise<void> {
    this.log(`${this.#label} | > ${line}`);
    await this.process.type(line);
  }

  /** Wait for a printed line that matches. */
  waitFor(pattern: RegExp): Promise<string> {
    return this.process.waitFor(pattern);
  }

  /** Type a line and wait for the line that shows its effect. */
  async step(line: string, expect: RegExp): Promise<string> {
    const from = this.process.lines.length;
    await this.type(line);
    return await this.process.waitFor(expect, from);
  }

  /** Stop the program if it still runs. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.process[Symbol.asyncDispose]();
  }
}

/**
 * Run the scripted session and shut everything down.
 *
 * @param log Where the transcript goes.
 * @returns Whether both clients left, the server stopped cleanly, and the downloaded file
 *   matched the uploaded one.
 */
export async function runChatDemo(log: (line: string) => void = console.log): Promise<boolean> {
  await Deno.mkdir(DEMO_ROOT, { recursive: true });
  // Absolute: the clients resolve the paths typed into them against it (INIT_CWD).
  const dir = await Deno.realPath(await Deno.makeTempDir({ dir: DEMO_ROOT, prefix: "session-" }));
  try {
    const file = text("demoFile");
    await Deno.writeTextFile(join(dir, file), text("demoNotes"));
    // Port 0: the kernel picks a free port, so the demo never collides with a running server.
    // The terminal room only: the browser's page is another lesson.
    const serverArgs = ["--port", "0", "--no-web"];
    await using server = new Actor("server", "chat-server", serverArgs, dir, log);
    const listening = await server.waitFor(cliText.pattern("listening"));
    const port = listening.replace(/.*:/, "");
    const clientsLeft = await chatSession(server, port, dir, log);
    const same = await sameBytes(join(dir, file), join(dir, DOWNLOADS, file));
    log(`${padEndToWidth("demo", LABEL_COLUMNS)} | ${text(same ? "demoMatches" : "demoDiffers")}`);
    // The server's console: "quit" stops it as a person at its terminal would.
    await server.process.type("quit");
    return await server.process.exit() === 0 && clientsLeft && same;
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(DEMO_ROOT).catch(() => {}); // only if empty: another run may be in it
  }
}

/** Where bob's download lands: the chat-client task's downloads folder, in the session. */
const DOWNLOADS = "storage/downloads";

/**
 * The two clients' script, from joining to leaving.
 *
 * @returns Whether both clients left the room and exited with 0.
 */
async function chatSession(
  server: Actor,
  port: string,
  dir: string,
  log: (line: string) => void,
): Promise<boolean> {
  const client = (name: string) =>
    new Actor(name, "chat-client", ["--name", name, "--port", port], dir, log);
  const [file, hello, reply] = [text("demoFile"), text("demoHello"), text("demoReply")];
  const missing = text("demoMissing");
  const said = (from: string, line: string) => linePattern("eventChat", { from, text: line });
  const whispered = linePattern("eventPrivate", { from: "bob", to: "alice" });
  const leftRoom = (name: string) => linePattern("eventLeft", { name, reason: text("left-room") });
  // One after the other, so the transcript shows alice see bob arrive.
  await using alice = client("alice");
  await alice.waitFor(linePattern("welcome"));
  await using bob = client("bob");
  await bob.waitFor(linePattern("welcome"));
  await alice.waitFor(linePattern("eventJoined", { name: "bob" }));
  await alice.step(hello, said("alice", hello));
  await bob.waitFor(said("alice", hello));
  await bob.step(reply, said("bob", reply));
  await alice.waitFor(said("bob", reply));
  await alice.step("/file list", anyOf(linePattern("noFiles"), linePattern("filesTitle")));
  await alice.step(`/file upload ${file}`, linePattern("uploaded", { path: file }));
  await bob.waitFor(linePattern("eventUploaded", { from: "alice", name: file }));
  await bob.step("/file list", new RegExp(`^ {2}${RegExp.escape(file)} `));
  await bob.step(`/file download ${file}`, linePattern("downloaded", { name: file }));
  const cannot = text("cannotDownload", { name: missing });
  await bob.step(`/file download ${missing}`, linePattern("errorLine", { text: cannot }));
  await bob.step("/who", linePattern("online", { n: 2 }));
  await bob.step(`/msg alice ${text("demoThanks")}`, whispered);
  await alice.waitFor(whispered);
  await alice.type("/exit");
  await bob.waitFor(leftRoom("alice"));
  await bob.type("/exit");
  const ends = [await ended(server, alice), await ended(server, bob)];
  const list = ends.join(text("listSeparator"));
  log(`${padEndToWidth("demo", LABEL_COLUMNS)} | ${text("demoClientsEnded", { ends: list })}`);
  return ends.every((end) => end === text("demoLeft"));
}

/** A pattern that finds a line matching either of two. */
function anyOf(a: RegExp, b: RegExp): RegExp {
  return new RegExp(`${a.source}|${b.source}`);
}

/**
 * How a client ended: `left` when it exited with 0 and the server saw it leave.
 *
 * @param server The server, whose log says who left.
 * @param client The client, after it typed `/exit`.
 * @returns `left`, or what happened instead, in the demo's language.
 */
async function ended(server: Actor, client: Actor): Promise<string> {
  const code = await client.process.exit();
  if (code !== 0) return text("demoExitCode", { code });
  const left = linePattern("logLeft", { name: client.name, reason: text("left-room") });
  return await server.waitFor(left).then(() => text("demoLeft"), () => text("demoNoLeave"));
}

async function sameBytes(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([hashFile(a), hashFile(b)]);
  return x.size === y.size && x.sha256 === y.sha256;
}

if (import.meta.main) {
  Deno.exit(
    await runDemoMain({
      name: "chat_demo",
      usage: () => text("demoUsage", { root: DEMO_ROOT }),
      args: Deno.args,
      run: () => runChatDemo(),
      log: console.log,
      error: console.error,
    }),
  );
}
