/**
 * A line editor for a terminal, for the interactive chat and LP clients: keys in, whole lines
 * out, and lines from elsewhere (a chat message, a server notice) printed above the line being
 * typed, which is then drawn again as it was.
 *
 * Why not `node:readline`: on a terminal it handles a paste one character at a time, and for
 * each character measures the width of the whole line typed so far, with a regular expression
 * per character, to know whether the cursor has reached the terminal's edge. A paste of n
 * characters costs about n² of those steps: 2,000 characters took 2.4 s to appear and 8,000 over
 * half a minute, and all that time the event loop is blocked, so no heartbeat goes out and no
 * message comes in. Here a chunk of input is one step: its text is inserted at once, only what
 * was added is written to the terminal, and the cursor's place is carried on from where the line
 * ended rather than measured again from the start. A paste costs time in proportion to its
 * length, whatever the length.
 *
 * Keys: Enter; Backspace and Delete; Left, Right, Home and End (also Ctrl-B, Ctrl-F, Ctrl-A,
 * Ctrl-E); Up and Down (also Ctrl-P, Ctrl-N) through the lines entered before; Ctrl-U and Ctrl-K
 * delete to the start or the end of the line, Ctrl-W the word before the cursor; Ctrl-L draws
 * the line again on a cleared screen; Ctrl-C interrupts; Ctrl-D on an empty line ends the input.
 * A tab is taken as a space; other control characters and unknown escape sequences are ignored.
 * Escape pressed alone is ignored too; as it starts every escape sequence, the key typed next
 * completes it, and is lost if it is a letter (Alt and that letter, ignored).
 *
 * A secret line, such as a password ({@linkcode LineEditor.hideNextLine}), is typed without
 * being drawn, and is not kept for Up and Down.
 *
 * @module
 */

import process from "node:process";
import { graphemes } from "./display_width.ts";

/** Where the editor writes and how wide the terminal is. */
export interface LineEditorOptions {
  /** Write to the terminal, in order (synchronously, so other output cannot come between). */
  write(text: string): void;
  /** The terminal's width in columns, asked before each redraw; 0 when unknown. */
  columns(): number;
  /** Ctrl-C. Without it, Ctrl-C ends the input as Ctrl-D does. */
  onInterrupt?: () => void;
  /** How many entered lines Up and Down step through (default 100). */
  historySize?: number;
}

/** A place on the screen, counted from the first row and column of the prompt. */
interface Position {
  row: number;
  /** 0 to the terminal's width: `col === width` means the row is full to its last column. */
  col: number;
}

/** Where text ends on the screen, and where its last grapheme starts (to carry on from). */
interface Layout {
  end: Position;
  /** The text's index of its last grapheme, and where that grapheme is drawn from. */
  lastIndex: number;
  beforeLast: Position;
}

// Lines end in "\n" alone: in raw mode Deno leaves the terminal's output processing on, which
// turns it into "\r\n" (a "\r\n" written here would reach the screen as "\r\r\n").

/** Go to the first column, then clear from there to the end of the screen. */
const ERASE_DOWN = "\r\x1b[J";

const up = (rows: number) => rows > 0 ? `\x1b[${rows}A` : "";
const down = (rows: number) => rows > 0 ? `\x1b[${rows}B` : "";
const right = (cols: number) => cols > 0 ? `\x1b[${cols}C` : "";

/** Printable ASCII, whose every character is one column: placed by arithmetic. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Characters typed or pasted as text: everything but control characters and Escape. */
function isText(code: number): boolean {
  return (code >= 0x20 && code < 0x7f) || code >= 0xa0 || code === 0x09;
}

/**
 * Lay text out on a terminal `cols` wide, starting at `from`: a grapheme that does not fit in
 * what is left of a row goes to the next one, as the terminal moves it.
 *
 * @param text The text.
 * @param start Where in `text` to start.
 * @param from Where that is drawn.
 * @param cols The width; `Infinity` when unknown.
 * @returns Where the text ends, and where its last grapheme starts.
 */
