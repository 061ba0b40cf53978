/**
 * Lines typed at a terminal or piped in, for the interactive lab clients: a terminal gets a
 * `> ` prompt and line editing, a pipe gets neither, and Ctrl-C at the prompt quits the way
 * Ctrl-D does.
 *
 * @module
 */

import { createInterface, type Interface } from "node:readline";
import process from "node:process";

/** What {@linkcode openLineInput} reads from and writes to. */
export interface LineInputOptions {
  /** Where the lines come from, usually `process.stdin`. */
  input: NodeJS.ReadableStream;
  /** Where the prompt and the typed line's echo go, usually `process.stdout`. */
  output: NodeJS.WritableStream;
  /** Whether the input is a terminal, usually `Deno.stdin.isTerminal()`. */
  interactive: boolean;
  /** Writes one line; called with `""` to end the prompt's line, usually `console.log`. */
  log: (line: string) => void;
}

/** How a lab client shows its side of a conversation; the TCP and UDP clients take these. */
export interface ConversationOptions {
  /** Where the server's replies and the client's notes go (default `console.log`). */
  log?: (line: string) => void;
  /** Called whenever the client is ready for the next line, to show a prompt. */
  prompt?: () => void;
  /** Also log each line sent, as `> line`: for transcripts and piped input. */
  echo?: boolean;
}

/** Lines to send, from {@linkcode openLineInput}. */
export interface LineInput {
  /** The lines, one by one, until the input ends, Ctrl-D or Ctrl-C. */
  lines: Interface;
  /** Whether the input is a terminal. */
  interactive: boolean;
  /** Show the `> ` prompt; only for a terminal, where there is someone to prompt. */
  prompt?: () => void;
  /** The prompt, and `echo` for a pipe, where no one sees the lines typed: for a client. */
  conversation: Pick<ConversationOptions, "prompt" | "echo">;
  /** Stop reading, when the conversation is over for another reason. */
  close(): void;
}

/**
 * Open the input of an interactive client.
 *
 * @param options The input, the output, whether it is a terminal, and the log.
 * @returns The lines, the prompt, and a way to stop reading.
 */
export function openLineInput(options: LineInputOptions): LineInput {
  const { interactive, log } = options;
  const lines = createInterface({
    input: options.input,
    output: interactive ? options.output : undefined,
    terminal: interactive,
  });
  lines.setPrompt("> ");
  let closedByUs = false;
  const close = () => {
    closedByUs = true;
    lines.close();
  };
  // Ctrl-C at the prompt quits like Ctrl-D instead of pausing the input.
  lines.on("SIGINT", () => {
    log(""); // leave the prompt's line
    close();
  });
  // Ctrl-D ends the input with the cursor still after "> ": leave that line, or the shell's
  // prompt would start on it.
  lines.on("close", () => {
    if (interactive && !closedByUs) log("");
  });
  const prompt = interactive ? () => lines.prompt() : undefined;
  return { lines, interactive, prompt, conversation: { prompt, echo: !interactive }, close };
}

/**
 * Open standard input for an interactive client, and say where its lines go: at a terminal
 * with how to quit, from a pipe plainly. A terminal gets prompts and line editing; a pipe gets
 * neither, and the client should echo what it sends.
 *
 * @param where Such as `Connected to 127.0.0.1:15000`.
 * @param log Where the greeting goes, usually `console.log`.
 * @returns The input, as {@linkcode openLineInput} opens it.
 */
export function openTypedInput(where: string, log: (line: string) => void): LineInput {
  const input = openLineInput({
    input: process.stdin,
    output: process.stdout,
    interactive: Deno.stdin.isTerminal(),
    log,
  });
  log(input.interactive ? `${where}. Type a line; "exit" or Ctrl-D quits.` : where);
  return input;
}
