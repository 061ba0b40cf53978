/**
 * What the chat server tells a client, language-neutral: a **reason** is a code and its values,
 * such as `{ code: "name-taken", params: { name: "alice", other: "Alice" } }`. The server sends
 * it in refusals, `S` notices, `B` indications and `X` cancels, beside the English sentence it
 * stands for (for clients written by other people); each client makes the sentence in its own
 * user's language, and falls back to the English for a code it does not know.
 *
 * The sentences are the tables' keys with a hyphen: lib/chat/text.ts for the room, and
 * lib/files/text.ts for files; `server-full` is the sentence every server shares (lib/cli/text.ts).
 *
 * An error may carry a reason as its `reason` field: its message is then the sentence in this
 * program's language, and the server puts the reason on the wire.
 *
 * @module
 */

import { type Lang, lang, type Params, type Text } from "../cli/i18n.ts";
import { cliText } from "../cli/text.ts";
import { filesText } from "../files/text.ts";
import type { Reason } from "../wire/messages.ts";
import { chatText } from "./text.ts";

export type { Reason } from "../wire/messages.ts";

type TableOf<T> = T extends Text<infer E> ? E : never;
/** The chat table's sentences, by key. */
export type ChatTable = TableOf<typeof chatText>;
/** The chat table's codes: its keys with a hyphen. */
export type ChatCode = keyof ChatTable & `${string}-${string}`;

/** Values as sentences take them. */
type Values = Record<string, string | number>;

/** A sentence as a template, and how to fill it in. */
interface Template {
  text: string;
  fill(values: Values): string;
}

/**
 * The sentence a code stands for in a language: the chat table's or the files table's, or the
 * one every server shares (`server-full`, cliText's `serverFull`); `null` for a code none knows.
 */
function template(language: Lang, code: string): Template | null {
  if (code === "server-full") {
    return {
      text: cliText.tables[language].serverFull,
      fill: (values) => cliText.in(language, "serverFull", values as { limit: number }),
    };
  }
  const table = [chatText, filesText].find((t) => code.includes("-") && t.has(code));
  if (table === undefined) return null;
  const make = table.in as (language: Lang, key: string, params: Values) => string;
  return {
    text: (table.tables[language] as Record<string, string>)[code],
    fill: (values) => make(language, code, values),
  };
}

/**
 * A reason, checked against the table: the code must be one of the chat table's, with a value
 * for each of its placeholders.
 *
 * @param code Such as `name-taken`.
 * @param params The values its sentence needs.
 * @returns The reason, `params` always present.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(reason("no-such-user", { name: "bob" }), {
 *   code: "no-such-user",
 *   params: { name: "bob" },
 * });
 * ```
 */
export function reason<K extends ChatCode>(code: K, ...params: Params<ChatTable[K]>): Reason {
  return { code, params: (params[0] ?? {}) as Values };
}

/** The server-full reason, whose sentence is `cliText`'s `serverFull`. */
export function serverFull(limit: number): Reason {
  return { code: "server-full", params: { limit } };
}

/**
 * The sentence a reason stands for, in a language; `null` for a code no table knows, or values
 * that do not fill its sentence (a client then shows the English that came with it).
 *
 * Text values are shown with control and invisible characters spelled out (`ali\u200Bce`), so
 * a name cannot forge a line or reverse the rest of it.
 *
 * @param language The language.
 * @param said The code and values.
 * @returns The sentence, or `null`.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * equal(sentence("zh", { code: "no-such-user", params: { name: "bob" } }), "用户“bob”不在线");
 * equal(sentence("en", { code: "no-such-user", params: {} }), null);
 * equal(sentence("en", { code: "from-the-future" }), null);
 * ```
 */
export function sentence(language: Lang, said: Reason): string | null {
  const found = template(language, said.code);
  if (found === null) return null;
  const values: Values = {};
  for (const [name, value] of Object.entries(said.params ?? {})) {
    values[name] = typeof value === "string" ? visible(value) : value;
  }
  for (const [, name] of found.text.matchAll(/\{([^{}|]+)(?:\|[^{}]*)?\}/g)) {
    if (!Object.hasOwn(values, name)) return null;
  }
  return found.fill(values);
}

/**
 * The English sentence of a reason, as the wire carries it beside the code.
 *
 * @param said The code and values.
 * @returns The sentence (the code itself if no table knows it).
 */
export function english(said: Reason): string {
  return sentence("en", said) ?? said.code;
}

/**
 * An error of a given class whose message is the reason's sentence in this program's language,
 * and which carries the reason for the wire.
 *
 * @param Class Such as `TypeError`: the server refuses a `TypeError` as a bad payload, a
 *   `RangeError` as too large.
 * @param code The code.
 * @param params Its values.
 * @returns The error.
 */
export function reasonError<E extends Error, K extends ChatCode>(
  Class: new (message: string) => E,
  code: K,
  ...params: Params<ChatTable[K]>
): E & { reason: Reason } {
  const said = reason(code, ...params);
  return Object.assign(new Class(sentence(lang(), said) ?? code), { reason: said });
}

/**
 * The reason an error carries, if any.
 *
 * @param err Whatever was thrown.
 * @returns Its `reason`, or `null`.
 */
export function reasonOf(err: unknown): Reason | null {
  if (!(err instanceof Error) || !("reason" in err)) return null;
  return readReason(err as unknown as Record<string, unknown>, "reason");
}

/**
 * The reason in a payload from the wire (`code` and `params` beside its sentence), if it is
 * well formed: a code that is a string, and values that are strings or numbers.
 *
 * @param obj The payload, or an object with a `reason` field.
 * @param field Where the reason is: `"reason"` for an error, absent for a payload.
 * @returns The reason, or `null`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(readReason({ error: "x", code: "not-joined", params: {} }), {
 *   code: "not-joined",
 *   params: {},
 * });
 * deepStrictEqual(readReason({ error: "x" }), null);
 * ```
 */
export function readReason(obj: Record<string, unknown>, field?: "reason"): Reason | null {
  const holder = field === undefined ? obj : obj[field];
  if (typeof holder !== "object" || holder === null) return null;
  const { code, params } = holder as { code?: unknown; params?: unknown };
  if (typeof code !== "string") return null;
  if (params === undefined) return { code, params: {} };
  if (typeof params !== "object" || params === null || Array.isArray(params)) return null;
  const values: Values = {};
  for (const [name, value] of Object.entries(params)) {
    if (typeof value !== "string" && typeof value !== "number") return null;
    values[name] = value;
  }
  return { code, params: values };
}

// C0 and C1 controls, and characters that show nothing or change how the rest of a line is
// drawn (format characters such as U+200B and U+202E, other default-ignorables).
const HIDDEN =
  // deno-lint-ignore no-control-regex
  /[\u0000-\u001f\u007f-\u009f\p{Cf}\p{Default_Ignorable_Code_Point}\p{Bidi_Control}]/gu;

/**
 * Text from a peer as it may appear inside a sentence: every control or invisible character
 * spelled out as `\uXXXX`.
 *
 * @param value Any text.
 * @returns It, safe to show on one line.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * equal(visible("ali\u200bce"), "ali\\u200Bce");
 * ```
 */
export function visible(value: string): string {
  return value.replace(
    HIDDEN,
    (c) => `\\u${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`,
  );
}

/**
 * Whether an error is a full disk (ENOSPC), which a member is told as `disk-full`.
 *
 * @param err Whatever a write threw.
 * @returns Whether the disk is full.
 */
export function isDiskFull(err: unknown): boolean {
  return err instanceof Error && /os error 28|ENOSPC|No space left/.test(err.message);
}
