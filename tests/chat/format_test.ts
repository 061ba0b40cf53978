/**
 * How the chat client words its own error lines (lib/chat/format.ts); the room's lines and the
 * file list are checked in chat_unit_test.ts.
 */

import { equal } from "node:assert/strict";
import { Status } from "../../lib/wire/frame.ts";
import { RequestError } from "../../lib/net/request_session.ts";
import { errorLine, failureLine, lowerFirst, notSentLine } from "../../lib/chat/format.ts";

Deno.test("errorLine() starts with error: and lowercases a sentence, not an acronym", () => {
  equal(errorLine("The name is taken"), "error: the name is taken");
  equal(errorLine("SHA-256 does not match"), "error: SHA-256 does not match");
  equal(lowerFirst("A"), "A");
});

Deno.test("failureLine() uses the server's words for a refusal and a short line otherwise", () => {
  const refused = new RequestError(Status.NotFound, 'No file "a.txt"');
  equal(
    failureLine(refused, 'cannot download "a.txt": '),
    'error: cannot download "a.txt": No file "a.txt"',
  );
  const missing = new Deno.errors.NotFound("No such file or directory (os error 2): stat '/x'");
  equal(failureLine(missing, 'cannot upload "/x": '), 'error: cannot upload "/x": not found');
});

Deno.test("notSentLine() tells a refusal from a line stopped before sending", () => {
  equal(notSentLine(new RequestError(Status.BadPayload, "Text is empty")), "error: text is empty");
  equal(
    notSentLine(new RangeError("The message is 9000 bytes; the limit is 8192")),
    "error: not sent: the message is 9000 bytes; the limit is 8192",
  );
});
