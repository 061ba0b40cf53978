/**
 * Lab: a chat room with file sharing — the whole session, scripted, with the real programs.
 *
 * The demo starts `chat_server.ts` and two `chat_client.ts` processes (alice and bob), each
 * exactly as its `deno task` runs it, and types into the clients through their standard input
 * instead of keyboards: they join, chat, list the files, upload one, download it, ask for one
 * that does not exist, and leave. Each step waits for the line that shows the previous one
 * happened, never for a fixed time. Every line is labelled with the program that printed it.
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
import { hashFile } from "../../lib/files/file_chunk.ts";

/** The demo's folder, relative to the working folder; the task grants only this. */
export const DEMO_ROOT = ".chat-demo";

/** The file alice uploads: 50 bytes, named in the transcript. */
const NOTES = "Meeting at 10:00 in room 4.\nBring the lab report.\n";

const USAGE = `Usage: deno task demo

Runs the chat server and two scripted clients (alice and bob) on 127.0.0.1 as three processes
and prints the transcript, labelled by who printed each line. Uses a temporary folder under
${DEMO_ROOT} and removes it. Takes no options.

Options:
  -h, --help   show this help`;

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
    this.#label = name.padEnd(6);
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
    await Deno.writeTextFile(join(dir, "notes.txt"), NOTES);
    // Port 0: the kernel picks a free port, so the demo never collides with a running server.
    await using server = new Actor("server", "chat-server", ["--port", "0"], dir, log);
    const port = (await server.waitFor(/^Listening on /)).replace(/.*:/, "");
    const clientsLeft = await chatSession(server, port, dir, log);
    const same = await sameBytes(join(dir, "notes.txt"), join(dir, DOWNLOADED));
    log(`demo   | the downloaded file ${same ? "matches" : "DIFFERS FROM"} the upload`);
    // The server's console: "quit" stops it as a person at its terminal would.
    await server.process.type("quit");
    return await server.process.exit() === 0 && clientsLeft && same;
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(DEMO_ROOT).catch(() => {}); // only if empty: another run may be in it
  }
}

/** Where bob's download lands: the chat-client task's downloads folder, in the session. */
const DOWNLOADED = "storage/downloads/notes.txt";

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
  // One after the other, so the transcript shows alice see bob arrive.
  await using alice = client("alice");
  await alice.waitFor(/\*\*\* You joined as /);
  await using bob = client("bob");
  await bob.waitFor(/\*\*\* You joined as /);
  await alice.waitFor(/\*\*\* bob joined$/);
  await alice.step("Hi bob, I have the notes from today.", / alice: Hi bob/);
  await bob.waitFor(/ alice: Hi bob/);
  await bob.step("Great, please share them!", / bob: Great/);
  await alice.waitFor(/ bob: Great/);
  await alice.step("/file list", /^No files|^Files on the server/);
  await alice.step("/file upload notes.txt", /^Uploaded /);
  await bob.waitFor(/\*\*\* alice uploaded notes\.txt/);
  await bob.step("/file list", /^ {2}notes\.txt/);
  await bob.step("/file download notes.txt", /^Downloaded notes\.txt/);
  await bob.step("/file download minutes.txt", /^error: cannot download "minutes\.txt"/);
  await bob.step("/who", /^Online \(2\)/);
  await bob.step("/msg alice Thanks, got it.", / bob -> alice \(private\)/);
  await alice.waitFor(/ bob -> alice \(private\)/);
  await alice.type("/exit");
  await bob.waitFor(/\*\*\* alice left$/);
  await bob.type("/exit");
  const ends = [await ended(server, alice), await ended(server, bob)];
  log(`demo   | clients ended: ${ends.join(", ")}`);
  return ends.every((end) => end === "left");
}

/**
 * How a client ended: `left` when it exited with 0 and the server saw it leave.
 *
 * @param server The server, whose log says who left.
 * @param client The client, after it typed `/exit`.
 * @returns `left`, or what happened instead.
 */
async function ended(server: Actor, client: Actor): Promise<string> {
  const code = await client.process.exit();
  if (code !== 0) return `exit code ${code}`;
  const left = new RegExp(` ${client.name} left \\(`);
  return await server.waitFor(left).then(() => "left", () => "exited without leaving");
}

async function sameBytes(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([hashFile(a), hashFile(b)]);
  return x.size === y.size && x.sha256 === y.sha256;
}

if (import.meta.main) {
  Deno.exit(
    await runDemoMain({
      name: "chat_demo",
      usage: USAGE,
      args: Deno.args,
      run: () => runChatDemo(),
      log: console.log,
      error: console.error,
    }),
  );
}
