/**
 * The list under a mutex on one thread; several threads at once are tested through
 * tcp-server-workers --max-clients.
 */

import { deepStrictEqual, throws } from "node:assert/strict";
import { ENTRY_BYTES, SharedList } from "../../lib/concurrency/shared_list.ts";

Deno.test("SharedList adds into free slots, removes one entry, and shares its buffer", () => {
  const list = new SharedList(3);
  deepStrictEqual(list.add("a:1"), ["a:1"]);
  deepStrictEqual(list.add("b:2"), ["a:1", "b:2"]);
  deepStrictEqual(list.remove("a:1"), ["b:2"]);
  deepStrictEqual(list.add("c:3"), ["c:3", "b:2"]); // the freed first slot is reused
  const other = new SharedList(3, list.buffer);
  deepStrictEqual(other.add("[::1]:4"), ["c:3", "b:2", "[::1]:4"]);
  throws(() => list.add("d:5"), /full/);
  deepStrictEqual(list.remove("nobody"), ["c:3", "b:2", "[::1]:4"]);
  throws(() => list.add("x".repeat(ENTRY_BYTES + 1)), RangeError);
  deepStrictEqual(list.entries(), other.entries());
});
