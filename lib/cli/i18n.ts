/**
 * English and Simplified Chinese, with no framework: each area of the code keeps one table of
 * its sentences in both languages, and the compiler checks that the two tables have the same keys
 * and the same `{placeholders}` in every sentence. Sentences are made at the last moment, in the
 * language of the program that prints them; what goes over the wire stays language-neutral.
 *
 * The language is chosen once, from `--lang en|zh`, else from `LC_ALL`, `LC_MESSAGES` or `LANG`
 * (POSIX order; read directly, since `navigator.language` here says `en-US-u-va-posix` whatever
 * the locale), else English.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * const text = defineText({
 *   en: { hello: "Hello, {name}!", files: "{n} file(s)" },
 *   zh: { hello: "你好，{name}！", files: "{n} 个文件" },
 * });
 * setLang("zh");
 * equal(text("hello", { name: "小明" }), "你好，小明！");
 * setLang("en");
 * equal(text("hello", { name: "Ming" }), "Hello, Ming!");
 * ```
 *
 * @module
 */

/** The languages every program speaks. */
export const LANGS = ["en", "zh"] as const;

/** One of {@linkcode LANGS}. */
export type Lang = typeof LANGS[number];

/** The BCP 47 tag `Intl` gets for each language. */
export const LOCALE: Record<Lang, string> = { en: "en", zh: "zh-CN" };

let current: Lang = "en";

/** @returns The language chosen for this program (English until one is set). */
export function lang(): Lang {
  return current;
}

/** @param next The language every table speaks from now on. */
export function setLang(next: Lang): void {
  current = next;
}

/**
 * Whether a string names one of our languages.
 *
 * @param value Such as `zh`.
 * @returns Whether it is `en` or `zh`.
 */
export function isLang(value: unknown): value is Lang {
  return (LANGS as readonly unknown[]).includes(value);
}

/**
 * The language a POSIX locale name asks for: `zh_CN.UTF-8`, `zh_TW`, `zh` are Chinese; anything
 * else (`C`, `POSIX`, `en_US.UTF-8`, `fr_FR`) is English, the language every program falls back to.
 *
 * @param locale A value of `LANG` or `LC_*`.
 * @returns The language.
 */
export function langOfLocale(locale: string): Lang {
  return /^zh(?:[_.@-]|$)/i.test(locale) ? "zh" : "en";
}

/** The variables that name the locale for messages, strongest first (POSIX). */
export const LOCALE_VARIABLES = ["LC_ALL", "LC_MESSAGES", "LANG"] as const;

/**
 * The language asked for: `--lang` in the arguments, else the first of `LC_ALL`, `LC_MESSAGES`
 * and `LANG` that is set and not empty, else English. A `--lang` value other than `en` or `zh` is
 * left for the flag parser to refuse; here it counts as not given.
 *
 * @param args The program's arguments, usually `Deno.args`.
 * @param env Reads a variable; by default the process environment, where a variable the program
 *   has no permission to read counts as unset (never a prompt).
 * @returns The language.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * const env = (vars: Record<string, string>) => (name: string) => vars[name];
 * equal(chooseLang(["--lang", "zh"], env({ LANG: "C" })), "zh");
 * equal(chooseLang(["--lang=en"], env({ LANG: "zh_CN.UTF-8" })), "en");
 * equal(chooseLang([], env({ LANG: "zh_CN.UTF-8", LC_ALL: "C" })), "en");
 * equal(chooseLang([], env({ LANG: "zh_CN.UTF-8", LC_ALL: "" })), "zh");
 * equal(chooseLang([], env({})), "en");
 * ```
 */
export function chooseLang(
  args: readonly string[],
  env: (name: string) => string | undefined = readEnv,
): Lang {
  const given = langFlag(args);
  if (isLang(given)) return given;
  for (const name of LOCALE_VARIABLES) {
    const value = env(name);
    if (value) return langOfLocale(value);
  }
  return "en";
}

/** The value of `--lang` among the arguments, if any (before a `--` that ends the flags). */
function langFlag(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") break;
    if (arg === "--lang") return args[i + 1];
    if (arg.startsWith("--lang=")) return arg.slice("--lang=".length);
  }
  return undefined;
}

