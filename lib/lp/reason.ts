/**
 * What the LP server tells a client, language-neutral: a **reason** is a code and its values,
 * such as `{ code: "no-such-client", params: { id: 9 } }`. The server sends it in refusals and
 * `S` notices beside the English sentence it stands for (for clients written by other people);
 * lp-client makes the sentence in its own user's language, and shows the English that came with
 * it for a code it does not know.
 *
 * The codes are the keys with a hyphen of lib/lp/text.ts.
 *
 * @module
 */

import { type Lang, lang, type Params, type Text } from "../cli/i18n.ts";
import type { Reason } from "../wire/messages.ts";
import { lpText } from "./text.ts";

export type { Reason } from "../wire/messages.ts";

type TableOf<T> = T extends Text<infer E> ? E : never;
/** The LP table's sentences, by key. */
export type LpTable = TableOf<typeof lpText>;
/** The LP codes: the table's keys with a hyphen. */
export type LpCode = keyof LpTable & `${string}-${string}`;

type Values = Record<string, string | number>;

/**
 * A reason, checked by the compiler against the table: a known code, a value for each of its
 * placeholders.
 *
 * @param code Such as `no-such-client`.
 * @param params The values its sentence needs.
 * @returns The reason, `params` always present.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(reason("no-such-client", { id: 9 }), { code: "no-such-client", params: { id: 9 } });
 * ```
 */
export function reason<K extends LpCode>(code: K, ...params: Params<LpTable[K]>): Reason {
  return { code, params: (params[0] ?? {}) as Values };
}

/**
 * The sentence a reason stands for, in a language; `null` for a code the table does not know,
 * or values that do not fill its sentence.
 *
 * @param said The code and values, as they came off the wire.
 * @param language The language (default: the program's).
 * @returns The sentence, or `null`.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * equal(sentence({ code: "no-such-client", params: { id: 9 } }, "zh"), "没有编号为 9 的客户端");
 * equal(sentence({ code: "no-such-client", params: {} }, "en"), null);
 * equal(sentence({ code: "from-the-future" }, "en"), null);
 * ```
 */
export function sentence(said: Reason, language: Lang = lang()): string | null {
  const { code } = said;
  if (!code.includes("-") || !lpText.has(code)) return null;
  const values: Values = {};
  for (const [name, value] of Object.entries(said.params ?? {})) {
    if (typeof value === "string" || typeof value === "number") values[name] = value;
  }
  const template = lpText.tables[language][code];
  for (const [, name] of template.matchAll(/\{([^{}|]+)(?:\|[^{}]*)?\}/g)) {
    if (!Object.hasOwn(values, name)) return null;
  }
  const make = lpText.in as (language: Lang, key: string, params: Values) => string;
  return make(language, code, values);
}

/**
 * The English sentence of a reason, as the wire carries it beside the code.
 *
 * @param said A reason made by {@linkcode reason}.
 * @returns The sentence.
 */
export function english(said: Reason): string {
  return sentence(said, "en") ?? said.code;
}

/**
 * What a payload from the server says, worded in this program's language: its `code` and
 * `params` when the code is known, else the English it carries.
 *
 * @param payload A refusal's or a notice's payload, as parsed.
 * @param english The English sentence that came with it (`error` or `text`).
 * @returns The sentence to show.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * const payload = { text: "shutting down", code: "shutting-down", params: {} };
 * equal(wordPayload(payload, "shutting down"), "shutting down");
 * equal(wordPayload({ code: "new-in-v9" }, "Something new"), "Something new");
 * ```
 */
export function wordPayload(payload: unknown, english: string): string {
  const said = reasonIn(payload);
  return (said && sentence(said)) ?? english;
}

/**
 * The reason a payload carries, if it carries a well-formed one.
 *
 * @param payload A parsed payload.
 * @returns `{ code, params }`, or `undefined`.
 */
export function reasonIn(payload: unknown): Reason | undefined {
  if (typeof payload !== "object" || payload === null) return undefined;
  const { code, params } = payload as { code?: unknown; params?: unknown };
  if (typeof code !== "string") return undefined;
  if (params === undefined) return { code };
  if (typeof params !== "object" || params === null || Array.isArray(params)) return undefined;
  const values: Values = {};
  for (const [name, value] of Object.entries(params)) {
    if (typeof value === "string" || typeof value === "number") values[name] = value;
  }
  return { code, params: values };
}

/** An error that says exactly what went wrong: its message in this program's language. */
export type ReasonedError<E extends Error> = E & { reason: Reason };

/**
 * Make an error whose message is a reason's sentence in this program's language, and which
 * keeps the reason, for a server to put on the wire.
 *
 * @param ErrorType Such as `TypeError`.
 * @param said The reason.
 * @returns The error.
 */
export function failure<E extends Error>(
  ErrorType: new (message: string) => E,
  said: Reason,
): ReasonedError<E> {
  return Object.assign(new ErrorType(sentence(said) ?? said.code), { reason: said });
}

/**
 * The reason an error carries, if {@linkcode failure} made it.
 *
 * @param err Anything thrown.
 * @returns The reason, or `undefined`.
 */
export function reasonOf(err: unknown): Reason | undefined {
  const said = (err as { reason?: unknown } | null)?.reason;
  return reasonIn(said);
}
