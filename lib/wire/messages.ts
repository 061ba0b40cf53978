/**
 * The four kinds of message both framed protocols build, with one name each: a `request`, its
 * `reply` (success) or `refusal` (a status and `{ error }`), and an `indication` nobody asked
 * for. The chat and the LP protocols add their own payloads on top.
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

/**
 * Build a refusal.
 *
 * @param req The request being refused.
 * @param status Why, as a status code.
 * @param error Why, in words.
 * @returns The frame, with payload `{ error }`.
 */
export function refusal(req: Frame, status: number, error: string): Frame {
  return makeFrame(Kind.Response, req.type, { id: req.id, status, payload: { error } });
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