function layOut(text: string, start: number, from: Position, cols: number): Layout {
  const rest = text.slice(start);
  if (rest === "") return { end: from, lastIndex: start, beforeLast: from };
  if (PRINTABLE_ASCII.test(rest)) {
    // One column per character: the end is found by arithmetic, however long the text.
    const at = (n: number): Position => {
      if (!Number.isFinite(cols)) return { row: from.row, col: from.col + n };
      const cells = from.row * cols + from.col + n;
      if (cells === 0) return { row: 0, col: 0 };
      const row = Math.floor((cells - 1) / cols);
      return { row, col: cells - row * cols };
    };
    return { end: at(rest.length), lastIndex: text.length - 1, beforeLast: at(rest.length - 1) };
  }
  let pos = from;
  let lastIndex = start;
  let beforeLast = from;
  let index = start;
  for (const [grapheme, width] of graphemes(rest)) {
    lastIndex = index;
    beforeLast = pos;
    index += grapheme.length;
    if (width === 0) continue;
    pos = pos.col + width > cols ? { row: pos.row + 1, col: width } : {
      row: pos.row,
      col: pos.col + width,
    };
  }
  return { end: pos, lastIndex, beforeLast };
}

/** The cursor's place after drawing up to `pos`: a full row puts it at the next one's start. */
function cursorAt(pos: Position, cols: number): Position {
  return pos.col === cols ? { row: pos.row + 1, col: 0 } : pos;
}

/**
 * The editor: feed it the bytes read from a terminal in raw mode, read the lines it makes.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * let screen = "";
 * const editor = new LineEditor({ write: (t) => screen += t, columns: () => 80 });
 * editor.setPrompt("> ");
 * editor.prompt();
 * editor.feed("hello\x7fo\r");
 * deepStrictEqual(await editor[Symbol.asyncIterator]().next(), { value: "hello", done: false });
 * ```
 */
export class LineEditor implements AsyncIterable<string> {
  readonly #options: LineEditorOptions;
  readonly #historySize: number;
  readonly #decoder = new TextDecoder();
  #prompt = "";
  #line = "";
  /** The cursor, as an index into `#line` (UTF-16 code units, always at a grapheme's start). */
  #cursor = 0;
  /** Whether the prompt and the line are on the screen, and so where the cursor is known. */
  #shown = false;
  /** The terminal cursor's row, counted from the prompt's first row. */
  #cursorRow = 0;
  /** How the prompt and line were laid out when last drawn, at the width they were drawn at. */
  #layout: Layout = { end: { row: 0, col: 0 }, lastIndex: 0, beforeLast: { row: 0, col: 0 } };
  #cols = Infinity;
  /** The start of an escape sequence that the end of a chunk cut in two. */
  #partial = "";
  /** The last key was a carriage return: a line feed right after it is the same Enter. */
  #afterReturn = false;
  readonly #history: string[] = [];
  /** Which entry of the history is shown: -1 for the line being typed. */
  #historyIndex = -1;
  #draft = "";
  readonly #lines: string[] = [];
  readonly #waiting: ((result: IteratorResult<string>) => void)[] = [];
  readonly #onClose: (() => void)[] = [];
  #closed = false;
  /** The line being typed is a secret: only the prompt is drawn, and history is off. */
  #secret = false;

  /** @param options Where to write, the terminal's width, what Ctrl-C does. */
  constructor(options: LineEditorOptions) {
    this.#options = options;
    this.#historySize = options.historySize ?? 100;
  }

  /** Whether the input has ended (Ctrl-D, or {@linkcode close}). */
  get closed(): boolean {
    return this.#closed;
  }

  /** The line being typed, not yet entered. */
  get line(): string {
    return this.#line;
  }

