/**
 * clientFlags() and parseTimeoutMs(): the command line the lab clients share.
 */

import { deepStrictEqual, equal, throws } from "node:assert/strict";
import { parseFlags } from "../../lib/cli/cli.ts";
import { clientFlags, parseTimeoutMs } from "../../lib/sockets/client_flags.ts";

Deno.test("clientFlags() defaults to loopback and the given port", () => {
  const { values } = parseFlags([], clientFlags(15001));
  deepStrictEqual({ ...values }, { host: "127.0.0.1", port: "15001" });
});

Deno.test("parseTimeoutMs() takes whole milliseconds of 1 or more", () => {
  equal(parseTimeoutMs("1"), 1);
  equal(parseTimeoutMs("2000"), 2000);
  throws(() => parseTimeoutMs("0"), /Invalid timeout "0": expected milliseconds, 1 or more/);
  throws(() => parseTimeoutMs("soon"), RangeError);
  throws(() => parseTimeoutMs("1.5"), RangeError);
});
