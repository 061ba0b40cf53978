/**
 * The LP protocol's pure parts: ids, payload checks, names and the client table.
 */

import { deepStrictEqual, equal, throws } from "node:assert/strict";
import { Kind, makeFrame, Status } from "../../lib/wire/frame.ts";
import {
  errorText,
  formatClientTable,
  MAX_TEXT_LENGTH,
  nextId,
  parseListReply,
  parseMessageIndication,
  parseMessageRequest,
  parseNotice,
  parseTimeReply,
  refusal,
  reply,
  statusName,
} from "../../lib/lp/protocol.ts";

Deno.test("nextId() counts up, wraps from 65535 to 1 and skips pending ids", () => {
  equal(nextId(0, () => false), 1);
  equal(nextId(41, () => false), 42);
  equal(nextId(0xffff, () => false), 1);
  const pending = new Set([0xffff, 1, 2]);
  equal(nextId(0xfffe, (id) => pending.has(id)), 3);
});

Deno.test("nextId() throws a RangeError when every id is pending", () => {
  throws(() => nextId(7, () => true), RangeError);
});

Deno.test("nextId() never hands out a pending id over a long run", () => {
  const pending = new Set<number>();
  let last = 0;
  for (let i = 0; i < 200_000; i++) {
    last = nextId(last, (id) => pending.has(id));
    equal(pending.has(last), false);
    pending.add(last);
    // Keep some old requests pending, as a slow response would.
    if (i % 3 !== 0) pending.delete(last);
    if (pending.size > 30_000) pending.clear();
  }
});

Deno.test("parseMessageRequest() rejects a wrong type with TypeError and bad text with RangeError", () => {
  deepStrictEqual(parseMessageRequest({ to: 3, text: "hi" }), { to: 3, text: "hi" });
  throws(() => parseMessageRequest(null), TypeError);
  throws(() => parseMessageRequest([]), TypeError);
  throws(() => parseMessageRequest({ text: "hi" }), TypeError);
  throws(() => parseMessageRequest({ to: 0, text: "hi" }), TypeError);
  throws(() => parseMessageRequest({ to: 1.5, text: "hi" }), TypeError);
  throws(() => parseMessageRequest({ to: 1, text: 5 }), TypeError);
  throws(() => parseMessageRequest({ to: 1, text: "" }), RangeError);
  throws(() => parseMessageRequest({ to: 1, text: "x".repeat(MAX_TEXT_LENGTH + 1) }), RangeError);
});

Deno.test("the indication and reply parsers accept what the server sends and nothing else", () => {
  const m = { from: 1, address: "127.0.0.1", port: 5000, text: "yo" };
  deepStrictEqual(parseMessageIndication(m), m);
  throws(() => parseMessageIndication({ ...m, port: 70000 }), TypeError);
  deepStrictEqual(parseNotice({ text: "hello", clientId: 4, heartbeat: 0.5 }), {
    text: "hello",
    clientId: 4,
    heartbeat: 0.5,
  });
  throws(() => parseNotice({ text: "x", heartbeat: -1 }), TypeError);
  throws(() => parseTimeReply({ time: "yesterday" }), TypeError);
  const t = "2026-01-01T00:00:00.000Z";
  const client = { id: 2, address: "10.0.0.2", port: 40000, connectedAt: t, lastSeen: t };
  deepStrictEqual(parseListReply({ you: 2, clients: [client] }), { you: 2, clients: [client] });
  throws(() => parseListReply({ you: 2, clients: {} }), TypeError);
});

Deno.test("reply() and refusal() echo the request's type and id", () => {
  const request = makeFrame(Kind.Request, "M", { id: 77 });
  const ok = reply(request, { to: 2 });
  deepStrictEqual([ok.kind, ok.type, ok.id, ok.status], [Kind.Response, "M", 77, Status.Ok]);
  const no = refusal(request, Status.NotFound, "No client with id 2");
  deepStrictEqual([no.kind, no.type, no.id, no.status], [Kind.Response, "M", 77, Status.NotFound]);
  equal(errorText(no), "No client with id 2");
  equal(errorText(makeFrame(Kind.Response, "M", { status: Status.Gone })), "Gone");
});

Deno.test("statusName() names every status in lib/wire/frame.ts", () => {
  for (const [name, value] of Object.entries(Status)) equal(statusName(value), name);
});

Deno.test("formatClientTable() aligns ids, addresses and ports and marks the reader", () => {
  const t = "2026-01-01T00:00:00.000Z";
  const lines = formatClientTable([
    { id: 1, address: "127.0.0.1", port: 50886, connectedAt: t, lastSeen: t },
    { id: 12, address: "192.168.100.200", port: 80, connectedAt: t, lastSeen: t },
  ], 12);
  deepStrictEqual(lines, [
    "  id  address           port  connected since",
    "   1  127.0.0.1        50886  2026-01-01T00:00:00.000Z",
    "  12  192.168.100.200     80  2026-01-01T00:00:00.000Z  (you)",
  ]);
});
