/**
 * Getting into the room (lib/chat/join.ts) against a scripted server on loopback: a taken name
 * asks again, a full room and an LP server end in one JoinError line each.
 */

import { deepStrictEqual, equal, ok, rejects } from "node:assert/strict";
import { type Frame, Status } from "../../lib/wire/frame.ts";
import { FrameConnection } from "../../lib/wire/frame_connection.ts";
import type { ByteStream } from "../../lib/wire/frame_connection.ts";
import { ChatType, indication, refusal, reply } from "../../lib/chat/protocol.ts";
import { ChatClient } from "../../lib/chat/client_session.ts";
import { enterRoom, JoinError } from "../../lib/chat/join.ts";
import { ClientInput, plainUi } from "../../lib/chat/terminal_ui.ts";

/** A client connected to a server the test scripts; the client's lines are kept. */
async function connected(typed: string[] = []) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const server = new FrameConnection(await accepted);
  listener.close();
  const lines: string[] = [];
  const open = (c: ByteStream) => new ChatClient(c, () => {});
  const client = open(conn);
  const options = {
    ui: plainUi((line: string) => lines.push(line)),
    input: new ClientInput(typed),
    server: "the test server",
    answerTimeoutMs: 5000,
    open,
  };
  return {
    client,
    server,
    lines,
    options,
    async next(): Promise<Frame> {
      const frame = await server.read();
      ok(frame, "the client closed");
      return frame;
    },
    async [Symbol.asyncDispose]() {
      client.close();
      await client.closed;
      server.close();
    },
  };
}

const WELCOME = { time: "12:00:00", users: ["bob"], heartbeat: 10 };

Deno.test("enterRoom() asks for another name for as long as the server says it is taken", async () => {
  await using t = await connected(["bob"]);
  const entering = enterRoom(t.client, { ...t.options, name: "ann" });
  const ping = await t.next();
  equal(ping.type, ChatType.Heartbeat);
  await t.server.write(reply(ping, { heartbeat: 10 }));
  const first = await t.next();
  deepStrictEqual([first.type, JSON.parse(new TextDecoder().decode(first.payload))], [
    ChatType.Join,
    { name: "ann" },
  ]);
  await t.server.write(refusal(first, Status.Taken, 'The name "ann" is taken'));
  const second = await t.next();
  await t.server.write(reply(second, { name: "bob", ...WELCOME }));
  const entered = await entering;
  ok("client" in entered);
  equal(entered.client, t.client);
  equal(t.client.welcome?.name, "bob");
  deepStrictEqual(t.lines, ['error: the name "ann" is taken', "Your name: "]);
});

Deno.test("enterRoom() on a full room throws the server's own words", async () => {
  await using t = await connected();
  const entering = enterRoom(t.client, { ...t.options, name: "ann" });
  await t.next(); // the heartbeat, never answered: the room is full
  const full = "Server is full (5/5 clients). Please try again later.";
  await t.server.write(indication(ChatType.Notice, { text: full }, { status: Status.Full }));
  t.server.close();
  await rejects(entering, new JoinError(full));
  deepStrictEqual(t.lines, []); // not shown as a line of the room
});

Deno.test("enterRoom() names an LP server by its hello, before asking anything", async () => {
  await using t = await connected();
  await t.server.write(indication(ChatType.Notice, { text: "Welcome", clientId: 1 }));
  const entering = enterRoom(t.client, t.options);
  await t.server.write(reply(await t.next()));
  await rejects(
    entering,
    new JoinError(
      "the test server is an LP server, not a chat server (try deno task lp-client)",
    ),
  );
  deepStrictEqual(t.lines, []);
});

Deno.test("enterRoom() gives up on a server that never answers, in one line", async () => {
  await using t = await connected();
  await rejects(
    enterRoom(t.client, { ...t.options, answerTimeoutMs: 50 }),
    new JoinError("no answer from the test server within 0.05 s (is it a chat server?)"),
  );
});
