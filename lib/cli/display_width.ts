/**
 * How many terminal columns a string takes, for lining up tables and tracking the cursor.
 *
 * `"报告.pdf".length` is 6, but a terminal shows it in 8 columns: each of the two Chinese
 * characters is as wide as two Latin letters. Padding with `padEnd` therefore misaligns every
 * column after a Chinese, Japanese or Korean name. Deno has no public API for this (Node's
 * `getStringWidth` is internal), so this module counts it:
 *
 * - the string is split into graphemes, what a reader sees as one character, with
 *   `Intl.Segmenter`: `"é"` written as `e` plus a combining accent is one grapheme;
 * - a grapheme takes the width of its first code point: 2 for East Asian Wide and Fullwidth
 *   characters (Unicode Standard Annex #11) and for emoji shown as pictures, 0 for combining
 *   marks, format characters (such as U+200B ZERO WIDTH SPACE) and control characters, and 1
 *   for everything else;
 * - the code points after the first (accents, joiners, variation selectors) add nothing, except
 *   that U+FE0F asks for the emoji picture, which is 2 columns wide.
 *
 * @remarks
 * Terminals do not all agree. Characters of East Asian Width "Ambiguous" (such as `±` or `Ω`)
 * count 1 here, as in a terminal not set up for a CJK locale; a few emoji sequences may take a
 * different width in an old terminal. The table of wide characters below comes from
 * EastAsianWidth.txt; emoji are matched with `\p{Emoji_Presentation}`, which follows the Unicode
 * version of the runtime.
 *
 * @module
 */

/**
 * East Asian Wide (W) and Fullwidth (F) ranges, first and last code point, less the emoji that
 * `\p{Emoji_Presentation}` already matches. Generated from the Unicode 14 EastAsianWidth data
 * (Python's `unicodedata.east_asian_width`, assigned code points only), with whole CJK
 * ideograph blocks and planes 2 and 3, whose unassigned code points default to W.
 */
const WIDE: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f], // Hangul Jamo initial consonants
  [0x2329, 0x232a], // angle brackets
  [0x2e80, 0x2e99],
  [0x2e9b, 0x2ef3], // CJK radicals supplement
  [0x2f00, 0x2fd5], // Kangxi radicals
  [0x2ff0, 0x2ffb], // ideographic description characters
  [0x3000, 0x303e], // CJK symbols and punctuation, the ideographic space included
  [0x3041, 0x3096], // Hiragana
  [0x3099, 0x30ff], // Hiragana and Katakana
  [0x3105, 0x312f], // Bopomofo
  [0x3131, 0x318e], // Hangul compatibility Jamo
  [0x3190, 0x31e3], // Kanbun, Bopomofo extended, CJK strokes
  [0x31f0, 0x321e],
  [0x3220, 0x3247], // enclosed CJK letters
  [0x3250, 0x4dbf], // ... CJK unified ideographs extension A
  [0x4e00, 0xa48c], // CJK unified ideographs, Yi syllables
  [0xa490, 0xa4c6], // Yi radicals
  [0xa960, 0xa97c], // Hangul Jamo extended A
  [0xac00, 0xd7a3], // Hangul syllables
  [0xf900, 0xfaff], // CJK compatibility ideographs
  [0xfe10, 0xfe19], // vertical forms
  [0xfe30, 0xfe52],
  [0xfe54, 0xfe66],
  [0xfe68, 0xfe6b], // CJK compatibility forms, small form variants
  [0xff01, 0xff60], // fullwidth ASCII
  [0xffe0, 0xffe6], // fullwidth signs
  [0x16fe0, 0x16fe4],
  [0x16ff0, 0x16ff1],
  [0x17000, 0x187f7], // Tangut
  [0x18800, 0x18cd5],
  [0x18d00, 0x18d08],
  [0x1aff0, 0x1aff3],
  [0x1aff5, 0x1affb],
  [0x1affd, 0x1affe], // Kana extended B
  [0x1b000, 0x1b122], // Kana supplement
  [0x1b150, 0x1b152],
  [0x1b164, 0x1b167],
  [0x1b170, 0x1b2fb], // Nushu
  [0x1f200, 0x1f200],
  [0x1f202, 0x1f202],
  [0x1f210, 0x1f219],
  [0x1f21b, 0x1f22e],
  [0x1f230, 0x1f231],
  [0x1f237, 0x1f237],
  [0x1f23b, 0x1f23b],
  [0x1f240, 0x1f248],
  [0x1f260, 0x1f265], // enclosed ideographic supplement
  [0x20000, 0x2fffd], // plane 2: CJK extensions B to F
  [0x30000, 0x3fffd], // plane 3: CJK extensions G and H
];

