/**
 * How the chat client words its own error lines and sets history apart (lib/chat/format.ts); the
 * room's lines and the file list are checked in chat_unit_test.ts.
 */

import { equal } from "node:assert/strict";
import { Status } from "../../lib/wire/frame.ts";
import { RequestError } from "../../lib/net/request_session.ts";
import { setLang } from "../../lib/cli/i18n.ts";
import {
  errorLine,
  failureLine,
  formatEvent,
  historyLines,
  lowerFirst,
  notSentLine,
  onlineLine,
} from "../../lib/chat/format.ts";

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

Deno.test("historyLines() sets history apart with a line before and after, in both languages", () => {
  const events = [
    { type: "chat" as const, time: "t1", from: "bob", text: "hi", id: 1, history: true },
    { type: "joined" as const, time: "t2", name: "amy", id: 2, history: true },
  ];
  equal(
    historyLines({ kind: "earlier" }, events).join("\n"),
    [
      "— history: 2 earlier messages —",
      "t1 bob: hi",
      "t2 *** amy joined",
      "— end of history —",
    ].join("\n"),
  );
  equal(
    historyLines({ kind: "search", words: "hi" }, events.slice(0, 1))[0],
    '— search "hi": 1 message found —',
  );
  setLang("zh");
  try {
    equal(
      historyLines({ kind: "joined" }, events).join("\n"),
      [
        "—— 历史消息（最近 2 条）——",
        "t1 bob：hi",
        "t2 *** amy 加入了聊天室",
        "—— 以上为历史消息 ——",
      ].join("\n"),
    );
    equal(historyLines({ kind: "resumed" }, events)[0], "—— 历史消息（您离开期间的 2 条）——");
    equal(
      historyLines({ kind: "search", words: "hi" }, events)[0],
      "—— 搜索“hi”：找到 2 条消息 ——",
    );
    equal(historyLines({ kind: "earlier" }, [])[0], "没有更早的消息了。");
  } finally {
    setLang("en");
  }
});

Deno.test("formatEvent() marks kept private messages and words deliveries; onlineLine() marks guests", () => {
  const message = { type: "private" as const, time: "t1", from: "amy", to: "bob", text: "hi" };
  const delivered = { type: "delivered" as const, time: "t2", to: "bob", message: 7 };
  const users = [{ name: "amy", since: "t", guest: false }, {
    name: "访客",
    since: "t",
    guest: true,
  }];
  equal(
    formatEvent({ ...message, stored: true }),
    "t1 amy -> bob (private, stored until they log in): hi",
  );
  equal(
    formatEvent({ ...message, offline: true }),
    "t1 amy -> bob (private, sent while you were away): hi",
  );
  equal(formatEvent({ ...delivered, text: "hi\x1b" }), "t2 *** delivered to bob: hi?");
  equal(formatEvent(delivered), "t2 *** your private message was delivered to bob");
  equal(
    formatEvent({ ...delivered, text: "x".repeat(100) }),
    `t2 *** delivered to bob: ${"x".repeat(39)}…`,
  );
  equal(onlineLine(users), "Online (2): amy, 访客 (guest)");
  setLang("zh");
  try {
    equal(formatEvent({ ...message, stored: true }), "t1 amy -> bob（私聊，对方登录后送达）：hi");
    equal(formatEvent({ ...message, offline: true }), "t1 amy -> bob（私聊，离线消息）：hi");
    equal(formatEvent({ ...delivered, text: "hi" }), "t2 *** 已送达 bob：hi");
    equal(onlineLine(users), "在线（2 人）：amy、访客（访客）");
  } finally {
    setLang("en");
  }
});
