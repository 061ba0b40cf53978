/** Search text to FTS5 query (lib/store/search_terms.ts): literal words only, never syntax. */

import { deepStrictEqual, equal } from "node:assert/strict";
import { MAX_SEARCH_WORDS, searchTerms } from "../../lib/store/search_terms.ts";

Deno.test("searchTerms() quotes each word and doubles its double quotes", () => {
  deepStrictEqual(searchTerms('he said "hello" NEAR(x) OR *', "unicode61"), {
    match: '"he" "said" """hello""" "NEAR(x)" "OR" "*"',
    words: ["he", "said", '"hello"', "NEAR(x)", "OR", "*"],
  });
  equal(
    searchTerms("'; DROP TABLE users; --", "unicode61").match,
    `"';" "DROP" "TABLE" "users;" "--"`,
  );
});

Deno.test("searchTerms() leaves a search with a word under three characters to a scan", () => {
  deepStrictEqual(searchTerms("计算机 网络", "trigram"), {
    match: null,
    words: ["计算机", "网络"],
  });
  deepStrictEqual(searchTerms("*", "trigram"), { match: null, words: ["*"] });
  equal(searchTerms("计算机 实验室", "trigram").match, '"计算机" "实验室"');
});

Deno.test("searchTerms() splits on NUL and controls, drops repeats, caps the count", () => {
  deepStrictEqual(searchTerms("abc\0def\tabc\u0007ghi", "trigram"), {
    match: '"abc" "def" "ghi"',
    words: ["abc", "def", "ghi"],
  });
  deepStrictEqual(searchTerms(" \0 ", "trigram"), { match: null, words: [] });
  const many = Array.from({ length: 40 }, (_, i) => `word${i}`).join(" ");
  equal(searchTerms(many, "trigram").words.length, MAX_SEARCH_WORDS);
});
