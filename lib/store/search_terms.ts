/**
 * Turn what a user typed after `/search` into a full-text query that can only mean "these
 * words": never FTS5 syntax, never SQL.
 *
 * @module
 */

import type { FtsTokenizer } from "./schema.ts";

/** Most words one search looks for; the rest are ignored, so a query's cost stays bounded. */
export const MAX_SEARCH_WORDS = 16;

/** The shortest word the trigram index can find: it indexes runs of three characters. */
const TRIGRAM = 3;

/** A search, as the index or a scan answers it. */
export interface SearchTerms {
  /**
   * An FTS5 query of quoted strings (all must match), or `null` when some word is too short for
   * the index (or there are no words): then every word is looked for by a scan.
   */
  match: string | null;
  /** The distinct words, as typed (NFC); empty when there is nothing to search for. */
  words: string[];
}

/**
 * Split a search into literal words and quote each as an FTS5 string.
 *
 * @remarks
 * Inside an FTS5 string (`"..."`) every character is literal, and a `"` is written `""`; so
 * `*`, `OR`, `NEAR(`, `:` and `^` are words, not operators. Quoted strings side by side must
 * all match (an implicit AND). Control characters, NUL among them (which ends an FTS5 query
 * early, as C strings do), separate words like spaces.
 *
 * With the trigram tokenizer a quoted word matches wherever those characters appear, inside
 * other words too: `计算机` finds `今天学习计算机网络`. A word of one or two characters has no
 * trigram, so the index cannot answer; `match` is then `null`, and the caller scans.
 *
 * @param text What the user typed.
 * @param tokenizer The index's tokenizer.
 * @returns The query, or `null`, and the words.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(searchTerms('say "hi!"', "trigram"), {
 *   match: '"say" """hi!"""',
 *   words: ["say", '"hi!"'],
 * });
 * deepStrictEqual(searchTerms("网络 实验", "trigram"), { match: null, words: ["网络", "实验"] });
 * deepStrictEqual(searchTerms("  ", "trigram"), { match: null, words: [] });
 * ```
 */
export function searchTerms(text: string, tokenizer: FtsTokenizer): SearchTerms {
  const words = [...new Set(text.normalize("NFC").split(/[\s\p{Cc}]+/u).filter(Boolean))]
    .slice(0, MAX_SEARCH_WORDS);
  const indexable = words.length > 0 &&
    (tokenizer !== "trigram" || words.every((word) => [...word].length >= TRIGRAM));
  const match = indexable ? words.map((word) => `"${word.replaceAll('"', '""')}"`).join(" ") : null;
  return { match, words };
}
