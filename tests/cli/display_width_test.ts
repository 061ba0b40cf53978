/**
 * Display width: how many terminal columns text takes, and the chat client's file list lined up
 * by it.
 */

import { deepStrictEqual, equal } from "node:assert/strict";
import {
  displayWidth,
  graphemeWidth,
  padEndToWidth,
  padStartToWidth,
} from "../../lib/cli/display_width.ts";
import { formatFiles } from "../../lib/chat/format.ts";

Deno.test("displayWidth() counts ASCII one column per character", () => {
  equal(displayWidth(""), 0);
  equal(displayWidth("a.txt"), 5);
  equal(displayWidth("hello, world!"), 13);
});

Deno.test("displayWidth() counts East Asian wide and fullwidth characters two columns", () => {
  equal(displayWidth("报告.pdf"), 8); // Chinese
  equal(displayWidth("レポート"), 8); // Japanese katakana
  equal(displayWidth("보고서"), 6); // Korean syllables
  equal(displayWidth("ＡＢＣ"), 6); // fullwidth Latin
  equal(displayWidth("\u3000"), 2); // ideographic space
  equal(displayWidth("𠀀"), 2); // CJK extension B, outside the 16-bit range
  equal(displayWidth("ｱｲｳ"), 3); // halfwidth katakana stay one column
});

Deno.test("displayWidth() counts combining marks and zero-width characters nothing", () => {
  equal(displayWidth("cafe\u0301"), 4); // e and a combining acute accent: one column
  equal(displayWidth("e\u0301\u0327"), 1); // two accents on one letter
  equal(displayWidth("\u0301"), 0); // an accent with nothing to sit on
  equal(displayWidth("a\u200bb"), 2); // zero width space
  equal(displayWidth("\u200e\u202e"), 0); // direction marks
  equal(displayWidth("한"), 2);
  equal(displayWidth("\u1112\u1161\u11ab"), 2); // the same syllable from its three jamo
});

Deno.test("displayWidth() counts emoji shown as pictures two columns", () => {
  equal(displayWidth("😀"), 2);
  equal(displayWidth("👍🏽"), 2); // with a skin tone
  equal(displayWidth("👨‍👩‍👧"), 2); // a family joined by zero width joiners
  equal(displayWidth("🇨🇳"), 2); // a flag: two regional indicators
  equal(displayWidth("❤"), 1); // text style by default
  equal(displayWidth("❤\ufe0f"), 2); // ... and as a picture
  equal(displayWidth("1\ufe0f\u20e3"), 2); // keycap one
});

Deno.test("graphemeWidth() gives 0, 1 or 2 for one grapheme", () => {
  deepStrictEqual(["a", "报", "\u0301", "\t", "😀", "é"].map(graphemeWidth), [1, 2, 0, 0, 2, 1]);
});

Deno.test("padEndToWidth() and padStartToWidth() pad to columns, not characters", () => {
  equal(padEndToWidth("报告", 6), "报告  ");
  equal(padEndToWidth("a", 6), "a     ");
  equal(padEndToWidth("报告报告", 6), "报告报告"); // already wider: unchanged
  equal(padStartToWidth("报告", 6), "  报告");
});

Deno.test("formatFiles() lines up the size column after Chinese names", () => {
  const lines = formatFiles([
    { name: "报告.pdf", size: 2048, uploader: "alice", time: "2026-01-01 10:00:00" },
    { name: "a.txt", size: 6, uploader: "bob", time: "2026-01-01 09:00:00" },
    { name: "会议记录.docx", size: 10, uploader: null, time: "2026-01-01 08:00:00" },
  ]);
  deepStrictEqual(lines, [
    "Files on the server (3):",
    "  报告.pdf       2.0 KiB  by alice            2026-01-01 10:00:00",
    "  a.txt          6 B      by bob              2026-01-01 09:00:00",
    "  会议记录.docx  10 B     (uploader unknown)  2026-01-01 08:00:00",
  ]);
  // Every size starts in the same terminal column.
  const sizeColumn = lines.slice(1).map((l) =>
    displayWidth(l.slice(0, l.search(/\d+(\.\d)? K?i?B/)))
  );
  deepStrictEqual(new Set(sizeColumn).size, 1, String(sizeColumn));
});
