/**
 * The benchmark through its task, in quick mode: every section runs and reports its rows, our
 * figure beside the peer's, and the JSON says the same as the table. Speed is not asserted
 * (these machines are too noisy for that); that the benchmark still runs is.
 */

import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { hasCommand, ROOT, runTask } from "../_task.ts";
import { tempDir } from "../_chat.ts";
import { PEERS_DIR, type Report, roundNotes, WS_INSTALL } from "../../programs/tools/bench.ts";
import { joinWords, same } from "../../lib/tools/text.ts";

Deno.test("bench --quick runs every section, prints one table and writes the same rows as JSON", async () => {
  await using dir = await tempDir();
  const started = performance.now();
  const { code, stdout, stderr } = await runTask(
    "bench",
    ["--quick", "--json", "bench-results.json"],
    { cwd: dir.path },
  );
  equal(code, 0, stderr);
  ok(performance.now() - started < 60_000, "quick mode stays quick");
  match(stdout, /^#\s+measure\s+ours\s+peer\s+peer value\s+ratio\s+target\s+met/m);

  const report: Report = JSON.parse(await Deno.readTextFile(join(dir.path, "bench-results.json")));
  equal(report.load.quick, true);
  deepStrictEqual([...new Set(report.rows.map((r) => r.section))], [1, 2, 3, 4, 5]);
  for (const r of report.rows) {
    // Each row is in the table, and its ratio is ours / peer whenever both are there.
    ok(stdout.includes(r.measure), r.measure);
    if (r.ours !== null && r.peerValue !== null && r.peerValue !== 0) {
      ok(Math.abs(r.ratio! - r.ours / r.peerValue) < 1e-9, JSON.stringify(r));
    }
  }

  const rows = (section: number) => report.rows.filter((r) => r.section === section);
  // Our own programs always give a figure; a peer gives one unless it is missing, and then
  // the row says so rather than disappearing.
  for (const r of [...rows(1), ...rows(2), ...rows(3), ...rows(4)]) {
    // A lag is the crowd's cost over none, which may be nothing.
    const least = /^heartbeat lag/.test(r.measure) ? 0 : Number.MIN_VALUE;
    ok(r.ours !== null && r.ours >= least, JSON.stringify(r));
  }
  // The transfer over TLS, each way: beside ncat --ssl, socat's OPENSSL, and our own plain
  // transfer from the same run, whose figure is that row's peer value.
  const overTls = rows(1).filter((r) => /over TLS/.test(r.measure));
  equal(overTls.length, 6, JSON.stringify(overTls));
  for (const r of overTls.filter((r) => r.peer === "ours over plain TCP")) {
    const way = r.measure.split(" ")[0];
    const plain = rows(1).find((p) => p.measure.startsWith(`${way} MB/s`));
    equal(r.peerValue, plain?.ours, JSON.stringify(r));
  }
  const peers: [string, RegExp][] = [["nc", /^nc /], ["socat", /^socat /], ["ncat", /^ncat /]];
  for (const [tool, peer] of peers) {
    const mine = report.rows.filter((r) => peer.test(r.peer));
    ok(mine.length > 0, `rows with ${tool} as the peer`);
    const installed = hasCommand(tool);
    for (const r of mine) {
      if (installed) ok(r.peerValue !== null && r.peerValue > 0, JSON.stringify(r));
      else match(r.note, new RegExp(`missing: ${tool} is not installed`));
    }
  }
  // The WebSocket rows' peer runs on node with the ws package, which only a developer installs:
  // without either, the note names what is missing and the command that installs it.
  const wsRows = report.rows.filter((r) => /^Node\.js ws /.test(r.peer));
  equal(wsRows.length, 3 * report.load.crowds.length, "p50, p99 and rate per crowd size");
  const wsInstalled = hasCommand("node") &&
    existsSync(join(ROOT, PEERS_DIR, "node_modules", "ws", "package.json"));
  for (const r of wsRows) {
    if (wsInstalled) ok(r.peerValue !== null && r.peerValue > 0, JSON.stringify(r));
    else {
      match(r.note, /missing: (node is not installed|the ws package is not in \.bench\/peers)/);
      ok(r.note.includes(WS_INSTALL), r.note);
    }
  }
  for (const r of [...rows(2), ...rows(4)]) ok(r.peerValue !== null, JSON.stringify(r));
  // The cost of a verified byte: CPU-seconds per GiB of both ends, each way, beside the floor
  // (nc plus two SHA-256s) and beside nc hashing with openssl, which is also a speed peer.
  const cpuRows = rows(1).filter((r) => r.unit === "CPU-s/GiB");
  deepStrictEqual(cpuRows.map((r) => r.peer), [
    "floor: nc + 2 SHA-256",
    "nc, openssl SHA-256 on both ends",
    "floor: nc + 2 SHA-256",
    "nc, openssl SHA-256 on both ends",
  ]);
  const verified = rows(1).filter((r) => r.unit === "MB/s" && /openssl/.test(r.peer));
  equal(verified.length, 2, "upload and download beside nc with openssl");
  if (hasCommand("nc") && hasCommand("openssl")) {
    for (const r of [...cpuRows, ...verified]) ok(r.peerValue! > 0, JSON.stringify(r));
  }
  // Our download beside our upload, best beside best.
  const downVsUp = rows(1).find((r) => r.peer === "our upload, same rounds");
  ok(downVsUp?.ours! > 0 && downVsUp?.peerValue! > 0, JSON.stringify(downVsUp));
  // Idle members heartbeating: the probe's added round trip, p99 and largest, ours and the
  // echo's, never below zero.
  const lag = rows(4).filter((r) => /^heartbeat lag/.test(r.measure));
  equal(lag.length, 2, JSON.stringify(rows(4)));
  for (const r of lag) ok(r.ours! >= 0 && r.peerValue! >= 0, JSON.stringify(r));
  // One row per concurrency model compare-servers knows, each with its rate.
  ok(rows(5).length >= 2, JSON.stringify(rows(5)));
  for (const r of rows(5)) ok(r.ours !== null && r.ours > 0, JSON.stringify(r));

  // Nothing left behind but the JSON: the work folder and its files are gone.
  const left = [];
  for await (const entry of Deno.readDir(dir.path)) left.push(entry.name);
  deepStrictEqual(left, ["bench-results.json"]);
});

Deno.test("a failure in some rounds says which; one in every round is said once, as it is", () => {
  const [down, refused] = [same("nc failed: down"), same("socat failed: refused")];
  const note = joinWords(roundNotes([[down, refused], [refused], [refused]]));
  equal(note.en, "round 1 of 3: nc failed: down; socat failed: refused");
  equal(note.zh, "第 1 轮（共 3 轮）：nc failed: down；socat failed: refused");
  deepStrictEqual(roundNotes([[down]]), [down]);
});
