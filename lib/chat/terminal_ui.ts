/**
 * The chat client's side facing the user: where its lines go (a terminal with a prompt that
 * incoming lines never break, or plain lines for a pipe), the three things it waits for (a typed
 * line, the server closing, Ctrl-C) as one stream of events, and transfers running in the
 * background with live progress.
 *
 * @module
 */

import { createInterface } from "node:readline";
import process from "node:process";
import { type LineEditor, openTerminalEditor } from "../cli/line_editor.ts";
import type { ProgressFn, TransferResult } from "./client_session.ts";
import type { ChatEvent } from "./protocol.ts";
import { formatEvent, historyLines, progressLine, summaryLine } from "./format.ts";
import { chatText as text } from "./text.ts";

/** Fastest redraw of a live progress line: smooth to the eye, cheap for the terminal. */
const PROGRESS_MS = 100;

/** Where the client's output goes: a terminal with a prompt, a pipe, or a test's transcript. */
export interface ChatUi {
  /** Print one whole line (above the prompt, on a terminal). */
  print(line: string): void;
  /** Show the prompt for the next command; a no-op without a terminal. */
  prompt(text: string): void;
  /** Ask a question, such as the user name: a prompt on a terminal, a line otherwise. */
  ask(question: string): void;
  /**
   * Ask for a secret, such as a password: on a terminal what is typed is not shown. Absent (a
   * pipe, where nothing typed is shown anyway): asked as {@linkcode ChatUi.ask} asks.
   */
  askSecret?: (question: string) => void;
  /** Show live transfer progress (`null` when none). Absent: one summary line per transfer. */
  progress?: (text: string | null) => void;
  /** Take the prompt away for good: the session is over. */
  end?: () => void;
}

/**
 * Output for a terminal: each line is printed above the prompt, which is then redrawn with
 * whatever the user had typed, so incoming messages never break the line being typed.
 *
 * @param editor The line editor reading the keyboard (lib/cli/line_editor.ts).
 * @returns The UI.
 */
export function terminalUi(editor: LineEditor): ChatUi {
  let prompt = ""; // none until the name is asked for
  let status: string | null = null;
  const setPrompt = () => editor.setPrompt(status === null ? prompt : `[${status}] ${prompt}`);
  return {
    print(line) {
      editor.print(line);
    },
    prompt(text) {
      prompt = text;
      setPrompt();
      editor.prompt();
    },
    ask(question) {
      prompt = question;
      setPrompt();
      editor.prompt();
    },
    askSecret(question) {
      editor.hideNextLine();
      prompt = question;
      setPrompt();
      editor.prompt();
    },
    progress(text) {
      status = text;
      setPrompt();
    },
    end() {
      // Leave the line empty for the shell's prompt, rather than a dangling "> " above it.
      prompt = "";
      status = null;
      editor.hide();
      editor.setPrompt("");
    },
  };
}

/**
 * Output for a pipe or a file: plain lines, no prompt, one summary line per transfer.
 *
 * @param print Where lines go, such as `console.log`.
 * @returns The UI.
 */
export function plainUi(print: (line: string) => void): ChatUi {
  return { print, prompt() {}, ask: print };
}

/**
 * The UI and the typed lines on this process's standard input and output: a terminal gets a
 * prompt, line editing and live progress; a pipe gets plain lines.
 *
 * @param onInterrupt Ctrl-C typed at the terminal (the editor reads it as a key).
 * @param print Where a pipe's lines go, such as `console.log`.
 * @returns The UI, the lines, and a way to stop reading and give the terminal back.
 */
export function openConsole(
  onInterrupt: () => void,
  print: (line: string) => void,
): { ui: ChatUi; lines: AsyncIterable<string>; close(): void } {
  if (Deno.stdin.isTerminal()) {
    const editor = openTerminalEditor({ onInterrupt });
    const ui = terminalUi(editor);
    const close = () => {
      ui.end?.(); // the shell's prompt gets an empty line, not a dangling "> "
      editor.close();
    };
    return { ui, lines: editor, close };
  }
  const rl = createInterface({ input: process.stdin, terminal: false });
  return { ui: plainUi(print), lines: rl, close: () => rl.close() };
}

/**
 * The room's events as lines: live ones at once; the history the server replays after a join
 * gathered, then shown as one block set apart from the live lines (a line before saying how
 * many, a line after), once it has all come.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * const lines: string[] = [];
 * const room = new RoomLines(plainUi((line) => lines.push(line)));
 * room.event({ type: "chat", time: "t1", from: "bob", text: "before", history: true });
 * room.event({ type: "chat", time: "t2", from: "bob", text: "now" });
 * deepStrictEqual(lines, ["— history: last 1 message —", "t1 bob: before", "— now —", "t2 bob: now"]);
 * ```
 */
export class RoomLines {
  /** Whether the replay being gathered follows a join that asked for what it missed. */
  resumed = false;
  readonly #ui: ChatUi;
  #replayed: ChatEvent[] = [];

  /** @param ui Where the lines go. */
  constructor(ui: ChatUi) {
    this.#ui = ui;
  }

