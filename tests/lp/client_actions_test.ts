/**
 * What the LP client asks and shows (lib/lp/client_actions.ts), and the menu's I/O on a pipe
 * (lib/lp/menu.ts), without a server.
 */

import { deepStrictEqual, equal, throws } from "node:assert/strict";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { Kind, makeFrame } from "../../lib/wire/frame.ts";
import { describeEvent, MAX_PENDING, parseRepeat } from "../../lib/lp/client_actions.ts";
import { readlineIO } from "../../lib/lp/menu.ts";

Deno.test("parseRepeat() takes 1 to 65535 and words anything else in one line", () => {
  equal(parseRepeat("1"), 1);
  equal(parseRepeat(String(MAX_PENDING)), MAX_PENDING);
  for (const bad of ["0", "65536", "-1", "1.5", "ten", ""]) {
    throws(
      () => parseRepeat(bad),
      new RangeError(`Invalid --repeat "${bad}": expected 1 to 65535`),
    );
  }
});

Deno.test("describeEvent() gives a line for a message, a notice and anything else", () => {
  equal(
    describeEvent({
      kind: "message",
      message: { from: 2, address: "127.0.0.1", port: 5000, text: "hi" },
    }),
    "Message from client 2 (127.0.0.1:5000): hi",
  );
  equal(
    describeEvent({ kind: "notice", notice: { text: "shutting down" } }),
    "Server: shutting down",
  );
  equal(
    describeEvent({ kind: "other", frame: makeFrame(Kind.Indication, "Z") }),
    'Server sent an indication of unknown type "Z"',
  );
});

Deno.test("readlineIO() echoes each answer after its prompt, so a piped session reads as typed", async () => {
  const printed: string[] = [];
  const rl = createInterface({ input: Readable.from(["3\n", "hello\n"]), terminal: false });
  const io = readlineIO(rl, (line) => printed.push(line));
  equal(await io.ask("Choose 1-7: "), "3");
  io.print("Not connected");
  equal(await io.ask("Message: "), "hello");
  equal(await io.ask("Choose 1-7: "), null);
  deepStrictEqual(printed, ["Choose 1-7: 3", "Not connected", "Message: hello"]);
  rl.close();
});