/** Emoji shown as a picture by default: two columns. */
const EMOJI_PRESENTATION = /^\p{Emoji_Presentation}/u;
/** Characters that may be shown as emoji; with U+FE0F after them, they are. */
const EMOJI = /^\p{Emoji}/u;
/** Combining marks, format characters, controls, and lone surrogates: no column of their own. */
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}\p{Cc}\p{Cs}]/u;
/** Printable ASCII, one column each: the common case, counted without segmenting. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const VS16 = "\ufe0f";

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

function isWide(codePoint: number): boolean {
  if (codePoint < WIDE[0][0]) return false;
  // Binary search: the table is sorted and its ranges do not overlap.
  let lo = 0;
  let hi = WIDE.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [first, last] = WIDE[mid];
    if (codePoint < first) hi = mid - 1;
    else if (codePoint > last) lo = mid + 1;
    else return true;
  }
  return false;
}

/**
 * The columns one grapheme takes: 0, 1 or 2.
 *
 * @param grapheme One grapheme cluster, as `Intl.Segmenter` returns it.
 * @returns Its width in terminal columns.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * equal(graphemeWidth("a"), 1);
 * equal(graphemeWidth("报"), 2);
 * equal(graphemeWidth("e\u0301"), 1); // e with a combining acute accent
 * equal(graphemeWidth("\u200b"), 0); // zero width space
 * ```
 */
export function graphemeWidth(grapheme: string): number {
  const first = grapheme.codePointAt(0);
  if (first === undefined) return 0;
  if (grapheme.length === 1 && first >= 0x20 && first < 0x7f) return 1;
  if (ZERO_WIDTH.test(grapheme)) return 0;
  if (isWide(first) || EMOJI_PRESENTATION.test(grapheme)) return 2;
  if (grapheme.includes(VS16) && EMOJI.test(grapheme)) return 2;
  return 1;
}

/**
 * The graphemes of a string, each with its width in columns.
 *
 * @param text Any text.
 * @returns The graphemes in order, as `[grapheme, width]` pairs.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual([...graphemes("a报")], [["a", 1], ["报", 2]]);
 * ```
 */
export function* graphemes(text: string): Generator<[string, number]> {
  if (PRINTABLE_ASCII.test(text)) {
    for (const ch of text) yield [ch, 1];
    return;
  }
  for (const { segment } of segmenter.segment(text)) yield [segment, graphemeWidth(segment)];
}

/**
 * The columns a string takes on a terminal.
 *
 * @param text One line of text; control characters (a tab, a newline) count 0, so replace them
 *   first if they matter.
 * @returns The width in columns: wide East Asian characters and emoji count 2, combining marks
 *   and zero-width characters 0, everything else 1.
 *
 * @example Chinese characters are two columns wide
 * ```ts
 * import { equal } from "node:assert/strict";
 * equal(displayWidth("报告.pdf"), 8);
 * equal(displayWidth("a.txt"), 5);
 * equal(displayWidth("cafe\u0301"), 4); // café, with a combining accent
 * ```
 */
export function displayWidth(text: string): number {
  if (PRINTABLE_ASCII.test(text)) return text.length;
  let width = 0;
  for (const { segment } of segmenter.segment(text)) width += graphemeWidth(segment);
  return width;
}

/**
 * Pad a string with spaces on the right until it takes `width` columns, as `padEnd` does for
 * ASCII.
 *
 * @param text The text.
 * @param width The columns it should take.
 * @returns The text, padded; unchanged when it is already as wide or wider.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * equal(padEndToWidth("报告", 6) + "|", "报告  |");
 * ```
 */
export function padEndToWidth(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - displayWidth(text)));
}

/**
 * Pad a string with spaces on the left until it takes `width` columns, as `padStart` does for
 * ASCII.
 *
 * @param text The text.
 * @param width The columns it should take.
 * @returns The text, padded; unchanged when it is already as wide or wider.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * equal(padStartToWidth("报告", 6), "  报告");
 * ```
 */
export function padStartToWidth(text: string, width: number): string {
  return " ".repeat(Math.max(0, width - displayWidth(text))) + text;
}
