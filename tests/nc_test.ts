/**
 * The servers speak plain lines and datagrams, so `nc` (netcat-openbsd) is a client too.
 * Skipped, with a message, where nc is not installed.
 */

import { equal, match } from "node:assert/strict";
import { hasCommand, listeningPort, Program, WAIT_MS } from "./_task.ts";

const hasNc = hasCommand("nc");
if (!hasNc) {
  console.warn("skipping nc tests: nc is not installed (apt-get install netcat-openbsd)");
}

/**
 * Run nc with some input and collect its output until `done` matches, then stop it.
 *
 * @param args nc's arguments.
 * @param input What to type.
 * @param done The output that means the conversation is over.
 * @param closeInput Whether to end nc's input after typing (TCP with -N); UDP keeps it open.
 * @returns Everything nc printed.
 */
async function nc(args: string[], input: string, done: RegExp, closeInput: boolean) {
  const child = new Deno.Command("nc", {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input));
  if (closeInput) await writer.close();

  const failsafe = setTimeout(() => child.kill("SIGKILL"), WAIT_MS);
  let output = "";
  try {
    for await (const piece of child.stdout.pipeThrough(new TextDecoderStream())) {
      output += piece;
      if (done.test(output)) break;
    }
  } finally {
    clearTimeout(failsafe);
    try {
      child.kill("SIGTERM");
    } catch {
      // nc already exited on its own.
    }
    if (!closeInput) await writer.close().catch(() => {});
    await child.status;
  }
  return output;
}

Deno.test({
  name: "nc talks to tcp-server: a line in, an ack out",
  ignore: !hasNc,
  async fn() {
    await using server = new Program("tcp-server", ["--port", "0"]);
    const port = await listeningPort(server);
    // -N: close our side at end of input, so the server sees the client leave.
    const output = await nc(["-N", "127.0.0.1", String(port)], "hello\n", /ack: hello\n/, true);
    equal(output, "ack: hello\n");
    await server.waitFor(/says: hello$/);
  },
});

Deno.test({
  name: "nc -u talks to udp-server: the newline nc sends is not part of the message",
  ignore: !hasNc,
  async fn() {
    await using server = new Program("udp-server", ["--port", "0"]);
    const port = await listeningPort(server);
    const output = await nc(["-u", "127.0.0.1", String(port)], "hello\n", /ack: hello\n/, false);
    match(output, /^ack: hello\n$/);
    await server.waitFor(/says: hello$/);
  },
});