  /**
   * Set the prompt; redrawn at once when the line is on the screen.
   *
   * @param text Plain text, without escape sequences (its width is counted).
   */
  setPrompt(text: string): void {
    if (text === this.#prompt) return;
    this.#prompt = text;
    if (this.#shown) this.#redraw();
  }

  /** Show the prompt and what has been typed so far. */
  prompt(): void {
    this.#redraw();
  }

  /**
   * Take the next line as a secret, such as a password: what is typed is not drawn (not even
   * as stars, which would tell its length), and Up and Down do not step through it or into it.
   * Once it is entered, lines are drawn again.
   */
  hideNextLine(): void {
    if (this.#secret) return;
    this.#secret = true;
    this.#line = "";
    this.#cursor = 0;
    this.#historyIndex = -1;
    if (this.#shown) this.#redraw();
  }

  /**
   * Print a whole line above the prompt, which is drawn again below it as it was.
   *
   * @param line The text; it may be wider than the terminal.
   */
  print(line: string): void {
    if (!this.#shown) return this.#options.write(`${line}\n`);
    this.#options.write(`${up(this.#cursorRow)}${ERASE_DOWN}${line}\n`);
    this.#shown = false;
    this.#redraw();
  }

  /** Take the prompt and the typed line off the screen (the typed line is kept). */
  hide(): void {
    if (!this.#shown) return;
    this.#options.write(up(this.#cursorRow) + ERASE_DOWN);
    this.#shown = false;
  }

  /**
   * Leave the prompt and the typed line on the screen, and go on to a new row below them, with
   * an empty line to edit.
   */
  leaveLine(): void {
    if (this.#shown) this.#options.write(this.#toEnd() + "\n");
    this.#shown = false;
    this.#line = "";
    this.#cursor = 0;
  }

  /**
   * Call back once the input has ended.
   *
   * @param listener Called once, by {@linkcode close}.
   */
  onClose(listener: () => void): void {
    if (this.#closed) listener();
    else this.#onClose.push(listener);
  }

  /** End the input: lines already entered are still read, then the iterator is done. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const resolve of this.#waiting.splice(0)) resolve({ value: undefined, done: true });
    for (const listener of this.#onClose.splice(0)) listener();
  }

  /** The lines entered, in order, until the input ends. */
  [Symbol.asyncIterator](): AsyncIterator<string> {
    return {
      next: () => {
        const line = this.#lines.shift();
        if (line !== undefined) return Promise.resolve({ value: line, done: false });
        if (this.#closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => this.#waiting.push(resolve));
      },
    };
  }

  /**
   * Take input from the terminal: keys, escape sequences, pasted text.
   *
   * @param chunk Bytes as read from the terminal in raw mode (UTF-8), or text.
   */
  feed(chunk: Uint8Array | string): void {
    if (this.#closed) return;
    const text = this.#partial +
      (typeof chunk === "string" ? chunk : this.#decoder.decode(chunk, { stream: true }));
    this.#partial = "";
    let i = 0;
    while (i < text.length && !this.#closed) {
      const afterReturn = this.#afterReturn;
      this.#afterReturn = false;
      const code = text.charCodeAt(i);
      if (isText(code)) {
        // A run of text, such as a whole paste, is one insertion and one write.
        let j = i + 1;
        while (j < text.length && isText(text.charCodeAt(j))) j++;
        this.#insert(text.slice(i, j).replaceAll("\t", " "));
        i = j;
      } else if (code === 0x1b) {
        const length = escapeLength(text, i);
        if (length === 0) {
          this.#partial = text.slice(i); // the rest of it comes with the next chunk
          return;
        }
        this.#escape(text.slice(i, i + length));
        i += length;
      } else {
        if (text[i] === "\r") this.#afterReturn = true;
        if (!(text[i] === "\n" && afterReturn)) this.#control(text[i]);
        i++;
      }
    }
  }

  #control(key: string): void {
    switch (key) {
      case "\r":
      case "\n":
        return this.#enter();
      case "\x7f": // Backspace
      case "\b": // Ctrl-H
        return this.#deleteBack();
      case "\x04": // Ctrl-D
        if (this.#line === "") return this.close();
        return this.#deleteForward();
      case "\x03": // Ctrl-C
        if (this.#options.onInterrupt) return this.#options.onInterrupt();
        return this.close();
      case "\x01": // Ctrl-A
        return this.#moveTo(0);
      case "\x05": // Ctrl-E
        return this.#moveTo(this.#line.length);
      case "\x02": // Ctrl-B
        return this.#moveTo(this.#previousBoundary());
      case "\x06": // Ctrl-F
        return this.#moveTo(this.#nextBoundary());
      case "\x15": // Ctrl-U
        return this.#replace(this.#line.slice(this.#cursor), 0);
      case "\x0b": // Ctrl-K
        return this.#replace(this.#line.slice(0, this.#cursor), this.#cursor);
      case "\x17": // Ctrl-W: back over spaces, then over the word
        {
          const before = this.#line.slice(0, this.#cursor).replace(/\S*\s*$/, "");
          this.#replace(before + this.#line.slice(this.#cursor), before.length);
        }
        return;
      case "\x0c": // Ctrl-L
        this.#options.write("\x1b[H\x1b[2J");
        this.#shown = false;
        return this.#redraw();
      case "\x10": // Ctrl-P
        return this.#browse(1);
      case "\x0e": // Ctrl-N
        return this.#browse(-1);
    }
  }

  #escape(sequence: string): void {
    switch (sequence) {
      case "\x1b[A":
      case "\x1bOA":
        return this.#browse(1);
      case "\x1b[B":
      case "\x1bOB":
        return this.#browse(-1);
      case "\x1b[C":
      case "\x1bOC":
        return this.#moveTo(this.#nextBoundary());
      case "\x1b[D":
      case "\x1bOD":
        return this.#moveTo(this.#previousBoundary());
      case "\x1b[H":
      case "\x1bOH":
      case "\x1b[1~":
      case "\x1b[7~":
        return this.#moveTo(0);
      case "\x1b[F":
      case "\x1bOF":
      case "\x1b[4~":
      case "\x1b[8~":
        return this.#moveTo(this.#line.length);
      case "\x1b[3~":
        return this.#deleteForward();
    }
  }

  #enter(): void {
    const line = this.#line;
    const secret = this.#secret;
    if (!this.#shown) this.#options.write("\n");
    this.leaveLine();
    this.#secret = false;
    this.#historyIndex = -1;
    if (!secret && line.trim() !== "" && this.#history[0] !== line) {
      this.#history.unshift(line);
      this.#history.length = Math.min(this.#history.length, this.#historySize);
    }
    const waiting = this.#waiting.shift();
    if (waiting) waiting({ value: line, done: false });
    else this.#lines.push(line);
  }

  #insert(text: string): void {
    const atEnd = this.#cursor === this.#line.length;
    this.#line = this.#line.slice(0, this.#cursor) + text + this.#line.slice(this.#cursor);
    this.#cursor += text.length;
    if (this.#secret) return; // nothing of it is drawn
    if (atEnd && this.#shown && this.#cols === this.#width()) this.#append(text);
    else this.#redraw();
  }

  /** Replace the line and place the cursor, then redraw. */
  #replace(line: string, cursor: number): void {
    this.#line = line;
    this.#cursor = cursor;
    this.#redraw();
  }

  #deleteBack(): void {
    if (this.#cursor === 0) return;
    const from = this.#previousBoundary();
    this.#replace(this.#line.slice(0, from) + this.#line.slice(this.#cursor), from);
  }

  #deleteForward(): void {
    if (this.#cursor === this.#line.length) return;
    const to = this.#nextBoundary();
    this.#replace(this.#line.slice(0, this.#cursor) + this.#line.slice(to), this.#cursor);
  }

  /** Step through the history: 1 to older lines, -1 back towards the line being typed. */
  #browse(step: 1 | -1): void {
    if (this.#secret) return;
    const index = this.#historyIndex + step;
    if (index < -1 || index >= this.#history.length) return;
    if (this.#historyIndex === -1) this.#draft = this.#line;
    this.#historyIndex = index;
    const line = index === -1 ? this.#draft : this.#history[index];
    this.#replace(line, line.length);
  }

  /** Where the grapheme before the cursor starts. */
  #previousBoundary(): number {
    let at = 0;
    let index = 0;
    for (const [grapheme] of graphemes(this.#line.slice(0, this.#cursor))) {
      at = index;
      index += grapheme.length;
    }
    return at;
  }

  /** Where the grapheme after the cursor ends. */
  #nextBoundary(): number {
    for (const [grapheme] of graphemes(this.#line.slice(this.#cursor))) {
      return this.#cursor + grapheme.length;
    }
    return this.#cursor;
  }

  #width(): number {
    const cols = this.#options.columns();
    return cols > 0 ? cols : Infinity;
  }

  /** Text added at the end of the line on the screen: write just that text. */
  #append(text: string): void {
    const all = this.#prompt + this.#line;
    // Lay out again from the last grapheme drawn: what was added may join it (an accent).
    const { lastIndex, beforeLast } = this.#layout;
    this.#layout = layOut(all, lastIndex, beforeLast, this.#cols);
    const end = cursorAt(this.#layout.end, this.#cols);
    // At the very end of a full row the terminal waits to wrap; a space makes it go to the next
    // row (on terminals that wrap at once as well), and the carriage return takes it back.
    this.#options.write(text + (end.col === 0 && end.row > 0 ? " \r" : ""));
    this.#cursorRow = end.row;
  }

  /** Draw the prompt and the line again from their first row, and place the cursor. */
  #redraw(): void {
    const cols = this.#width();
    const all = this.#prompt + (this.#secret ? "" : this.#line);
    let out = (this.#shown ? up(this.#cursorRow) : "") + ERASE_DOWN + all;
    this.#cols = cols;
    this.#layout = layOut(all, 0, { row: 0, col: 0 }, cols);
    const end = cursorAt(this.#layout.end, cols);
    if (end.col === 0 && end.row > 0) out += " \r";
    let cursor = end;
    if (!this.#secret && this.#cursor < this.#line.length) {
      cursor = this.#cursorPosition(cols);
      out += up(end.row - cursor.row) + "\r" + right(cursor.col);
    }
    this.#cursorRow = cursor.row;
    this.#shown = true;
    this.#options.write(out);
  }

  /** Move the cursor within the line, on the screen as well. */
  #moveTo(index: number): void {
    if (this.#secret) {
      this.#cursor = index; // the cursor stays after the prompt on the screen
      return;
    }
    if (!this.#shown || this.#cols !== this.#width()) {
      this.#cursor = index;
      return this.#redraw();
    }
    this.#cursor = index;
    const cursor = this.#cursorPosition(this.#cols);
    const rows = cursor.row - this.#cursorRow;
    this.#options.write((rows < 0 ? up(-rows) : down(rows)) + "\r" + right(cursor.col));
    this.#cursorRow = cursor.row;
  }

  /**
   * Where the cursor goes on the screen: on the grapheme after it, which may have been moved to
   * the next row for want of room (a wide character), or after the end of the text.
   */
  #cursorPosition(cols: number): Position {
    const all = this.#prompt + this.#line;
    const before = this.#prompt.length + this.#cursor;
    let pos = layOut(all.slice(0, before), 0, { row: 0, col: 0 }, cols).end;
    for (const [, width] of graphemes(all.slice(before))) {
      if (pos.col + width > cols) pos = { row: pos.row + 1, col: 0 };
      break;
    }
    return cursorAt(pos, cols);
  }

  /** The escape sequence that moves the cursor from where it is to the end of the line. */
  #toEnd(): string {
    const end = cursorAt(this.#layout.end, this.#cols);
    if (this.#secret || this.#cursor === this.#line.length) return "";
    return down(end.row - this.#cursorRow) + "\r" + right(end.col);
  }
}

/**
 * How long the escape sequence at `text[i]` is: `ESC [ ... final`, `ESC O x`, or `ESC x` (a key
 * with Alt). 0 when the text ends before the sequence does: the rest comes with the next read.
 */
function escapeLength(text: string, i: number): number {
  if (i + 1 >= text.length) return 0;
  const next = text[i + 1];
  if (next === "[") {
    let j = i + 2;
    // Parameter and intermediate bytes, then one final byte.
    while (j < text.length && text.charCodeAt(j) >= 0x20 && text.charCodeAt(j) <= 0x3f) j++;
    return j < text.length ? j - i + 1 : 0;
  }
  if (next === "O") return i + 2 < text.length ? 3 : 0;
  // A key with Alt; or Escape pressed alone, then a key that is not text (such as Enter),
  // which is taken as it is.
  return isText(next.charCodeAt(0)) ? 2 : 1;
}

/** What {@linkcode openTerminalEditor} needs. */
export interface TerminalEditorOptions {
  /** Ctrl-C; without it, Ctrl-C ends the input. */
  onInterrupt?: () => void;
}

/**
 * An editor on this process's terminal: standard input in raw mode, standard output.
 * {@linkcode LineEditor.close} (or the end of input) puts the terminal back as it was.
 *
 * @param options What Ctrl-C does.
 * @returns The editor, reading keys already.
 */
export function openTerminalEditor(options: TerminalEditorOptions = {}): LineEditor {
  const encoder = new TextEncoder();
  const editor = new LineEditor({
    write(text) {
      // Synchronous, as console.log is: nothing printed elsewhere can come in between.
      const bytes = encoder.encode(text);
      for (let done = 0; done < bytes.length;) done += Deno.stdout.writeSync(bytes.subarray(done));
    },
    columns() {
      try {
        return Deno.consoleSize().columns;
      } catch {
        return 0; // not a terminal after all: no wrapping to account for
      }
    },
    onInterrupt: options.onInterrupt,
  });
  const stdin = process.stdin;
  const onData = (chunk: Uint8Array) => editor.feed(chunk);
  const onEnd = () => editor.close();
  stdin.setRawMode(true);
  stdin.on("data", onData);
  stdin.on("end", onEnd);
  stdin.resume();
  editor.onClose(() => {
    stdin.off("data", onData);
    stdin.off("end", onEnd);
    stdin.setRawMode(false);
    stdin.pause(); // so that the process can end
  });
  return editor;
}
