/**
 * The room on its own (lib/chat/room.ts), with members that are not sockets: what it sends
 * whom, and what it does with a member that stops reading.
 */

import { Buffer } from "node:buffer";
import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { type Frame, FrameDecoder, Kind, Status } from "../../lib/wire/frame.ts";
import { ChatType, indication, payloadObject } from "../../lib/chat/protocol.ts";
import { MemoryFileStore } from "../../lib/chat/file_store.ts";
import type { Member } from "../../lib/chat/member.ts";
import { Room, type RoomSettings } from "../../lib/chat/room.ts";
import { english } from "../../lib/chat/reason.ts";

/** A member that keeps what it is sent, and says it is full once `room` bytes are queued. */
class FakeMember implements Member {
  readonly sent: Frame[] = [];
  readonly #decoder = new FrameDecoder();
  queuedBytes = 0;
  messageBytes = 0;
  lastProgress = Date.now();
  farewells: Frame[] = [];
  closed = false;
  readonly finished = Promise.resolve();
  constructor(readonly peer: string, readonly room = Infinity) {}
  send(bytes: Uint8Array): boolean {
    if (this.queuedBytes + bytes.length > this.room) return false;
    this.queuedBytes += bytes.length;
    this.sent.push(...this.#decoder.push(bytes.slice()));
    return true;
  }
  sendPieces(pieces: readonly Uint8Array[]): boolean {
    return this.send(Buffer.concat(pieces));
  }
  sendChunk(): Promise<void> {
    return Promise.resolve();
  }
  messagesBelow(): Promise<void> {
    return Promise.resolve();
  }
  read(): Promise<Frame | null> {
    return Promise.resolve(null);
  }
  discardInput(): Promise<void> {
    return Promise.resolve();
  }
  farewell(last: Uint8Array): void {
    this.farewells.push(...new FrameDecoder().push(last));
  }
  hangUp(): Promise<void> {
    this.close();
    return Promise.resolve();
  }
  close(): void {
    this.closed = true;
  }
}

function makeRoom(lines: string[]): Room {
  const settings: RoomSettings = {
    log: (line) => lines.push(line.replace(/^\S+ \S+ /, "")), // without the timestamp
    storage: ".",
    maxClients: 2,
    maxFileSize: 1024,
    heartbeatSeconds: 10,
    joinTimeoutSeconds: 10,
    maxQueueBytes: 1024,
  };
  return new Room(settings, new MemoryFileStore());
}

Deno.test("Room.broadcast() reaches every joined member, whatever carries its frames", async () => {
  const lines: string[] = [];
  const room = makeRoom(lines);
  const a = room.admit(new FakeMember("10.0.0.1:1")), b = room.admit(new FakeMember("10.0.0.2:2"));
  ok(room.isFull(), "two of two places taken");
  room.join(a, "alice");
  room.join(b, "bob");
  equal(room.find("ALICE"), a);
  room.broadcast(indication(ChatType.Chat, { time: "t", from: "alice", text: "hi" }), b);
  room.broadcast(indication(ChatType.Chat, { time: "t", from: "bob", text: "yo" }));
  const texts = (s: typeof a) => (s.member as FakeMember).sent.map((f) => payloadObject(f).text);
  deepStrictEqual(texts(a), ["hi", "yo"]);
  deepStrictEqual(texts(b), ["yo"]);
  await room.remove(b);
  const left = (a.member as FakeMember).sent.at(-1)!;
  equal(left.type, ChatType.Leave);
  deepStrictEqual(payloadObject(left).name, "bob");
  ok(lines.includes("bob disconnected (1 online)"), lines.join("\n"));
});

Deno.test("Room drops a member whose queue is full, telling it why", async () => {
  const lines: string[] = [];
  const room = makeRoom(lines);
  const slow = room.admit(new FakeMember("10.0.0.3:3", 100));
  room.join(slow, "slow");
  room.broadcast(indication(ChatType.Chat, { time: "t", from: "x", text: "y".repeat(200) }));
  const member = slow.member as FakeMember;
  equal(member.farewells.length, 1);
  equal(member.farewells[0].kind, Kind.Indication);
  equal(member.farewells[0].status, Status.Slow);
  match(english(slow.endReason!), /^was disconnected \(too slow/);
  ok(!room.isFull() && room.members().length === 0, "its place is free at once");
  await Promise.all(slow.tasks);
  ok(member.closed);
  ok(lines.some((l) => l.startsWith("slow is not reading")), lines.join("\n"));
});

Deno.test("Room.deliverWithNames() lists everyone in the order they joined, after a leave too", async () => {
  const room = makeRoom([]);
  const a = room.admit(new FakeMember("10.0.0.1:1")), b = room.admit(new FakeMember("10.0.0.2:2"));
  const welcome = indication(ChatType.Join, { name: "x" });
  const users = (s: typeof a) => payloadObject((s.member as FakeMember).sent.at(-1)!).users;
  room.join(a, "alice");
  room.deliverWithNames(a, welcome);
  deepStrictEqual(users(a), ["alice"]);
  room.join(b, "名字");
  room.deliverWithNames(b, welcome);
  deepStrictEqual(users(b), ["alice", "名字"]);
  deepStrictEqual(payloadObject((b.member as FakeMember).sent.at(-1)!).name, "x");
  await room.remove(a);
  const c = room.admit(new FakeMember("10.0.0.3:3"));
  room.join(c, 'say "hi"');
  room.deliverWithNames(c, welcome);
  deepStrictEqual(users(c), ["名字", 'say "hi"']);
});
