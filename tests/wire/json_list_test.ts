/**
 * The encoded name list (lib/wire/json_list.ts): what a reader parses, and that bytes once
 * handed out never change, however the list changes later.
 */

import { deepStrictEqual, equal, throws } from "node:assert/strict";
import { Buffer } from "node:buffer";
import { EncodedList, frameWithList } from "../../lib/wire/json_list.ts";
import { FrameDecoder, Kind, makeFrame } from "../../lib/wire/frame.ts";

/** The list a reader would parse from a view. */
function parse(view: Uint8Array): unknown {
  return JSON.parse(new TextDecoder().decode(view) + "]");
}

Deno.test("EncodedList gives views that later additions, growth and rebuilds leave alone", () => {
  const list = new EncodedList();
  const names: string[] = [];
  const empty = list.open(names);
  deepStrictEqual(parse(empty), []);
  const views: [Uint8Array, string[]][] = [[empty, []]];
  // Past the first buffer several times over, with escapes and characters of 1 to 4 bytes.
  for (let i = 0; i < 500; i++) {
    const name = `n${i}-"\\-é-名-😀`;
    names.push(name);
    list.add(name);
    views.push([list.open(names), [...names]]);
  }
  names.splice(10, 1);
  list.stale();
  views.push([list.open(names), [...names]]);
  names.push("last");
  list.add("last");
  views.push([list.open(names), [...names]]);
  for (const [view, expected] of views) deepStrictEqual(parse(view), expected);
});

Deno.test("EncodedList after stale() builds from the values given, once", () => {
  const list = new EncodedList();
  list.open([]);
  list.stale();
  list.add("ignored: the rebuild reads the source"); // as the room does: added, then opened
  deepStrictEqual(parse(list.open(["a", "b"])), ["a", "b"]);
  deepStrictEqual(parse(list.open(["not read again"])), ["a", "b"]);
});

Deno.test("frameWithList() makes one frame whose payload has the list as its last field", () => {
  const list = new EncodedList().open(["alice", "bob"]);
  const withFields = makeFrame(Kind.Response, "J", { id: 7, payload: { name: "bob", n: 2 } });
  const bare = makeFrame(Kind.Response, "J", { id: 8, payload: {} });
  const bytes = Buffer.concat([
    ...frameWithList(withFields, "users", list),
    ...frameWithList(bare, "users", list),
  ]);
  const [one, two, ...rest] = new FrameDecoder().push(bytes);
  equal(rest.length, 0);
  equal(one.id, 7);
  deepStrictEqual(JSON.parse(new TextDecoder().decode(one.payload)), {
    name: "bob",
    n: 2,
    users: ["alice", "bob"],
  });
  equal(two.id, 8);
  deepStrictEqual(JSON.parse(new TextDecoder().decode(two.payload)), { users: ["alice", "bob"] });
});

Deno.test("frameWithList() refuses a payload that is not a JSON object", () => {
  const list = new EncodedList().open(["alice"]);
  for (const payload of [new Uint8Array(0), "[1]", "text", '{"a":1} ']) {
    const frame = makeFrame(Kind.Response, "J", {
      payload: typeof payload === "string" ? new TextEncoder().encode(payload) : payload,
    });
    throws(() => frameWithList(frame, "users", list), TypeError);
  }
});
