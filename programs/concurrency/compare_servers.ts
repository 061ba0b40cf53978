/**
 * Lab 2.3: concurrent servers — the models side by side, under the same load.
 *
 * Each model runs as its own process on loopback (so its memory is its own), started exactly as
 * its `deno task` starts it. Then C clients connect at once and each does R round trips (a line
 * out, the `ack:` back), for C = 1, 10, 100 by default. One table shows what each model makes
 * of it: round trips per second, median and 99th-percentile latency, clients turned away,
 * errors, and the server's peak memory (VmHWM from /proc, Linux only). A note under the table
 * says what each model's handlers share and how it stays safe (see `exp:race` for why threads
 * need Atomics or a lock where one event loop needs neither).
 * With `--work-ms 5 --work io` every message waits on a timer in the server, as for a database;
 * with `--work cpu` it spins, as a computation would, and one event loop can no longer hide it.
 *
 * Every run has a deadline (`--timeout`): a model that collapses is cut short and reported, and
 * its larger loads are skipped (noted in the table).
 *
 * Run it:   deno task compare-servers [--clients 1,10,100] [--rounds 10] [--work-ms 0]
 *
 * Permissions: `--allow-net=127.0.0.1` for the clients, and `--allow-run` to start the servers
 * with the running `deno` (its path is only known at run time, so the list cannot be narrowed,
 * and a program allowed to run anything is in effect unsandboxed). The peak memory is read by
 * running `cat /proc/PID/status`: Deno asks for `--allow-all` to read /proc/PID itself.
 * Compiled (`deno task compile:compare-servers`), there is no `deno` and no source to run, so
 * the servers are started from their compiled binaries next to this one (`dist/tcp-server-pool`
 * etc.: run their compile tasks first); a missing binary is reported in its row.
 *
 * @module
 */

import { errorMessage, parseFlags, UsageError } from "../../lib/cli/cli.ts";
import {
  compareServers,
  DEFAULT_CLIENTS,
  DEFAULT_ROUNDS,
  DEFAULT_TIMEOUT_MS,
  formatSharing,
  formatTable,
  type Load,
  MAX_CLIENTS,
  MODELS,
  plural,
  type Row,
} from "../../lib/concurrency/compare_servers.ts";

const USAGE = `Usage: deno task compare-servers [options]

Starts each server model on loopback, drives it with concurrent clients, prints one table.

Options:
  --clients LIST   concurrent clients per run, comma-separated (default ${DEFAULT_CLIENTS})
  --rounds R       round trips per client (default ${DEFAULT_ROUNDS})
  --models LIST    which models (default ${MODELS.map((m) => m.name)})
  --work-ms MS     simulated work per message in the server (default 0)
  --work KIND      cpu (busy loop) or io (timer) (default cpu)
  --timeout S      longest one run may take before it is cut short (default ${
  DEFAULT_TIMEOUT_MS / 1000
})
  --json           print JSON instead of the table
  -h, --help       show this help`;

/**
 * Parse the command line.
 *
 * @param args The arguments, usually `Deno.args`.
 * @returns The models, the load, and the flags that shape the output.
 * @throws {UsageError} For an unknown flag or a missing value.
 * @throws {RangeError} For a value out of range or an unknown model.
 */
export function parseArgs(args: string[]) {
  const { values } = parseFlags(args, {
    clients: { type: "string", default: DEFAULT_CLIENTS.join(",") },
    rounds: { type: "string", default: String(DEFAULT_ROUNDS) },
    models: { type: "string", default: MODELS.map((m) => m.name).join(",") },
    "work-ms": { type: "string", default: "0" },
    work: { type: "string", default: "cpu" },
    timeout: { type: "string", default: String(DEFAULT_TIMEOUT_MS / 1000) },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  });
  const clients = values.clients.split(",").map((c) => count(c, "--clients", 1, MAX_CLIENTS));
  const models = values.models.split(",").map((name) => {
    const model = MODELS.find((m) => m.name === name.trim());
    if (!model) {
      throw new RangeError(`Unknown model "${name}": expected ${MODELS.map((m) => m.name)}`);
    }
    return model;
  });
  if (values.work !== "cpu" && values.work !== "io") {
    throw new RangeError(`Invalid --work "${values.work}": expected cpu or io`);
  }
  const ms = count(values["work-ms"], "--work-ms", 0, 10_000);
  const load: Load = {
    clients,
    rounds: count(values.rounds, "--rounds", 1, 100_000),
    timeoutMs: count(values.timeout, "--timeout", 1, 3600) * 1000,
    work: ms > 0 ? { kind: values.work, ms } : undefined,
  };
  return { models, load, json: values.json, help: values.help };
}

function count(text: string, flag: string, min: number, max: number): number {
  const n = /^\s*\d{1,7}\s*$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) {
    throw new RangeError(
      `Invalid ${flag} "${text}": expected a whole number from ${min} to ${max}`,
    );
  }
  return n;
}

function describe(load: Load): string {
  const work = load.work ? `${load.work.ms} ms of ${load.work.kind} work per message` : "no work";
  return `${load.rounds} round trips per client, ${work}, ${load.timeoutMs / 1000} s per run`;
}

function fail(message: string, code = 1): never {
  console.error(`compare_servers: ${message}`);
  Deno.exit(code);
}

if (import.meta.main) {
  let parsed;
  try {
    parsed = parseArgs(Deno.args);
  } catch (err) {
    if (err instanceof UsageError || err instanceof RangeError) {
      fail(`${err.message} (see --help)`, 2);
    }
    throw err;
  }
  if (parsed.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  const { models, load, json } = parsed;
  // Progress on stderr, so that stdout is only the table (or the JSON).
  const progress = (r: Row) =>
    console.error(`  ${r.model} with ${plural(r.clients, "client")}: done`);
  if (!json) console.error(`Comparing: ${describe(load)}`);
  try {
    const rows = await compareServers(models, load, json ? undefined : progress);
    if (json) console.log(JSON.stringify({ load, rows }, null, 2));
    else console.log(`${describe(load)}\n\n${formatTable(rows)}\n\n${formatSharing(models)}`);
  } catch (err) {
    fail(errorMessage(err, "comparison failed"));
  }
}
