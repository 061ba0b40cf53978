/**
 * Lines typed at a terminal or piped in, for the interactive lab clients: a terminal gets a
 * `> ` prompt and line editing (the line editor, which takes a paste as one insertion), a pipe
 * gets neither, and Ctrl-C at the prompt quits the way Ctrl-D does.
 *
 * @module
 */

import { cliText } from "./text.ts";
import { createInterface } from "node:readline";
import process from "node:process";
import { openTerminalEditor } from "./line_editor.ts";

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
  lines: AsyncIterable<string>;
  /** Whether the input is a terminal. */
  interactive: boolean;
  /** Show the `> ` prompt; only for a terminal, where there is someone to prompt. */
  prompt?: () => void;
  /**
   * The prompt; `echo` for a pipe, where no one sees the lines typed; and, at a terminal, a log
   * that prints above the prompt: for a client.
   */
  conversation: ConversationOptions;
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
  if (options.interactive && options.input === process.stdin) return openTerminalInput();
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
 * Standard input at a terminal, through the line editor: `node:readline` measures the whole
 * line again for every character of a paste, so a few thousand pasted characters froze it.
 */
function openTerminalInput(): LineInput {
  const editor = openTerminalEditor({ onInterrupt: () => editor.close() });
  editor.setPrompt("> ");
  // Ctrl-D or Ctrl-C: leave the prompt's line, so the shell's prompt starts on its own.
  editor.onClose(() => editor.leaveLine());
  const prompt = () => editor.prompt();
  return {
    lines: editor,
    interactive: true,
    prompt,
    conversation: { prompt, echo: false, log: (line) => editor.print(line) },
    close: () => editor.close(),
  };
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
  const interactive = Deno.stdin.isTerminal();
  // Said before the input opens: a terminal is in raw mode while the line editor has it.
  log(interactive ? cliText("typeALine", { where }) : where);
  return openLineInput({ input: process.stdin, output: process.stdout, interactive, log });
}
