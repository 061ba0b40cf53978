/**
 * The terminal line editor on its own: keys fed in as a terminal sends them, the escape
 * sequences it writes read back as a terminal would show them.
 */

import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { LineEditor } from "../../lib/cli/line_editor.ts";

/**
 * A terminal of fixed width that follows the sequences the editor writes (`\r`, `\n`, cursor
 * up, down and right, erase to the end of the screen) closely enough to check what is shown and
 * where the cursor is. Wide characters take two cells, the second one empty.
 */
class FakeTerminal {
  readonly rows: string[][] = [[]];
  row = 0;
  col = 0;
  /** Every write, in order. */
  readonly writes: string[] = [];
  /** A full row leaves the cursor after its last column until the next character. */
  #pendingWrap = false;

  constructor(readonly cols: number) {}

  write = (text: string): void => {
    this.writes.push(text);
    const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });
    let i = 0;
    while (i < text.length) {
      // deno-lint-ignore no-control-regex -- escape sequences are what this reads
      const csi = /^\x1b\[(\d*)([A-Za-z])/.exec(text.slice(i, i + 12));
      if (csi) {
        const n = Number(csi[1] || "1");
        if (csi[2] === "A") this.row = Math.max(0, this.row - n);
        if (csi[2] === "B") this.row += n;
        if (csi[2] === "C") this.col = Math.min(this.cols - 1, this.col + n);
        if (csi[2] === "J") {
          this.rows[this.row] = (this.rows[this.row] ?? []).slice(0, this.col);
          this.rows.length = this.row + 1;
        }
        this.#pendingWrap = false;
        i += csi[0].length;
        continue;
      }
      const ch = text[i];
      if (ch === "\r" || ch === "\n") {
        if (ch === "\r") this.col = 0;
        else {
          this.row++;
          this.col = 0; // the terminal's output processing adds the carriage return
        }
        this.#pendingWrap = false;
        i++;
        continue;
      }
      const { segment } = segmenter.segment(text.slice(i)).containing(0)!;
      const width = /\p{Script=Han}/u.test(segment) ? 2 : 1;
      if (this.#pendingWrap || this.col + width > this.cols) {
        this.row++;
        this.col = 0;
      }
      this.#pendingWrap = false;
      const line = this.rows[this.row] ??= [];
      while (line.length < this.col) line.push(" ");
      line[this.col] = segment;
      if (width === 2) line[this.col + 1] = "";
      this.col += width;
      if (this.col === this.cols) {
        this.col = this.cols - 1;
        this.#pendingWrap = true;
      }
      i += segment.length;
    }
  };

  /** The screen's rows as text, less empty rows at the bottom. */
  get screen(): string[] {
    const rows = Array.from(this.rows, (r) => (r ?? []).join("").trimEnd());
    while (rows.at(-1) === "") rows.pop();
    return rows;
  }
}

function editorOn(cols: number) {
  const terminal = new FakeTerminal(cols);
  const editor = new LineEditor({ write: terminal.write, columns: () => cols });
  const lines = editor[Symbol.asyncIterator]();
  return { terminal, editor, lines };
}

Deno.test("LineEditor takes a paste as one insertion: one write, whatever its length", () => {
  const { terminal, editor } = editorOn(80);
  editor.setPrompt("> ");
  editor.prompt();
  const before = terminal.writes.length;
  const paste = "x".repeat(8192);
  editor.feed(new TextEncoder().encode(paste));
  deepStrictEqual(terminal.writes.slice(before), [paste]);
  equal(editor.line, paste);
  // Where the cursor is follows by arithmetic: "> " and 8,192 columns end on row 102, column 34.
  deepStrictEqual([terminal.row, terminal.col], [102, 34]);
});

Deno.test("LineEditor handles a long paste in time proportional to its length", () => {
  // A quadratic editor (node:readline on a terminal) takes minutes over this; a linear one,
  // milliseconds. The bound is generous, a failsafe against the quadratic cost coming back.
  for (const text of ["x".repeat(256 * 1024), "报告".repeat(64 * 1024)]) {
    const { editor } = editorOn(80);
    editor.prompt();
    const bytes = new TextEncoder().encode(text);
    const started = performance.now();
    for (let i = 0; i < bytes.length; i += 4096) editor.feed(bytes.subarray(i, i + 4096));
    const ms = performance.now() - started;
    equal(editor.line, text);
    ok(ms < 2000, `${text.length} characters took ${ms.toFixed(0)} ms`);
  }
});

Deno.test("LineEditor returns each line on Enter, a CR LF being one Enter", async () => {
  const { editor, lines } = editorOn(80);
  editor.feed("one\rtwo\r\nthree\n\r");
  const got = [];
  for (let i = 0; i < 4; i++) got.push((await lines.next()).value);
  deepStrictEqual(got, ["one", "two", "three", ""]);
});

Deno.test("LineEditor reassembles UTF-8 and escape sequences cut between reads", async () => {
  const { editor, lines } = editorOn(80);
  const bytes = new TextEncoder().encode("报告\x1b[D\x1b[Dx\r");
  // One byte at a time: every character and every sequence is cut somewhere.
  for (const byte of bytes) editor.feed(new Uint8Array([byte]));
  deepStrictEqual(await lines.next(), { value: "x报告", done: false });
});