  /**
   * An event from the room: history is kept until the replay ends; a live event ends it.
   *
   * @param event The event.
   */
  event(event: ChatEvent): void {
    if (event.history) {
      this.#replayed.push(event);
      return;
    }
    this.endReplay();
    this.#ui.print(formatEvent(event));
  }

  /** The replay is over: show what it gathered, if anything, as one block. */
  endReplay(): void {
    if (this.#replayed.length === 0) return;
    const block = { kind: this.resumed ? "resumed" as const : "joined" as const };
    const lines = historyLines(block, this.#replayed);
    this.#replayed = [];
    for (const line of lines) this.#ui.print(line);
  }
}

/** What the client waits for next: a typed line (`null` at the end of input), the server, Ctrl-C. */
export type InputEvent =
  | { from: "user"; line: string | null }
  | { from: "server" }
  | { from: "stop" };

/**
 * Typed lines, the connection's close and a stop signal, read as one stream of events. A line
 * asked for but not yet typed stays asked for: the next call gets it.
 */
export class ClientInput {
  /** Resolves when the stop signal is aborted. */
  readonly stopped: Promise<{ from: "stop" }>;
  readonly #lines: AsyncIterator<string>;
  #typed: Promise<IteratorResult<string>> | null = null;
  #closed: Promise<{ from: "server" }> = new Promise(() => {});

  /**
   * @param lines What the user types.
   * @param signal Aborted on Ctrl-C.
   */
  constructor(lines: AsyncIterable<string> | Iterable<string>, signal?: AbortSignal) {
    this.#lines = Symbol.asyncIterator in lines
      ? lines[Symbol.asyncIterator]()
      : toAsync(lines[Symbol.iterator]());
    this.stopped = new Promise((resolve) => {
      if (signal?.aborted) resolve({ from: "stop" });
      signal?.addEventListener("abort", () => resolve({ from: "stop" }), { once: true });
    });
  }

  /**
   * Watch another connection's close; `null` stops watching (its close is no news any more).
   *
   * @param closed The connection's `closed`.
   */
  watch(closed: Promise<unknown> | null): void {
    this.#closed = closed === null
      ? new Promise(() => {})
      : closed.then(() => ({ from: "server" as const }));
  }

  /** Wait for whichever comes first. */
  async next(): Promise<InputEvent> {
    this.#typed ??= this.#lines.next();
    const event = await Promise.race([
      this.#typed.then((r) => ({ from: "user" as const, line: r.done ? null : r.value })),
      this.#closed,
      this.stopped,
    ]);
    if (event.from === "user") this.#typed = null;
    return event;
  }
}

function toAsync(sync: Iterator<string>): AsyncIterator<string> {
  return { next: () => Promise.resolve(sync.next()) };
}

/**
 * Transfers running in the background: each one shown as live progress on a terminal, and as
 * one summary line when it ends.
 */
export class Transfers {
  /** Once set, a transfer that fails reads as cancelled: the user is leaving. */
  leaving = false;
  readonly #ui: ChatUi;
  readonly #running = new Set<Promise<void>>();
  /** The progress text of each transfer, by a key of its own, for one shared status line. */
  readonly #live = new Map<number, string>();
  #lastKey = 0;

  /** @param ui Where progress and results go. */
  constructor(ui: ChatUi) {
    this.#ui = ui;
  }

  /** How many are running. */
  get size(): number {
    return this.#running.size;
  }

  /** Resolves once every transfer running now has ended, however it ended. */
  async settled(): Promise<void> {
    await Promise.all(this.#running);
  }

  /**
   * Start one; it runs in the background.
   *
   * @param label Such as `upload notes.txt` (see `transferLabel`), for the progress line.
   * @param run The transfer, reporting progress.
   * @param done The line for its result, given a summary such as `1.0 MiB in 0.2 s`.
   * @param failed The line for its failure.
   */
  start(
    label: string,
    run: (onProgress: ProgressFn) => Promise<TransferResult>,
    done: (result: TransferResult, summary: string) => string,
    failed: (err: unknown) => string,
  ): void {
    const ui = this.#ui;
    const key = ++this.#lastKey;
    const started = Date.now();
    let drawn = 0;
    const onProgress: ProgressFn = (bytes, total) => {
      if (!ui.progress || Date.now() - drawn < PROGRESS_MS) return;
      drawn = Date.now();
      this.#live.set(key, progressLine(label, { done: bytes, total, elapsedMs: drawn - started }));
      ui.progress([...this.#live.values()].join(" | "));
    };
    const task = run(onProgress).then(
      (r) =>
        ui.print(
          done(r, summaryLine({ done: r.size, total: r.size, elapsedMs: Date.now() - started })),
        ),
      (err) => ui.print(this.leaving ? text("transferCancelled", { label }) : failed(err)),
    ).finally(() => {
      this.#running.delete(task);
      this.#live.delete(key);
      ui.progress?.(this.#live.size > 0 ? [...this.#live.values()].join(" | ") : null);
    });
    this.#running.add(task);
  }
}
