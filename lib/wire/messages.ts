/**
 * The four kinds of message both framed protocols build, with one name each: a `request`, its
 * `reply` (success) or `refusal` (a status and `{ error, code?, params? }`), and an `indication`
 * nobody asked for. The chat and the LP protocols add their own payloads on top.
 *
 * The wire speaks no language: a refusal's `code` and `params` say exactly what went wrong, and
 * each client words it in its user's language. The English `error` stays for clients written by
 * other people, who need not know the codes.
 *
 * @module
 */

import { type Frame, Kind, makeFrame } from "./frame.ts";

/**
 * Build a request.
 *
 * @param type The type letter.
 * @param id The request id, echoed by the response.
 * @param payload JSON payload, if any.
 * @returns The frame.
 */
export function request(type: string, id: number, payload?: unknown): Frame {
  return makeFrame(Kind.Request, type, { id, payload });
}

/**
 * Build the successful response to a request.
 *
 * @param req The request being answered.
 * @param payload JSON payload, if any.
 * @returns The frame.
 */
export function reply(req: Frame, payload?: unknown): Frame {
  return makeFrame(Kind.Response, req.type, { id: req.id, payload });
}

/** Exactly what went wrong, for a client to word: a code, and the values its sentence needs. */
export interface Reason {
  /** Such as `name-taken`; each protocol's table in docs/PROTOCOL.md lists its codes. */
  code: string;
  /** The values the sentence needs, such as `{ name: "alice" }`. */
  params?: Record<string, string | number>;
}

/**
 * Build a refusal.
 *
 * @param req The request being refused.
 * @param status Why, as a status code.
 * @param error Why, in English words.
 * @param reason Why, as a code and values, for clients that word it themselves.
 * @returns The frame, with payload `{ error }`, plus `code` and `params` when given.
 */
export function refusal(req: Frame, status: number, error: string, reason?: Reason): Frame {
  const payload = reason ? { error, ...reason } : { error };
  return makeFrame(Kind.Response, req.type, { id: req.id, status, payload });
}

/**
 * Build an indication.
 *
 * @param type The type letter.
 * @param payload JSON payload, or raw bytes for a data chunk.
 * @param fields A transfer id, and a status for a notice.
 * @returns The frame.
 */
export function indication(
  type: string,
  payload?: unknown,
  fields: { id?: number; status?: number } = {},
): Frame {
  return makeFrame(Kind.Indication, type, { ...fields, payload });
}
