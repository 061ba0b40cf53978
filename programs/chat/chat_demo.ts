/**
 * Lab: a chat room with file sharing — the whole session, scripted, in one process.
 *
 * The server and the clients are ordinary functions that take a socket, so this demo runs a
 * server and two clients on loopback with scripts instead of keyboards: they join, chat, list
 * the files, upload one, download it, ask for one that does not exist, and leave. Each step
 * waits for the line that shows the previous one happened, never for a fixed time.
 *
 * Run it:   deno task demo
 *
 * Files: everything lives in a fresh folder under `.chat-demo` (the only folder the task may
 * read and write), removed at the end with `.chat-demo` itself if nothing else is in it.
 *
 * @module
 */

import { join } from "node:path";
import { errorMessage, parseFlags, UsageError } from "../../lib/cli/cli.ts";
import { hashFile } from "../../lib/files/file_chunk.ts";
import { formatHostPort } from "../../lib/net/host_port.ts";
import { type ClientEnd, plainUi, runChatClient } from "./chat_client.ts";
import { runChatServer } from "./chat_server.ts";

/** The demo's folder, relative to the working folder; the task grants only this. */
export const DEMO_ROOT = ".chat-demo";

/** Longest wait for any one step: a failsafe against a hang, never a way to let time pass. */
const STEP_MS = 10_000;

const USAGE = `Usage: deno task demo

Runs the chat server and two scripted clients (alice and bob) on 127.0.0.1 in one process and
prints the transcript, labelled by who printed each line. Uses a temporary folder under
${DEMO_ROOT} and removes it. Takes no options.

Options:
  -h, --help   show this help`;

/** One scripted client: the lines it will type, and the lines it has printed. */
class Actor {
  readonly lines: string[] = [];
  readonly #queue: string[] = [];
  #wakeInput: (() => void) | null = null;
  #ended = false;
  readonly #waiters = new Set<() => void>();
  readonly #log: (line: string) => void;

  constructor(readonly name: string, log: (line: string) => void) {
    this.#log = log;
  }

  /** What the client prints: into the transcript, and kept for {@linkcode Actor.waitFor}. */
  print = (line: string): void => {
    this.lines.push(line);
    this.#log(`${this.name.padEnd(6)} | ${line}`);
    for (const w of this.#waiters) w();
  };

  /** Type a line, shown in the transcript as `> line`. */
  type(line: string): void {
    this.#log(`${this.name.padEnd(6)} | > ${line}`);
    this.#queue.push(line);
    this.#wakeInput?.();
  }

  /** The keyboard: lines as they are typed. */
  async *input(): AsyncGenerator<string> {
    while (true) {
      const line = this.#queue.shift();
      if (line !== undefined) {
        yield line;
        continue;
      }
      if (this.#ended) return;
      await new Promise<void>((resolve) => this.#wakeInput = resolve);
      this.#wakeInput = null;
    }
  }

  /** Wait for a printed line (from index `from` on) that matches. */
  waitFor(pattern: RegExp, from = 0): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(poll);
        reject(new Error(`${this.name} never printed a line matching ${pattern}`));
      }, STEP_MS);
      const poll = () => {
        const line = this.lines.slice(from).find((l) => pattern.test(l));
        if (line === undefined) return;
        clearTimeout(timer);
        this.#waiters.delete(poll);
        resolve(line);
      };
      this.#waiters.add(poll);
      poll();
    });
  }

  /** Type a line and wait for the line that shows its effect. */
  async step(line: string, expect: RegExp): Promise<string> {
    const from = this.lines.length;
    this.type(line);
    return await this.waitFor(expect, from);
  }
}

/**
 * Run the scripted session and shut everything down.
 *
 * @param log Where the transcript goes.
 * @returns Whether the downloaded file matched the uploaded one.
 */
export async function runChatDemo(log: (line: string) => void = console.log): Promise<boolean> {
  await Deno.mkdir(DEMO_ROOT, { recursive: true });
  const dir = await Deno.makeTempDir({ dir: DEMO_ROOT, prefix: "session-" });
  const server = (line: string) => log(`server | ${line}`);
  const shutdown = new AbortController();
  // Port 0: the kernel picks a free port, so the demo never collides with a running server.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const address = listener.addr as Deno.NetAddr;
  server(`Listening on ${formatHostPort(address)}`);
  const serving = runChatServer(listener, {
    signal: shutdown.signal,
    log: server,
    storage: join(dir, "server"),
  });

  const upload = join(dir, "notes.txt");
  await Deno.writeTextFile(upload, "Meeting at 10:00 in room 4.\nBring the lab report.\n");
  const alice = new Actor("alice", log), bob = new Actor("bob", log);
  const sessions: Promise<ClientEnd>[] = [];
  const join_ = async (actor: Actor) => {
    const conn = await Deno.connect({ hostname: address.hostname, port: address.port });
    actor.print(`Connected to ${formatHostPort(address)}`);
    sessions.push(runChatClient(conn, actor.input(), {
      ui: plainUi(actor.print),
      name: actor.name,
      downloads: join(dir, "downloads"),
    }));
    await actor.waitFor(/\*\*\* You joined as /);
  };

  let same = false;
  try {
    await join_(alice);
    await join_(bob);
    await alice.waitFor(/\*\*\* bob joined$/);
    await alice.step("Hi bob, I have the notes from today.", / alice: Hi bob/);
    await bob.waitFor(/ alice: Hi bob/);
    await bob.step("Great, please share them!", / bob: Great/);
    await alice.waitFor(/ bob: Great/);
    await alice.step("/file list", /^No files|^Files on the server/);
    await alice.step(`/file upload ${upload}`, /^Uploaded /);
    await bob.waitFor(/\*\*\* alice uploaded notes\.txt/);
    await bob.step("/file list", /^ {2}notes\.txt/);
    await bob.step("/file download notes.txt", /^Downloaded notes\.txt/);
    await bob.step("/file download minutes.txt", /^error: cannot download "minutes\.txt"/);
    await bob.step("/who", /^Online \(2\)/);
    await bob.step("/msg alice Thanks, got it.", / bob -> alice \(private\)/);
    await alice.waitFor(/ bob -> alice \(private\)/);
    alice.type("/exit");
    await bob.waitFor(/\*\*\* alice left$/);
    bob.type("/exit");
    const ends = await Promise.all(sessions);
    log(`demo   | clients ended: ${ends.join(", ")}`);
    same = await sameBytes(upload, join(dir, "downloads", "notes.txt"));
    log(`demo   | the downloaded file ${same ? "matches" : "DIFFERS FROM"} the upload`);
  } finally {
    shutdown.abort();
    await serving;
    server("Stopped");
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(DEMO_ROOT).catch(() => {}); // only if empty: another run may be in it
  }
  return same;
}

async function sameBytes(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([hashFile(a), hashFile(b)]);
  return x.size === y.size && x.sha256 === y.sha256;
}

if (import.meta.main) {
  try {
    const { values } = parseFlags(Deno.args, { help: { type: "boolean", short: "h" } });
    if (values.help) {
      console.log(USAGE);
      Deno.exit(0);
    }
    const same = await runChatDemo();
    Deno.exit(same ? 0 : 1);
  } catch (err) {
    console.error(
      `chat_demo: ${errorMessage(err)}${err instanceof UsageError ? " (see --help)" : ""}`,
    );
    Deno.exit(err instanceof UsageError ? 2 : 1);
  }
}