Deno.test("LineEditor edits: arrows, Home, End, Backspace, Delete, Ctrl-U, Ctrl-K, Ctrl-W", async () => {
  const { editor, lines } = editorOn(80);
  const enter = async (keys: string) => {
    editor.feed(keys + "\r");
    return (await lines.next()).value;
  };
  equal(await enter("helo\x1b[Dl"), "hello");
  equal(await enter("world\x1b[H\x1b[3~W"), "World");
  equal(await enter("abc\x01\x06\x7f\x05!"), "bc!");
  equal(await enter("keep this\x01\x06\x06\x06\x06\x0b"), "keep");
  equal(await enter("drop this\x1b[4~\x1b[D\x1b[D\x1b[D\x1b[D\x15"), "this");
  equal(await enter("two words  \x17"), "two ");
  // A grapheme is deleted whole: e and its combining accent together.
  equal(await enter("cafe\u0301\x7f"), "caf");
});

Deno.test("LineEditor steps through earlier lines with Up and Down, keeping the draft", async () => {
  const { editor, lines } = editorOn(80);
  editor.feed("first\rsecond\r");
  await lines.next();
  await lines.next();
  editor.feed("draft\x1b[A\x1b[A");
  equal(editor.line, "first");
  editor.feed("\x1b[B\x1b[B");
  equal(editor.line, "draft");
});

Deno.test("LineEditor prints above a wrapped line and draws it again below", () => {
  const { terminal, editor } = editorOn(10);
  editor.setPrompt("> ");
  editor.prompt();
  editor.feed("abcdefghijklmnopqrstu"); // "> " and 21 characters: three rows
  editor.feed("\x1b[D\x1b[D\x1b[D"); // the cursor in the last row
  editor.print("news");
  deepStrictEqual(terminal.screen, ["news", "> abcdefgh", "ijklmnopqr", "stu"]);
  // The cursor is where it was in the line: before "s", at the start of the last row.
  deepStrictEqual([terminal.row, terminal.col], [3, 0]);
  editor.feed("\x01"); // Home: the cursor back on the prompt's row
  deepStrictEqual([terminal.row, terminal.col], [1, 2]);
});

Deno.test("LineEditor moves a wide character that does not fit to the next row", () => {
  const { terminal, editor } = editorOn(10);
  editor.setPrompt("> ");
  editor.prompt();
  editor.feed("1234567报告");
  deepStrictEqual(terminal.screen, ["> 1234567", "报告"]);
  deepStrictEqual([terminal.row, terminal.col], [1, 4]);
  editor.feed("\x1b[D\x1b[D"); // before 报: the start of the second row, not the first's end
  deepStrictEqual([terminal.row, terminal.col], [1, 0]);
  editor.feed("\x1b[D");
  deepStrictEqual([terminal.row, terminal.col], [0, 8]);
});

Deno.test("LineEditor at the exact end of a row goes on to the next row", () => {
  const { terminal, editor } = editorOn(10);
  editor.setPrompt("> ");
  editor.prompt();
  editor.feed("12345678");
  deepStrictEqual([terminal.row, terminal.col], [1, 0]);
  editor.feed("9");
  deepStrictEqual(terminal.screen, ["> 12345678", "9"]);
  editor.feed("\x7f");
  deepStrictEqual([terminal.row, terminal.col], [1, 0]);
  editor.feed("\r");
  deepStrictEqual([terminal.row, terminal.col], [2, 0]);
});

Deno.test("LineEditor: Ctrl-D on an empty line ends the input; Ctrl-C calls back", async () => {
  let interrupted = 0;
  const editor = new LineEditor({
    write: () => {},
    columns: () => 0,
    onInterrupt: () => interrupted++,
  });
  const lines = editor[Symbol.asyncIterator]();
  let closed = false;
  editor.onClose(() => closed = true);
  editor.feed("x\x04\x03last\r\x04");
  equal(interrupted, 1);
  ok(closed && editor.closed);
  deepStrictEqual(await lines.next(), { value: "xlast", done: false });
  deepStrictEqual(await lines.next(), { value: undefined, done: true });
  // Without a callback, Ctrl-C ends the input as Ctrl-D does.
  const plain = new LineEditor({ write: () => {}, columns: () => 0 });
  plain.feed("\x03");
  ok(plain.closed);
});

Deno.test("LineEditor hides its prompt, or leaves it with what was typed", () => {
  const { terminal, editor } = editorOn(20);
  editor.setPrompt("Choose: ");
  editor.prompt();
  editor.feed("3");
  editor.leaveLine();
  editor.print("Bye");
  deepStrictEqual(terminal.screen, ["Choose: 3", "Bye"]);
  editor.setPrompt("> ");
  editor.prompt();
  deepStrictEqual(terminal.screen, ["Choose: 3", "Bye", ">"]);
  editor.hide();
  deepStrictEqual(terminal.screen, ["Choose: 3", "Bye"]);
  deepStrictEqual([terminal.row, terminal.col], [2, 0]);
});
