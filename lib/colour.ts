/**
 * Colour for terminal output that switches itself off where it would only be noise.
 *
 * @module
 */

import { styleText } from "node:util";

/** A style name understood by `node:util` `styleText`, such as `"green"` or `"dim"`. */
export type Style = Parameters<typeof styleText>[0];

/** Paints text in a style, or returns it unchanged when colour is off. */
export type Painter = (style: Style, text: string) => string;

/**
 * Decide whether to colour a stream: only a terminal, and only when `NO_COLOR` is not set.
 *
 * @remarks
 * `Deno.noColor` already reads `NO_COLOR`, so no `--allow-env` is needed (styleText's own
 * stream check would ask for it).
 *
 * @param stream The stream the text goes to.
 * @returns Whether to colour.
 */
export function colourWanted(stream: { isTerminal(): boolean } = Deno.stdout): boolean {
  return !Deno.noColor && stream.isTerminal();
}

/**
 * Make a painter.
 *
 * @param enabled Whether to colour at all, usually {@linkcode colourWanted}'s answer.
 * @returns A function that styles text, or leaves it plain when disabled.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(makePainter(false)("red", "error"), "error");
 * deepStrictEqual(makePainter(true)("red", "error"), "\x1b[31merror\x1b[39m");
 * ```
 */
export function makePainter(enabled: boolean): Painter {
  return enabled ? (style, text) => styleText(style, text, { validateStream: false }) : (
    _style,
    text,
  ) => text;
}
