/**
 * The loopback experiments (docs/EXPERIMENTS.md), each run through its task in quick mode from
 * an empty folder, checked for the answer it is meant to show and for leaving nothing behind.
 */

import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { hasCommand, runTask } from "../_task.ts";
import { parseSs } from "../../lib/experiments/experiment.ts";
import { sourcePorts } from "../../programs/experiments/exp_ports.ts";
import { describeSizes } from "../../programs/experiments/exp_coalesce.ts";
import { timeWaitSeconds } from "../../programs/experiments/exp_time_wait.ts";

const HAS_SS = hasCommand("ss");
const HAS_TSHARK = hasCommand("tshark") && hasCommand("dumpcap");
if (!HAS_SS) console.warn("skipping ss-based experiment tests: ss is not installed (iproute2)");
if (!HAS_TSHARK) {
  console.warn("exp:coalesce: tshark/dumpcap missing, so only its reads are checked");
}

/** Run an experiment's task in quick mode from an empty folder; it must leave the folder empty. */
async function experiment(task: string, args: string[] = ["--quick"]): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "exp_test_" });
  try {
    const { code, stdout, stderr } = await runTask(task, args, { cwd: dir });
    equal(code, 0, `${task} failed:\n${stdout}\n${stderr}`);
    deepStrictEqual(await Array.fromAsync(Deno.readDir(dir)), [], `${task} left files behind`);
    match(stdout, /^Question: /);
    match(stdout, /^Answer: /m);
    return stdout;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The command lines of every running process. */
async function processes(): Promise<string> {
  const { stdout } = await new Deno.Command("ps", { args: ["-eo", "args"] }).output();
  return new TextDecoder().decode(stdout);
}

Deno.test("sourcePorts() gets a different ephemeral port for every connect", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const ports = await sourcePorts(listener, 4);
  equal(new Set(ports).size, 4, String(ports));
  ok(ports.every((p) => p > 1023 && p !== listener.addr.port), String(ports));
});

Deno.test("exp:ports shows distinct source ports without bind()", async () => {
  const out = await experiment("exp:ports");
  const ports = [...out.matchAll(/the kernel gave it 127\.0\.0\.1:(\d+)/g)].map((m) =>
    Number(m[1])
  );
  equal(ports.length, 3, out);
  equal(new Set(ports).size, 3, out);
  match(out, /Answer: 3 connects, 3 different source ports/);
});

Deno.test({
  name: "exp:four-tuple shows server sockets that share a local port and differ by peer",
  ignore: !HAS_SS,
  async fn() {
    const out = await experiment("exp:four-tuple");
    const port = out.match(/Server listening on 127\.0\.0\.1:(\d+)/)![1];
    const peers = [
      ...out.matchAll(
        /accepted connection \d: local 127\.0\.0\.1:(\d+), peer (\S+), says "I am client (\d)"/g,
      ),
    ];
    equal(peers.length, 3, out);
    ok(peers.every((m) => m[1] === port), out);
    equal(new Set(peers.map((m) => m[2])).size, 3, out);
    // Each client heard back its own address: the reply went to the right socket.
    peers.forEach((m) => match(out, new RegExp(`client ${m[3]} hears: you are ${m[2]}\\n`)));
    const serverSide = out.split("\n").filter((l) => /ESTAB .*server side/.test(l));
    equal(serverSide.length, 3, out);
  },
});

Deno.test({
  name: "exp:backlog connects and sends before any accept, and ss counts the accept queue",
  ignore: !HAS_SS,
  async fn() {
    const out = await experiment("exp:backlog");
    equal(out.match(/connect\(\) succeeded in [\d.]+ ms/g)?.length, 3, out);
    match(out, /LISTEN\s+3\s+\d+\s+127\.0\.0\.1:\d+ .*3 connections in the accept queue/);
    for (const k of [1, 2, 3]) {
      match(
        out,
        new RegExp(
          `accept\\(\\) #${k} finds waiting: "hello from client ${k}, sent before any accept\\(\\)"`,
        ),
      );
    }
  },
});

Deno.test("exp:coalesce delivers all 100 messages in fewer reads, and counts segments when it can", async () => {
  const out = await experiment("exp:coalesce");
  const port = out.match(/writes to 127\.0\.0\.1:(\d+)/)![1];
  match(out, /they are the 100 messages, in order: none lost/);
  const reads = Number(out.match(/server: (\d+) read\(\) call/)![1]);
  // The server reads only after the last write: everything waits in its buffer, so a few reads.
  ok(reads >= 1 && reads < 100, out);
  if (HAS_TSHARK) {
    // Nagle plus the receiver's delayed ACK: past the first few segments, writes pile up.
    const segments = Number(out.match(/capture: (\d+) TCP segments carried them/)![1]);
    ok(segments >= 1 && segments < 100, out);
    match(out, /Answer: no\. 100 send\(\) calls became \d+ segment/);
  } else {
    match(out, /capture: no segment count \(.+\)/);
  }
  ok(!(await processes()).includes(`tcp port ${port}`), "a capture tool was left running");
});

Deno.test({
  name: "exp:time-wait puts TIME-WAIT on whichever side closed first",
  ignore: !HAS_SS,
  async fn() {
    const out = await experiment("exp:time-wait");
    match(out, /FIN-WAIT-2 .*client \(closed first\)/);
    match(out, /CLOSE-WAIT .*server$/m);
    match(out, /TIME-WAIT .*client \(closed first\)/);
    match(out, /FIN-WAIT-2 .*server \(closed first\)/);
    match(out, /TIME-WAIT .*server \(closed first\)/);
    // The side that did not close first never shows TIME-WAIT.
    ok(!/TIME-WAIT .*(server|client)$/m.test(out), out);
    match(out, /the kernel's timer read \d+ s/);
  },
});

Deno.test("exp:models shows the pool's second wave waiting while one task per client does not", async () => {
  const out = await experiment("exp:models");
  const row = (model: string) => {
    const m = out.match(
      new RegExp(`^${model}\\s+10\\s+(\\d+)\\s+([\\d.]+)\\s+([\\d.]+)\\s+0\\s+0`, "m"),
    );
    ok(m, `no clean ${model} row in:\n${out}`);
    return { p50: Number(m[2]), p99: Number(m[3]) };
  };
  const perClient = row("concurrent"), pool = row("pool");
  // 10 clients, 50 ms of waiting each, a pool of 5: the second five wait for the first.
  ok(pool.p99 >= 75, out);
  ok(perClient.p50 < pool.p99, out);
});

Deno.test("parseSs() and timeWaitSeconds() read ss's columns", () => {
  const [row] = parseSs("ESTAB 0 72 10.77.0.1:4579 10.77.0.2:35780 timer:(on,444ms,2)\n");
  deepStrictEqual(row, {
    state: "ESTAB",
    recvQ: 0,
    sendQ: 72,
    local: "10.77.0.1:4579",
    peer: "10.77.0.2:35780",
    timer: "timer:(on,444ms,2)",
  });
  equal(timeWaitSeconds("timer:(timewait,1min,0)"), 60);
  equal(timeWaitSeconds("timer:(on,444ms,2)"), null);
  equal(describeSizes([10, 10, 11, 913]), "2 × 10, 1 × 11, 1 × 913");
});