/** A variable's value, or undefined when unset or not permitted (asked without a prompt). */
function readEnv(name: string): string | undefined {
  if (typeof Deno === "undefined") return undefined;
  const { state } = Deno.permissions.querySync({ name: "env", variable: name });
  return state === "granted" ? Deno.env.get(name) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Tables

/** The names between braces in a sentence: `"{n} of {total}"` → `"n" | "total"`. */
export type Holes<S extends string> = S extends `${string}{${infer P}}${infer R}`
  ? (P extends `${infer N}|${string}` ? N : P) | Holes<R>
  : never;

/** What a sentence needs: nothing, or one value per placeholder. */
export type Params<S extends string> = [Holes<S>] extends [never] ? []
  : [params: { [P in Holes<S>]: string | number }];

/**
 * Each Chinese sentence, where its placeholders differ from the English one: an error type. A
 * sentence that is not one literal (`"a" + "b"` is typed `string`) cannot be checked, so it is
 * an error too.
 */
type SameHoles<E extends Record<string, string>, Z extends Record<keyof E, string>> = {
  [K in keyof E]: string extends E[K] ? "write the English sentence as one string literal"
    : string extends Z[K] ? "write each sentence as one string literal"
    : [Holes<E[K]>] extends [Holes<Z[K]>] ? [Holes<Z[K]>] extends [Holes<E[K]>] ? Z[K]
      : `placeholders differ from the English: ${Holes<E[K]> & string}`
    : `placeholders differ from the English: ${Holes<E[K]> & string}`;
};

/** A table's sentences, made in the current language. */
export interface Text<E extends Record<string, string>> {
  /**
   * @param key Which sentence.
   * @param params A value for each placeholder.
   * @returns The sentence in the current language.
   */
  <K extends keyof E & string>(key: K, ...params: Params<E[K]>): string;
  /** Both languages' tables, for tests and for programs that word things for someone else. */
  readonly tables: Readonly<Record<Lang, Readonly<Record<keyof E, string>>>>;
  /**
   * The same sentence in a given language, such as the English kept in a wire payload.
   * @param lang The language.
   * @param key Which sentence.
   * @param params A value for each placeholder.
   */
  in<K extends keyof E & string>(lang: Lang, key: K, ...params: Params<E[K]>): string;
  /**
   * Whether a key is in the table, for keys that come from elsewhere (a code on the wire).
   * @param key The key.
   */
  has(key: string): key is keyof E & string;
  /**
   * A pattern that finds the sentence in either language, each placeholder a named group: how
   * a program reads the lines of another it started, whatever language they both speak.
   * @param key Which sentence.
   */
  pattern(key: keyof E & string): RegExp;
}

/**
 * One area's sentences in English and Chinese. The type checker refuses a table where the Chinese
 * lacks a key the English has, or where a sentence's placeholders differ between the two.
 *
 * A placeholder is `{name}`; numbers go in as digits. A
 * plural is `{n|file|files}` in English (one form for 1, the other for anything else, as
 * `Intl.PluralRules` says), which Chinese writes without the bars: `{n} 个文件`. Literal braces
 * are not supported; no sentence needs them.
 *
 * @param tables The English and the Chinese.
 * @returns The function that makes a sentence.
 */
export function defineText<
  const E extends Record<string, string>,
  const Z extends Record<keyof E, string>,
>(tables: { en: E; zh: Z & SameHoles<E, Z> }): Text<E> {
  const both = tables as unknown as Record<Lang, Record<keyof E, string>>;
  const make = (language: Lang, key: keyof E & string, params?: Record<string, string | number>) =>
    fill(language, both[language][key] ?? both.en[key] ?? key, params ?? {});
  const text = (key: keyof E & string, params?: Record<string, string | number>) =>
    make(current, key, params);
  return Object.assign(text, {
    tables: both,
    in: (language: Lang, key: keyof E & string, params?: Record<string, string | number>) =>
      make(language, key, params),
    has: (key: string): key is keyof E & string => Object.hasOwn(both.en, key),
    pattern: (key: keyof E & string) =>
      new RegExp(`(?:${LANGS.map((l) => sentencePattern(both[l][key])).join("|")})`),
  }) as unknown as Text<E>;
}

/**
 * A sentence as a pattern: the words literal, each placeholder a named group (a name used twice
 * must match the same text twice), a plural either of its forms.
 */
function sentencePattern(sentence: string): string {
  let pattern = "";
  let at = 0;
  const seen = new Set<string>();
  for (const match of sentence.matchAll(PLACEHOLDER)) {
    const [whole, name, one, other] = match;
    // The last placeholder of a sentence takes the rest of the line; the others, what fits.
    const last = match.index + whole.length === sentence.length;
    const group = seen.has(name) ? `\\k<${name}>` : `(?<${name}>${last ? ".+" : ".+?"})`;
    seen.add(name);
    const forms = one === undefined ? "" : ` (?:${RegExp.escape(one)}|${RegExp.escape(other!)})`;
    pattern += RegExp.escape(sentence.slice(at, match.index)) + group + forms;
    at = match.index + whole.length;
  }
  return `(?:${pattern}${RegExp.escape(sentence.slice(at))})`;
}

const PLACEHOLDER = /\{([^{}|]+)(?:\|([^{}|]*)\|([^{}|]*))?\}/g;

/** Put the values into a sentence, with numbers and plurals as the language writes them. */
function fill(language: Lang, sentence: string, params: Record<string, string | number>): string {
  return sentence.replace(PLACEHOLDER, (whole, name: string, one?: string, other?: string) => {
    if (!Object.hasOwn(params, name)) return whole;
    const value = params[name];
    if (one !== undefined && typeof value === "number") {
      const form = pluralRules(language).select(value) === "one" ? one : other;
      return `${formatNumber(value)} ${form}`;
    }
    return typeof value === "number" ? formatNumber(value) : value;
  });
}

const rules = new Map<Lang, Intl.PluralRules>();
function pluralRules(language: Lang): Intl.PluralRules {
  let found = rules.get(language);
  if (!found) rules.set(language, found = new Intl.PluralRules(LOCALE[language]));
  return found;
}

/** Plain digits: a port is `15000`, not `15,000`. */
function formatNumber(value: number): string {
  return String(value);
}

/**
 * A list in the current language: "alice, bob and carol", "alice、bob和carol".
 *
 * @param items The items, already worded.
 * @param type `conjunction` ("and") or `disjunction` ("or").
 * @returns The list.
 */
export function formatList(
  items: readonly string[],
  type: "conjunction" | "disjunction" = "conjunction",
): string {
  return new Intl.ListFormat(LOCALE[current], { type }).format(items);
}

/**
 * The names of the two languages, each in itself, for a switch or a `--help` line.
 */
export const LANG_NAMES: Record<Lang, string> = { en: "English", zh: "中文" };
