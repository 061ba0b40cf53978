/**
 * Pasting a long line into the interactive clients on a terminal: it must appear and go out at
 * once, and the heartbeats must keep going meanwhile. A relay between client and server records
 * when each of the client's frames passes, so the test sees the heartbeats themselves.
 */

import { equal, ok } from "node:assert/strict";
import { writeAll } from "../../lib/wire/bytes.ts";
import { FrameDecoder } from "../../lib/wire/frame.ts";
import { MAX_TEXT_BYTES, MISSED_HEARTBEATS } from "../../lib/chat/protocol.ts";
import { chatLine, startClient, startServer, tempDir } from "../_chat.ts";
import { startLpServer } from "../_lp.ts";
import { Program, WAIT_MS } from "../_task.ts";
import { HAS_TERMINAL, TerminalProgram } from "../_terminal.ts";

/** Longest a paste may take to reach the other side. */
const PASTE_MS = 1000;

/** A small heartbeat, so that a client that stops sending is evicted within the test. */
const HEARTBEAT_S = 0.5;

/**
 * A TCP relay for one connection that notes the type letter and time of every frame the client
 * sends.
 */
class FrameRelay implements AsyncDisposable {
  readonly #listener: Deno.Listener;
  readonly #conns: Deno.Conn[] = [];
  readonly #relaying: Promise<void>;
  readonly #waiters = new Set<() => void>();
  /** The client's frames so far: type letter and `performance.now()` when they passed. */
  readonly sent: { type: string; at: number }[] = [];

  /** @param target The server's port on loopback. */
  constructor(target: number) {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.#listener = listener;
    this.#relaying = (async () => {
      const client = await listener.accept();
      this.#conns.push(client);
      const server = await Deno.connect({ hostname: "127.0.0.1", port: target });
      this.#conns.push(server);
      const decoder = new FrameDecoder();
      await Promise.all([
        pump(client, server, (bytes) => {
          for (const frame of decoder.push(bytes)) {
            this.sent.push({ type: frame.type, at: performance.now() });
          }
          for (const wake of this.#waiters) wake();
        }),
        pump(server, client),
      ]);
    })();
  }

  /** Where clients connect. */
  get port(): number {
    return (this.#listener.addr as Deno.NetAddr).port;
  }

  /**
   * Wait until the client has sent `count` frames of a type after the `from`-th frame.
   *
   * @returns Once it has; rejects after {@linkcode WAIT_MS}.
   */
  waitForSent(type: string, count: number, from: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.sent.slice(from).filter((f) => f.type === type).length < count) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`Timed out waiting for ${count} "${type}" frames`));
      }, WAIT_MS);
      this.#waiters.add(check);
      check();
    });
  }

  /** The longest time between two of the client's frames, in milliseconds. */
  longestSilence(): number {
    let longest = 0;
    for (let i = 1; i < this.sent.length; i++) {
      longest = Math.max(longest, this.sent[i].at - this.sent[i - 1].at);
    }
    return longest;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#listener.close();
    for (const conn of this.#conns) {
      try {
        conn.close();
      } catch {
        // Closed already.
      }
    }
    await this.#relaying.catch(() => {});
  }
}

/** Copy bytes one way until the end or an error, then pass the end on. */
async function pump(from: Deno.Conn, to: Deno.Conn, seen?: (bytes: Uint8Array) => void) {
  const buffer = new Uint8Array(64 * 1024);
  try {
    for (let n = await from.read(buffer); n !== null; n = await from.read(buffer)) {
      seen?.(buffer.subarray(0, n));
      await writeAll(to, buffer.subarray(0, n));
    }
    await to.closeWrite();
  } catch {
    // Closed or reset: the relay is over.
  }
}

Deno.test({
  name: "an 8 KiB paste into chat-client on a terminal is sent within a second; heartbeats go on",
  ignore: !HAS_TERMINAL,
  async fn() {
    await using dir = await tempDir();
    const { server, port } = await startServer(dir, ["--heartbeat", String(HEARTBEAT_S)]);
    await using _s = server;
    await using watcher = await startClient(dir, port, "watcher");
    await using relay = new FrameRelay(port);
    await using paster = new TerminalProgram("chat-client", [
      "--port",
      String(relay.port),
      "--name",
      "paster",
    ]);
    await paster.waitFor(/You joined as paster\./);
    await watcher.waitFor(/\*\*\* paster joined$/);

    // The chat's largest message, pasted: one write of 8 KiB into the terminal, then Enter.
    const text = "x".repeat(MAX_TEXT_BYTES);
    const started = performance.now();
    await paster.type(`${text}\r`);
    await watcher.waitFor(chatLine("paster", text));
    const ms = performance.now() - started;
    ok(ms < PASTE_MS, `the pasted line reached the room after ${ms.toFixed(0)} ms`);

    // Heartbeats keep going: two more after the paste, and never a silence long enough for the
    // server to evict.
    await relay.waitForSent("H", 2, relay.sent.length);
    const limitMs = HEARTBEAT_S * MISSED_HEARTBEATS * 1000;
    ok(relay.longestSilence() < limitMs, `silent for ${relay.longestSilence().toFixed(0)} ms`);
    ok(!watcher.lines.some((l) => /paster (left|was|timed)/.test(l)), watcher.lines.join("\n"));
    await paster.type("/exit\r");
    equal(await paster.exit(), 0);
  },
});

Deno.test({
  name: "a long paste into lp-client's menu on a terminal is delivered within a second",
  ignore: !HAS_TERMINAL,
  async fn() {
    const { server, port } = await startLpServer(["--heartbeat", String(HEARTBEAT_S)]);
    await using _s = server;
    await using listener = new Program("lp-client", ["--connect", `127.0.0.1:${port}`, "--listen"]);
    const id = Number((await listener.waitFor(/you are client (\d+)/))[1]);
    await listener.waitFor(/^Waiting for messages/);
    await using relay = new FrameRelay(port);
    await using menu = new TerminalProgram("lp-client", ["--connect", `127.0.0.1:${relay.port}`]);
    await menu.waitFor(/Choose 1-7: $/);
    await menu.type(`6\r${id}\r`);
    await menu.waitFor(/Message: $/);

    // Just under the LP limit of 4,000 characters.
    const text = "z".repeat(3900);
    const started = performance.now();
    await menu.type(`${text}\r`);
    await listener.waitFor(new RegExp(`^Message from client \\d+ \\([^)]+\\): ${text}$`));
    const ms = performance.now() - started;
    ok(ms < PASTE_MS, `the pasted message arrived after ${ms.toFixed(0)} ms`);

    await relay.waitForSent("H", 2, relay.sent.length);
    const limitMs = HEARTBEAT_S * MISSED_HEARTBEATS * 1000;
    ok(relay.longestSilence() < limitMs, `silent for ${relay.longestSilence().toFixed(0)} ms`);
    await menu.type("7\r");
    equal(await menu.exit(), 0);
  },
});
