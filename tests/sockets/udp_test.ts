/**
 * The UDP lab through its tasks: udp-server and udp-client as a user runs them.
 */

import { equal, match, ok } from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { listeningPort, Program, runTask } from "../_task.ts";

async function startServer(): Promise<{ server: Program; port: number }> {
  const server = new Program("udp-server", ["--port", "0"]);
  return { server, port: await listeningPort(server) };
}

/**
 * A UDP socket that receives but never answers: a server that lost every reply. The test
 * bundle has no `--unstable-net`, so node:dgram stands in for Deno.listenDatagram.
 */
async function silentSocket(): Promise<{ socket: Socket; port: number }> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, "127.0.0.1", () => resolve());
  });
  return { socket, port: socket.address().port };
}

function closeSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => socket.close(() => resolve()));
}

Deno.test("udp-server says where it listens", async () => {
  const { server } = await startServer();
  await using _ = server;
  match(server.lines[0], /^Listening on 127\.0\.0\.1:\d+$/);
});

Deno.test("udp-client and udp-server: each line is one datagram, each gets an ack", async () => {
  const { server, port } = await startServer();
  await using _ = server;
  const { code, stdout, stderr } = await runTask("udp-client", ["--port", String(port)], {
    input: "hello\nwörld\n",
  });
  equal(code, 0, stderr);
  match(stdout, /^ack: hello$/m);
  match(stdout, /^ack: wörld$/m);
  await server.waitFor(/127\.0\.0\.1:\d+ says: hello$/);
  await server.waitFor(/says: wörld$/);
});

Deno.test("udp-client gives up on a reply after --timeout, says why, and goes on", async () => {
  const { socket, port } = await silentSocket();
  try {
    const arrived = new Promise<string>((resolve) => {
      socket.once("message", (data) => resolve(new TextDecoder().decode(data)));
    });
    const { code, stdout, stderr } = await runTask(
      "udp-client",
      ["--port", String(port), "--timeout", "200"],
      { input: "anyone there?\nstill nobody?\n" },
    );
    equal(code, 0, stderr);
    equal(await arrived, "anyone there?"); // it was sent; only the reply is missing
    const gaveUp = stdout.split("\n").filter((l) => /^no reply within 200 ms/.test(l));
    equal(gaveUp.length, 2, stdout);
    match(gaveUp[0], /UDP does not retransmit/);
    match(gaveUp[0], /lost/);
  } finally {
    await closeSocket(socket);
  }
});

Deno.test("udp-client refuses a message over 65507 bytes before sending it", async () => {
  const { server, port } = await startServer();
  await using _ = server;
  const tooBig = "x".repeat(65508);
  const justFits = "y".repeat(65507);
  const { code, stdout, stderr } = await runTask("udp-client", ["--port", String(port)], {
    input: `${tooBig}\n${justFits}\nafter\n`,
  });
  equal(code, 0, stderr);
  match(stdout, /^error: message is 65508 bytes; one UDP datagram carries at most 65507/m);
  match(stdout, /^ack: 65507 bytes/m); // the largest datagram went through
  match(stdout, /^ack: after$/m);
  await server.waitFor(/says: after$/);
  ok(!server.lines.some((l) => l.includes("xxxxxxxx")), "the oversize message reached the server");
});

Deno.test("udp-server on SIGINT exits 0", async () => {
  const { server } = await startServer();
  await using _ = server;
  server.kill("SIGINT");
  equal(await server.exit(), 0);
  equal(server.lines.at(-1), "Server stopped");
});
