/**
 * How the LP client's menu talks to the user: prompts and line editing on a terminal, or
 * answers read from a pipe and echoed after their prompts, so a piped session's output reads
 * like a terminal session.
 *
 * @module
 */

import { createInterface, type Interface } from "node:readline";
import process from "node:process";
import { type LineEditor, openTerminalEditor } from "../cli/line_editor.ts";

/** How the menu talks to the user: a terminal with prompts, a pipe, or a test. */
export interface MenuIO {
  /**
   * Show a prompt and read the answer.
   *
   * @returns The line, or `null` at the end of input.
   */
  ask(prompt: string): Promise<string | null>;
  /** Show a line, even while a prompt is waiting. */
  print(line: string): void;
}

/**
 * The menu's I/O on a terminal: prompts, line editing, and indications printed above the
 * prompt, which is then redrawn with what was typed so far.
 *
 * @param editor The line editor reading the keyboard (lib/cli/line_editor.ts).
 * @returns The I/O.
 */
export function editorIO(editor: LineEditor): MenuIO {
  const lines = editor[Symbol.asyncIterator]();
  return {
    async ask(prompt) {
      editor.setPrompt(prompt);
      editor.prompt();
      const next = await lines.next();
      if (next.done) {
        // Ctrl-D or Ctrl-C left the cursor after the prompt: end that line first.
        editor.leaveLine();
        return null;
      }
      return next.value;
    },
    print(line) {
      editor.print(line);
    },
  };
}

/**
 * The menu's I/O on a pipe: no prompt is left waiting; each answer is echoed after its prompt.
 *
 * @param rl A readline interface on the input.
 * @param print Where lines go, such as `console.log`.
 * @returns The I/O.
 */
export function readlineIO(rl: Interface, print: (line: string) => void): MenuIO {
  const lines = rl[Symbol.asyncIterator]();
  return {
    async ask(prompt) {
      const next = await lines.next();
      if (next.done) return null;
      print(`${prompt}${next.value}`);
      return next.value;
    },
    print,
  };
}

/**
 * The menu's I/O on this process's standard input: {@linkcode editorIO} on a terminal (where
 * Ctrl-C at a prompt ends the input as Ctrl-D does), {@linkcode readlineIO} on a pipe.
 *
 * @param print Where lines go on a pipe, such as `console.log`.
 * @returns The I/O, and a way to stop reading.
 */
export function openMenuIO(print: (line: string) => void): MenuIO & { close(): void } {
  if (Deno.stdin.isTerminal()) {
    const editor = openTerminalEditor();
    return { ...editorIO(editor), close: () => editor.close() };
  }
  const rl = createInterface({ input: process.stdin, terminal: false });
  return { ...readlineIO(rl, print), close: () => rl.close() };
}
