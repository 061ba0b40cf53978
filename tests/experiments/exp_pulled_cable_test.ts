/**
 * The pulled-cable experiment, for real: two network namespaces and a veth pair. It needs root
 * and iproute2, so elsewhere it skips and says why. The lab's naming and commands are tested in
 * netns_lab_test.ts.
 */

import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { join, relative } from "node:path";
import { hasCommand, ROOT, runTask, taskParts } from "../_task.ts";

const IS_ROOT = Deno.uid() === 0;
const CAN_RUN = IS_ROOT && hasCommand("ip") && hasCommand("ss");
if (!CAN_RUN) {
  console.warn(
    "skipping the pulled-cable experiment: it needs root and iproute2's ip and ss " +
      `(uid ${Deno.uid()}, ip ${hasCommand("ip") ? "found" : "missing"})`,
  );
}

async function namespaces(): Promise<string[]> {
  const { stdout } = await new Deno.Command("ip", { args: ["netns", "list"] }).output();
  return new TextDecoder().decode(stdout).split("\n").map((l) => l.split(" ")[0]).filter((n) =>
    /^lp(srv|cli)-/.test(n)
  );
}

Deno.test({
  name:
    "exp:pulled-cable: ESTABLISHED stays, the message fails, the heartbeat evicts, reconnecting works",
  ignore: !CAN_RUN,
  async fn() {
    const before = await namespaces();
    const dir = await Deno.makeTempDir({ prefix: "exp_test_" });
    try {
      const { code, stdout, stderr } = await runTask("exp:pulled-cable", ["--quick"], { cwd: dir });
      equal(code, 0, `${stdout}\n${stderr}`);
      // Right after the pull, and after the message to the client failed: still ESTABLISHED.
      match(stdout, /server's socket for client 1: ESTAB$/m);
      match(
        stdout,
        /a message to client 1 fails: Message to client 1 not sent: .*\((Timeout|Gone)\)/,
      );
      match(stdout, /the connection is still ESTAB$/m);
      const evicted = stdout.match(/\[\+([\d.]+) s\] the server evicts client 1: silent for 3/);
      ok(evicted, stdout);
      // Heartbeat 1 s: evicted within 3 intervals of the last heartbeat, so at most ~3 s after.
      ok(Number(evicted[1]) <= 3.9, stdout);
      match(
        stdout,
        /a new connection from the client's namespace works:\n\s+Connected clients \(1\):/,
      );
      match(stdout, /\[cleanup\] namespaces lpsrv-\d+ and lpcli-\d+ removed/);
      deepStrictEqual(await Array.fromAsync(Deno.readDir(dir)), [], "files left behind");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
    deepStrictEqual(await namespaces(), before, "a namespace was left behind");
    const { stdout } = await new Deno.Command("ps", { args: ["-eo", "args"] }).output();
    ok(!new TextDecoder().decode(stdout).includes("--host 10.77.0.1"), "lp_server left running");
  },
});

/** The ordinary user the root check is tried as: `nobody`. */
const NOBODY = 65534;

/**
 * Copy what the program needs (deno.json, for its task flags, and programs/ and lib/) into a
 * fresh folder that every user can read, with an empty Deno cache `nobody` can write. The
 * checkout itself may be private to root: a clone under /root, or in a `mktemp -d` folder.
 *
 * @returns The folder; the caller removes it.
 */
async function copyForNobody(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "exp_test_nobody_" });
  const steps: [string, string[]][] = [
    ["cp", ["-R", "deno.json", "lib", "programs", dir]],
    ["chmod", ["-R", "a+rX", dir]],
  ];
  for (const [cmd, args] of steps) {
    const { success, stderr } = await new Deno.Command(cmd, { args, cwd: ROOT, stderr: "piped" })
      .output();
    ok(success, `${cmd}: ${new TextDecoder().decode(stderr)}`);
  }
  await Deno.mkdir(join(dir, "deno_dir"));
  await Deno.chown(join(dir, "deno_dir"), NOBODY, NOBODY);
  return dir;
}

Deno.test({
  name: "exp:pulled-cable says in one line that it needs root, and exits non-zero",
  ignore: !IS_ROOT || !hasCommand("setpriv"),
  async fn() {
    const dir = await copyForNobody();
    try {
      // As an ordinary user (setpriv drops root for this one command), on the readable copy.
      const { flags, script } = taskParts("exp:pulled-cable");
      const out = await new Deno.Command("setpriv", {
        args: [
          `--reuid=${NOBODY}`,
          `--regid=${NOBODY}`,
          "--clear-groups",
          Deno.execPath(),
          "run",
          ...flags,
          join(dir, relative(ROOT, script)),
        ],
        cwd: dir,
        env: { DENO_DIR: join(dir, "deno_dir"), HOME: dir },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(out.stderr).trim();
      equal(out.code, 1, stderr);
      equal(
        stderr,
        "exp_pulled_cable: needs root to create network namespaces (run it with sudo)",
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
