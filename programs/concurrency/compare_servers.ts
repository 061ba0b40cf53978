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

import { errorMessage, type FlagValues, parseProgramFlags } from "../../lib/cli/cli.ts";
import { formatList } from "../../lib/cli/i18n.ts";
import { cliText } from "../../lib/cli/text.ts";
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
  type Row,
} from "../../lib/concurrency/compare_servers.ts";
import { concurrencyText as text } from "../../lib/concurrency/text.ts";

/** The `--help` text, in the user's language. */
function usage(): string {
  return text("compareUsage", {
    clients: DEFAULT_CLIENTS.join(","),
    rounds: DEFAULT_ROUNDS,
    models: MODELS.map((m) => m.name).join(","),
    timeout: DEFAULT_TIMEOUT_MS / 1000,
  });
}

/** The flags, as `parseArgs` takes them. */
const OPTIONS = {
  clients: { type: "string", default: DEFAULT_CLIENTS.join(",") },
  rounds: { type: "string", default: String(DEFAULT_ROUNDS) },
  models: { type: "string", default: MODELS.map((m) => m.name).join(",") },
  "work-ms": { type: "string", default: "0" },
  work: { type: "string", default: "cpu" },
  timeout: { type: "string", default: String(DEFAULT_TIMEOUT_MS / 1000) },
  json: { type: "boolean", default: false },
} as const;

/**
 * Read the parsed flags.
 *
 * @param values The flags' values.
 * @returns The models, the load, and whether to print JSON.
 * @throws {RangeError} For a value out of range or an unknown model.
 */
export function readFlags(values: FlagValues<typeof OPTIONS>) {
  const clients = values.clients.split(",").map((c) => count(c, "--clients", 1, MAX_CLIENTS));
  const models = values.models.split(",").map((name) => {
    const model = MODELS.find((m) => m.name === name.trim());
    if (!model) {
      const known = formatList(MODELS.map((m) => m.name), "disjunction");
      throw new RangeError(text("unknownModel", { name, models: known }));
    }
    return model;
  });
  if (values.work !== "cpu" && values.work !== "io") {
    throw new RangeError(cliText("badWork", { value: values.work }));
  }
  const ms = count(values["work-ms"], "--work-ms", 0, 10_000);
  const load: Load = {
    clients,
    rounds: count(values.rounds, "--rounds", 1, 100_000),
    timeoutMs: count(values.timeout, "--timeout", 1, 3600) * 1000,
    work: ms > 0 ? { kind: values.work, ms } : undefined,
  };
  return { models, load, json: values.json };
}

function count(value: string, flag: string, min: number, max: number): number {
  const n = /^\s*\d{1,7}\s*$/.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= max)) {
    throw new RangeError(cliText("badWhole", { flag, text: value, min, max }));
  }
  return n;
}

function describe(load: Load): string {
  const work = load.work
    ? text("workPerMessage", { ms: load.work.ms, kind: load.work.kind })
    : text("noWork");
  return text("load", { rounds: load.rounds, work, seconds: load.timeoutMs / 1000 });
}

function fail(message: string, code = 1): never {
  console.error(`compare_servers: ${message}`);
  Deno.exit(code);
}

if (import.meta.main) {
  const parsed = parseProgramFlags({
    name: "compare_servers",
    usage,
    args: Deno.args,
    options: OPTIONS,
    read: readFlags,
    log: console.log,
    error: console.error,
  });
  if ("exitCode" in parsed) Deno.exit(parsed.exitCode);
  const { models, load, json } = parsed.flags;
  // Progress on stderr, so that stdout is only the table (or the JSON).
  const progress = (r: Row) =>
    console.error(text("progress", { model: r.model, clients: r.clients }));
  if (!json) console.error(text("comparing", { load: describe(load) }));
  try {
    const rows = await compareServers(models, load, json ? undefined : progress);
    if (json) console.log(JSON.stringify({ load, rows }, null, 2));
    else console.log(`${describe(load)}\n\n${formatTable(rows)}\n\n${formatSharing(models)}`);
  } catch (err) {
    fail(errorMessage(err, text("comparisonFailed")));
  }
}
