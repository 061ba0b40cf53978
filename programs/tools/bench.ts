/**
 * The benchmark: our programs beside well-known peers, on loopback, in one run.
 *
 * A figure alone says little on a shared machine whose speed drifts by a third from one
 * session to the next, so every figure here sits beside a peer's, measured in the same run
 * under the same load, and the ratio is what to read: a file through the chat server against
 * `nc`, `socat` and nc hashing both ends with openssl, with the CPU-seconds per GiB it costs,
 * and over TLS against `ncat --ssl` and socat's OPENSSL; LP requests against a plain Deno echo
 * of the same size; chat fan-out against `ncat --broker --chat`, and over the chat server's
 * WebSocket (`/ws`, the browser's way in) against a Node.js broadcast server on the `ws`
 * package; the memory and heartbeat lag of 10,000 idle members against the echo server's; the
 * concurrency models against each other. Our programs are started exactly as their tasks start them.
 *
 * Run it:   deno task bench [--size 1G] [--json bench-results.json]
 * Quick:    deno task bench --quick        (small loads, well under 30 s; tests run this)
 *
 * The WebSocket peer runs on the machine's `node` with the `ws` package, which the benchmark
 * never installs (running a program needs no registry). Once, in the project folder:
 *
 *   npm install --prefix .bench/peers --no-save ws@8.23.0         (see WS_INSTALL)
 *
 * Without node or ws, those rows show our figures alone, and the note says what is missing and
 * this command.
 *
 * Permissions, and why: `--allow-net=127.0.0.1` for the load generators; `--allow-run` to
 * start the programs with the running `deno` (whose path is known only at run time, so the
 * list cannot be narrowed) and the peers, and to read a child's memory with `cat /proc/PID/
 * status` (Deno guards /proc/PID with --allow-all); `--allow-read=.bench --allow-write=.bench`
 * for the files it moves, in a folder it removes at the end; `--allow-write=bench-results.json`
 * for the JSON. Allowed to run anything, the benchmark is in effect unsandboxed: the narrow
 * read and write grants keep its own mistakes inside `.bench`, nothing more.
 *
 * @module
 */

import { randomFillSync } from "node:crypto";
import { join } from "node:path";
import { CERT_FILE, KEY_FILE, makeCertificate } from "../../lib/tls/certificate.ts";
import { errorMessage, parseProgramFlags, UsageError } from "../../lib/cli/cli.ts";
import { displayWidth, padEndToWidth, padStartToWidth } from "../../lib/cli/display_width.ts";
import { type Lang, lang } from "../../lib/cli/i18n.ts";
import { cliText } from "../../lib/cli/text.ts";
import { chatText } from "../../lib/chat/text.ts";
import { DEFAULT_HEARTBEAT_SECONDS } from "../../lib/chat/protocol.ts";
import { hashFile } from "../../lib/files/file_chunk.ts";
import { DatabaseSync } from "node:sqlite";
import { ChatDb } from "../../lib/store/chat_db.ts";
import { FrameConnection } from "../../lib/wire/frame_connection.ts";
import { encodeFrame, Kind, makeFrame } from "../../lib/wire/frame.ts";
import { formatBytes, parseByteSize } from "../../lib/cli/units.ts";
import {
  type Child,
  freePort,
  hasCommand,
  listeningPort,
  onOneCpu,
  residentKiB,
  ROOT,
  Scope,
  sleep,
  STARTUP_MS,
  taskCommand,
} from "../../lib/tools/bench_proc.ts";
import {
  chatDialect,
  type Dialect,
  echoPipelined,
  echoSequential,
  type FanoutLatency,
  fanoutLatency,
  type FanoutRate,
  fanoutRate,
  HOST,
  idleCrowd,
  lpPipelined,
  lpSequential,
  ncatDialect,
  type Probe,
  probeName,
  type ProbeReply,
  probeReply,
  type ProbeRequest,
  wsBroadcastDialect,
  wsChatDialect,
} from "./bench/load.ts";
import {
  backgroundScript,
  childrenCpuSeconds,
  cpuSeconds,
  GIB,
  reportedKiB,
  sha256SecondsPerGiB,
} from "./bench/cpu.ts";
import { serveEcho } from "../../lib/tools/serve_echo.ts";
import {
  joinWords,
  same,
  toolsText as text,
  WordedError,
  type Words,
  words,
} from "../../lib/tools/text.ts";

/** The folder for the files the benchmark moves, relative to the working folder. */
export const WORK_ROOT = ".bench";

/** The default file size: 1 GiB, large enough that start-up costs vanish. */
export const DEFAULT_SIZE = 1024 ** 3;

/**
 * The version of the `ws` package the WebSocket peer is measured with: the current 8.x when
 * this row was added. Another version still runs, and the rows say which.
 */
export const WS_VERSION = "8.23.0";

/** Where the WebSocket peer finds `ws` (its `node_modules`), in the project folder. */
export const PEERS_DIR = `${WORK_ROOT}/peers`;

/**
 * The one command that installs the WebSocket peer's package, run in the project folder.
 * `--no-save` leaves no package.json or lock file behind, only `node_modules`.
 */
export const WS_INSTALL = `npm install --prefix ${PEERS_DIR} --no-save ws@${WS_VERSION}`;

/** The WebSocket peer: a Node.js script, started with the machine's `node`. */
const WS_PEER_SCRIPT = join(ROOT, "programs", "tools", "bench", "ws_broadcast.mjs");

/** The peer's exit code when `ws` is not installed (see ws_broadcast.mjs). */
const NO_WS = 3;

/** The file size in quick mode: big enough to cross every buffer, small enough for a test. */
const QUICK_SIZE = 32 * 1024 * 1024;

/** Bytes per write while making the random file: one `randomFillSync` call each. */
const FILL_PIECE = 1024 * 1024;

/** The load of one run: the full benchmark, or the quick one a test runs. */
export interface Load {
  quick: boolean;
  /** File size in bytes. */
  size: number;
  /**
   * Rounds of the transfers, ours and the peers' in turn; each figure is the best of them (the
   * fastest, the fewest CPU-seconds), so a slow spell of the machine hits both. On our VM the
   * same transfer moved 260 to 680 MB/s from one round to the next: five rounds, not three.
   */
  transferRounds: number;
  /** Sequential LP requests (and echo round trips) timed, after a warm-up. */
  sequential: number;
  /** Pipelined requests from one client. */
  pipelined: number;
  /** Pipelined requests from each of {@linkcode PIPELINE_CLIENTS} clients. */
  pipelinedEach: number;
  /** Crowd sizes for the fan-out. */
  crowds: number[];
  /** The large room's members, beside ncat at {@linkcode BIG_RATE} msg/s; null for none. */
  bigCrowd: number | null;
  /** Messages in the database for the join-with-history row. */
  storedMessages: number;
  /** How long each fan-out run sends, in milliseconds. */
  fanoutMs: number;
  /** Idle members for the memory and heartbeat rows. */
  idleClients: number;
  /** How long the heartbeat probe runs, alone and then beside the crowd, in milliseconds. */
  probeMs: number;
  /** Arguments for compare-servers (none: its default load). */
  compareArgs: string[];
}

/** Clients in the multi-client pipelined run. */
const PIPELINE_CLIENTS = 10;

/**
 * Requests in flight per client when pipelining. Ids are 16 bits, so 100,000 cannot all be
 * out at once; 4,096 is far more than loopback needs to stay busy.
 */
const PIPELINE_WINDOW = 4096;

/** The seed's experiment: this many time requests written back to back. */
const SEED_REQUESTS = 100;

/** The fan-out sender's steady rate, in messages per second. */
const FANOUT_RATE = 500;

/** The large room's sender rate, in messages per second: the load for 2,000 members. */
const BIG_RATE = 200;

/**
 * In the large room, every how many members one is timed; the rest read ten times a second
 * (see `fanoutLatency`): 200 timed readers of 2,000, whose reads one process keeps up with.
 */
const BIG_SAMPLE = 10;

/**
 * ncat's most clients: it waits on its connections with select(), whose sets hold descriptors
 * below FD_SETSIZE (1024), and drops a connection whose descriptor is past that.
 */
const NCAT_MOST = 1024;

/** Senders flat out in the deliveries-per-second run. */
const FANOUT_SENDERS = 10;

/**
 * Time from one heartbeat probe to the next: often enough to catch a pause of a few
 * milliseconds, rare enough to add nothing to the load.
 */
const PROBE_PERIOD_MS = 20;

/** How long a server gets to settle before its memory is read. */
const SETTLE_MS = 1500;

/**
 * The loads.
 *
 * @param quick The quick mode's small loads.
 * @param size File size in bytes (ignored in quick mode).
 * @returns The load.
 */
export function loadFor(quick: boolean, size = DEFAULT_SIZE): Load {
  return quick
    ? {
      quick,
      size: Math.min(size, QUICK_SIZE),
      transferRounds: 1,
      sequential: 2_000,
      pipelined: 20_000,
      pipelinedEach: 2_000,
      crowds: [20],
      bigCrowd: null,
      fanoutMs: 500,
      storedMessages: 100_000,
      idleClients: 200,
      probeMs: 400,
      compareArgs: ["--clients", "10", "--rounds", "2"],
    }
    : {
      quick,
      size,
      transferRounds: 5,
      sequential: 20_000,
      pipelined: 100_000,
      pipelinedEach: 10_000,
      crowds: [100, 500],
      bigCrowd: 2_000,
      fanoutMs: 4_000,
      storedMessages: 1_000_000,
      idleClients: 10_000,
      probeMs: 6_000,
      compareArgs: [],
    };
}

/** A goal, as a bound on the ratio or on our own figure. */
export interface Target {
  /** What is compared: the ratio ours/peer, or our figure itself. */
  on: "ratio" | "ours";
  op: ">=" | "<=";
  value: number;
  /** How the table shows it, such as `>= 0.8x nc`. */
  text: Words;
}

/**
 * One line of the table: our figure, the peer's from the same run, and their ratio. Its words
 * are kept in every language: the table shows the reader's, the JSON the English.
 */
export interface Row {
  /** The section, 1 to 5. */
  section: number;
  measure: Words;
  unit: string;
  ours: number | null;
  peer: Words;
  peerValue: number | null;
  /** ours / peer; null when either is missing. */
  ratio: number | null;
  /** Whether a higher figure is better. */
  higherIsBetter: boolean;
  target: Target | null;
  /** Whether the target is met; null when there is none or a figure is missing. */
  met: boolean | null;
  /** Why a figure is missing, or what else to know. */
  note: Words;
}

/** A row as the JSON has it: its words in one language (English), figures as they are. */
export type JsonRow = Omit<Row, "measure" | "peer" | "note" | "target"> & {
  measure: string;
  peer: string;
  note: string;
  target: (Omit<Target, "text"> & { text: string }) | null;
};

/**
 * A row with its words in one language.
 *
 * @param r The row.
 * @param language The language, English for the JSON.
 * @returns The row as the JSON has it.
 */
export function rowIn(r: Row, language: Lang): JsonRow {
  return {
    ...r,
    measure: r.measure[language],
    peer: r.peer[language],
    note: r.note[language],
    target: r.target && { ...r.target, text: r.target.text[language] },
  };
}

/** Everything one run found, as the JSON has it: language-neutral keys, English words. */
export interface Report {
  date: string;
  machine: { os: string; arch: string; cpus: number; deno: string };
  command: string;
  load: Load;
  rows: JsonRow[];
}

/** What every section needs. */
interface Context {
  scope: Scope;
  /** This run's folder (absolute). */
  work: string;
  load: Load;
  /** Progress, on stderr. */
  say: (text: string) => void;
  /** Which peers are installed. */
  has: Record<"nc" | "socat" | "ncat" | "node" | "openssl" | "taskset", boolean>;
}

function row(
  section: number,
  measure: Words,
  unit: string,
  ours: number | null,
  peer: Words,
  peerValue: number | null,
  options: { higherIsBetter?: boolean; target?: Target | null; note?: Words } = {},
): Row {
  const ratio = ours !== null && peerValue !== null && peerValue !== 0 ? ours / peerValue : null;
  const target = options.target ?? null;
  const subject = target?.on === "ratio" ? ratio : ours;
  const met = target === null || subject === null
    ? null
    : target.op === ">="
    ? subject >= target.value
    : subject <= target.value;
  return {
    section,
    measure,
    unit,
    ours,
    peer,
    peerValue,
    ratio,
    higherIsBetter: options.higherIsBetter ?? true,
    target,
    met,
    note: options.note ?? same(""),
  };
}

/**
 * Why a measurement failed, in every language: our own errors are worded in each; another's
 * (the system's) in ours, and in its own English for the others.
 */
function failed(what: string, err: unknown): Words {
  const why = (l: Lang) =>
    err instanceof WordedError
      ? err.said[l]
      : l === lang() || !(err instanceof Error)
      ? errorMessage(err)
      : err.message.split("\n")[0];
  return words("noteFailed", { what, why: { en: why("en"), zh: why("zh") } });
}

/** Run a measurement; on failure, say why in the note instead of stopping the benchmark. */
async function attempt<T>(
  what: string,
  run: () => Promise<T>,
  notes: Words[],
): Promise<T | null> {
  try {
    return await run();
  } catch (err) {
    notes.push(failed(what, err));
    return null;
  }
}

const missing = (tool: string) => words("noteMissing", { tool });

// ---------------------------------------------------------------------------------------------
// 1. File transfer: through the chat server and client, beside nc, socat and nc hashing with
// openssl, and its CPU per GiB beside the floor; over TLS, beside ncat --ssl, socat's OPENSSL
// and our own plain transfer.

/** Fill a file with random bytes, a piece at a time. */
async function writeRandomFile(path: string, size: number): Promise<void> {
  using file = await Deno.open(path, { write: true, createNew: true });
  const piece = new Uint8Array(FILL_PIECE);
  for (let left = size; left > 0;) {
    const part = piece.subarray(0, Math.min(left, piece.length));
    randomFillSync(part);
    for (let at = 0; at < part.length;) at += await file.write(part.subarray(at));
    left -= part.length;
  }
}

/**
 * Write `size` bytes to a scratch file and remove it, just before a timed transfer, so that
 * every transfer writes its file to page-cache pages in the same state.
 *
 * @remarks
 * On a virtual machine whose host takes back the memory a guest frees, the first write to a
 * page not used lately costs far more than a write to one freed a moment ago: on our 2-core VM,
 * `dd` writes 1 GiB to a new file in 0.2 s right after another 1 GiB file was removed, and in
 * 1.6 to 2.5 s otherwise (all of it system time). Without this step the ratio measured the order
 * of the rows, not the programs: nc and socat ran right after the chat transfer's files were
 * removed and wrote to warm pages (nc: 840 MB/s; 560 MB/s on cold ones), while the chat
 * transfer's own writes, after the source file's, went to cold ones. Recycled pages are what a
 * machine without that host gives every write.
 *
 * The host still takes pages back in passes about 2 s after memory is freed, and a pass can fall
 * inside a timed transfer and slow it by a third. Nothing here can keep a pass out (waiting for
 * one, or recycling more, was tried: docs/PERFORMANCE.md), so the transfers run in rounds.
 */
async function recyclePages(work: string, size: number): Promise<void> {
  const path = join(work, "recycle.tmp");
  {
    using file = await Deno.open(path, { write: true, createNew: true });
    const zeros = new Uint8Array(FILL_PIECE);
    for (let left = size; left > 0;) {
      const part = zeros.subarray(0, Math.min(left, zeros.length));
      for (let at = 0; at < part.length;) at += await file.write(part.subarray(at));
      left -= part.length;
    }
  }
  await Deno.remove(path);
}

/** Longest a transfer of `size` bytes may take: 30 s, plus the time at a crawling 20 MB/s. */
function transferMs(size: number): number {
  return 30_000 + size / 20_000;
}

const mbPerSec = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);

/**
 * Upload then download through the real chat server and client; MB/s each way. With `tls`
 * both run with `--tls`: the server makes its certificate at this first start, in its storage
 * folder, and the client trusts that file as `--ca` (an absolute path, so where the client
 * resolves relative ones does not matter). The CPU time of both programs is read before and
 * after each direction, and so is the memory the machine has handed back to its host.
 */
async function chatTransfer(
  ctx: Context,
  source: string,
  sha256: string,
  tls = false,
): Promise<ChatTransfer> {
  const { scope, load } = ctx;
  const folder = join(ctx.work, tls ? "chat-tls" : "chat");
  await Deno.mkdir(folder);
  const caFile = join(folder, "storage", "server", CERT_FILE);
  let server: Child | undefined, client: Child | undefined;
  try {
    const [cmd, args] = taskCommand("chat-server", [
      "--port",
      "0",
      "--max-file-size",
      String(load.size),
      ...(tls ? ["--tls"] : []),
    ]);
    server = scope.spawn(tls ? "chat-server --tls" : "chat-server", cmd, args, { cwd: folder });
    const port = await listeningPort(server);
    const [ccmd, cargs] = taskCommand("chat-client", [
      "--port",
      String(port),
      "--name",
      "bench",
      ...(tls ? ["--ca", caFile] : []),
    ]);
    client = scope.spawn(tls ? "chat-client --tls" : "chat-client", ccmd, cargs, {
      cwd: folder,
      stdin: "piped",
    });
    await client.waitFor(/\*\*\* You joined as /, STARTUP_MS);
    const both = [server.pid, client.pid];
    const cpu = async () => sum(await Promise.all(both.map(cpuSeconds)));

    await recyclePages(ctx.work, load.size);
    const from = client.lines.length;
    const c0 = await cpu();
    const r0 = await reportedKiB();
    const t0 = performance.now();
    await client.type(`/file upload ${source}\n`);
    const up = await client.waitFor(/^Uploaded .* as (.+): /, transferMs(load.size), from);
    const t1 = performance.now();
    const r1 = await reportedKiB();
    const c1 = await cpu();
    const stored = up[1];
    await recyclePages(ctx.work, load.size);
    const from2 = client.lines.length;
    const c2 = await cpu();
    const r2 = await reportedKiB();
    const t2 = performance.now();
    await client.type(`/file download ${stored}\n`);
    const down = await client.waitFor(
      /^Downloaded .* to (.+): /,
      transferMs(load.size),
      from2,
    );
    const t3 = performance.now();
    const r3 = await reportedKiB();
    const c3 = await cpu();
    const got = await hashFile(join(folder, down[1]));
    if (got.size !== load.size || got.sha256 !== sha256) {
      throw new WordedError(words("differentDownload", { sha256: got.sha256 }));
    }
    await client.type("/exit\n");
    await client.exit(5_000);
    const gib = load.size / GIB;
    const mib = (a: number | null, b: number | null) =>
      a === null || b === null ? null : (b - a) / 1024;
    return {
      upload: mbPerSec(load.size, t1 - t0),
      download: mbPerSec(load.size, t3 - t2),
      uploadCpu: c0 === null || c1 === null ? null : (c1 - c0) / gib,
      downloadCpu: c2 === null || c3 === null ? null : (c3 - c2) / gib,
      uploadGivenBack: mib(r0, r1),
      downloadGivenBack: mib(r2, r3),
    };
  } finally {
    await client?.stop();
    await server?.stop();
    await Deno.remove(folder, { recursive: true }).catch(() => {});
  }
}

/** A transfer through our programs: MB/s and CPU-seconds per GiB (both ends), each way. */
interface ChatTransfer {
  upload: number;
  download: number;
  /** Null where a process's CPU time cannot be read. */
  uploadCpu: number | null;
  downloadCpu: number | null;
  /** MiB the machine handed back to its host meanwhile; null where it does not say. */
  uploadGivenBack: number | null;
  downloadGivenBack: number | null;
}

/** The larger, where either is known. */
function most(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}

/** The smaller, where either is known. */
function least(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}

/** The best of two rounds of our transfer: the faster speed and the fewer CPU-seconds. */
function bestTransfer(a: ChatTransfer | null, b: ChatTransfer | null): ChatTransfer | null {
  if (a === null || b === null) return a ?? b;
  return {
    upload: Math.max(a.upload, b.upload),
    download: Math.max(a.download, b.download),
    uploadCpu: least(a.uploadCpu, b.uploadCpu),
    downloadCpu: least(a.downloadCpu, b.downloadCpu),
    uploadGivenBack: null, // a figure of one round, which a best of two has not
    downloadGivenBack: null,
  };
}

/** The best of two rounds of a peer's transfer, as for {@linkcode bestTransfer}. */
function bestPeer(a: PeerFigures | null, b: PeerFigures | null): PeerFigures | null {
  if (a === null || b === null) return a ?? b;
  return { mbPerSec: Math.max(a.mbPerSec, b.mbPerSec), cpu: least(a.cpu, b.cpu) };
}

/** The best of two rounds of every plain peer. */
function bestPeers(a: PlainPeers, b: PlainPeers): PlainPeers {
  return {
    nc: bestPeer(a.nc, b.nc),
    socat: most(a.socat, b.socat),
    verified: bestPeer(a.verified, b.verified),
  };
}

/** The sum, or null when any is. */
function sum(values: readonly (number | null)[]): number | null {
  return values.some((v) => v === null) ? null : values.reduce<number>((a, b) => a + b!, 0);
}

/** The two files a peer pair moves between: the random file, and where its copy goes. */
interface PeerFiles {
  source: string;
  out: string;
}

/** socat's notices (`-d -d`), which say what it agreed on, not what went wrong. */
const SOCAT_NOTICE = /^\S+ \S+ socat\[\d+\] N /;

/**
 * A file through a pair of peers, from the source file to a file, one end listening and the
 * other connecting (which end sends is the pair's choice). Timed from the connecting end's
 * start to both ends' exit, after the listener has had a moment to bind. Ends written with
 * `backgroundScript` print their CPU time, which the caller reads from what they said.
 *
 * @returns MB/s, and what the two ends said on stderr (the connecting end's lines first).
 */
async function peerTransfer(
  ctx: Context,
  name: string,
  listen: (port: number, files: PeerFiles) => string,
  connect: (port: number, files: PeerFiles) => string,
  source: string,
  sha256: string,
): Promise<{ mbPerSec: number; said: string[] }> {
  const { scope, load } = ctx;
  const files = { source, out: join(ctx.work, `${name}.out`) };
  const port = freePort();
  const listener = scope.spawn(`${name} listener`, "sh", ["-c", listen(port, files)]);
  try {
    await sleep(200); // nc, socat and ncat say nothing when ready; they bind in milliseconds
    await recyclePages(ctx.work, load.size);
    const t0 = performance.now();
    const connector = scope.spawn(`${name} client`, "sh", ["-c", connect(port, files)]);
    const connected = await connector.exit(transferMs(load.size));
    const listened = await listener.exit(transferMs(load.size));
    const ms = performance.now() - t0;
    const said = [...connector.errors, ...listener.errors];
    if (!connected.success || !listened.success) {
      const why = said.filter((line) => !SOCAT_NOTICE.test(line)).join(" ");
      throw new WordedError(words("noteFailed", { what: name, why }));
    }
    const got = await hashFile(files.out);
    if (got.size !== load.size || got.sha256 !== sha256) {
      throw new WordedError(words("differentFile", { peer: name, size: got.size }));
    }
    return { mbPerSec: mbPerSec(load.size, ms), said };
  } finally {
    await listener.stop();
    await Deno.remove(files.out).catch(() => {});
  }
}

/** A word quoted for `sh -c`. */
const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/** A peer's MB/s, and CPU-seconds per GiB of both its ends (null when not known). */
interface PeerFigures {
  mbPerSec: number;
  cpu: number | null;
}

/** "SHA2-256(stdin)= HEX", or "(stdin)= HEX" from an older openssl: the digest it printed. */
const OPENSSL_DIGEST = /= ([0-9a-f]{64})$/;

/**
 * nc with a SHA-256 on each end, as a user would check a copy by hand, both hashes in the
 * timed path: the sender's `tee` feeds the file to nc and to `openssl dgst -sha256`, the
 * receiver's `tee` writes what nc received to the file and to another. Each `|` is a named
 * pipe, so that the shell knows every process's id (to stop them) and waits for each. Both
 * digests must be the file's.
 */
async function verifiedNc(ctx: Context, source: string, sha256: string): Promise<PeerFigures> {
  const pipes = ["vs1", "vs2", "vr1", "vr2"].map((name) => join(ctx.work, name));
  const made = await new Deno.Command("mkfifo", { args: pipes }).output();
  if (!made.success) throw new WordedError(words("exitCode", { code: made.code }));
  const [s1, s2, r1, r2] = pipes.map(q);
  const digest = "openssl dgst -sha256";
  try {
    const got = await peerTransfer(
      ctx,
      "nc+openssl",
      (port, { out }) =>
        backgroundScript([
          `nc -l 127.0.0.1 ${port} > ${r1}`,
          `tee ${q(out)} < ${r1} > ${r2}`,
          `${digest} < ${r2} >&2`,
        ]),
      (port, { source }) =>
        backgroundScript([
          `${digest} < ${s1} >&2`,
          `tee ${s1} < ${q(source)} > ${s2}`,
          `nc -N 127.0.0.1 ${port} < ${s2}`,
        ]),
      source,
      sha256,
    );
    const digests = got.said.map((l) => OPENSSL_DIGEST.exec(l)?.[1]).filter(Boolean);
    if (digests.length !== 2 || digests.some((d) => d !== sha256)) {
      throw new WordedError(words("differentDigest", { digests: digests.join(" ") || "-" }));
    }
    return { mbPerSec: got.mbPerSec, cpu: cpuPerGiB(got.said, ctx.load.size) };
  } finally {
    await Promise.all(pipes.map((p) => Deno.remove(p).catch(() => {})));
  }
}

/** CPU-seconds per GiB of a pair of `backgroundScript` ends, from what they said. */
function cpuPerGiB(said: readonly string[], size: number): number | null {
  const seconds = childrenCpuSeconds(said, 2);
  return seconds === null ? null : seconds / (size / GIB);
}

/** The plain transfers' peers, each null when missing or failed. */
interface PlainPeers {
  nc: PeerFigures | null;
  socat: number | null;
  verified: PeerFigures | null;
}

/** The plain peers: nc, and socat with 128 KiB buffers, each listener writing the file. */
async function plainPeers(
  ctx: Context,
  source: string,
  sha256: string,
  notes: Words[],
): Promise<PlainPeers> {
  const { has } = ctx;
  let nc: PeerFigures | null = null, socat: number | null = null;
  let verified: PeerFigures | null = null;
  if (has.nc) {
    ctx.say(text("sayThrough", { peer: "nc" }));
    nc = await attempt("nc", async () => {
      const got = await peerTransfer(
        ctx,
        "nc",
        (port, { out }) => backgroundScript([`nc -l 127.0.0.1 ${port} > ${q(out)}`]),
        (port, { source }) => backgroundScript([`nc -N 127.0.0.1 ${port} < ${q(source)}`]),
        source,
        sha256,
      );
      return { mbPerSec: got.mbPerSec, cpu: cpuPerGiB(got.said, ctx.load.size) };
    }, notes);
  }
  if (has.nc && ctx.has.openssl) {
    ctx.say(text("sayThrough", { peer: "nc | openssl dgst -sha256" }));
    verified = await attempt("nc+openssl", () => verifiedNc(ctx, source, sha256), notes);
  }
  if (has.socat) {
    ctx.say(text("sayThrough", { peer: "socat -b 131072" }));
    socat = (await attempt("socat", () =>
      peerTransfer(
        ctx,
        "socat",
        (port, { out }) =>
          `exec socat -u -b 131072 TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr CREATE:${q(out)}`,
        (port, { source }) => `exec socat -u -b 131072 OPEN:${q(source)} TCP:127.0.0.1:${port}`,
        source,
        sha256,
      ), notes))?.mbPerSec ?? null;
  }
  return { nc, socat, verified };
}

/** The TLS transfers' peers, each null when missing or failed, and the suite socat agreed on. */
interface TlsPeers {
  ncat: number | null;
  socat: number | null;
  suite: string | null;
}

/**
 * The TLS peers, `ncat --ssl` and socat's OPENSSL, both serving one certificate made here as
 * the chat server makes its own (ECDSA P-256). Their clients do not check it, where ours checks
 * it against `--ca`: a check costs one handshake, nothing per byte.
 *
 * @remarks
 * ncat's listener sends and its client receives. The other way round, an `ncat --ssl
 * --send-only` client exits before its last records are written: the listener's read fails
 * with an unexpected end and the copy was 0.5 to 4 MiB short of 64 MiB in every try (ncat 7.93);
 * without `--send-only` it stops at once with "Input/output error". socat says, with `-d -d`,
 * which cipher suite the two ends agreed on.
 */
async function tlsPeers(
  ctx: Context,
  source: string,
  sha256: string,
  notes: Words[],
): Promise<TlsPeers> {
  const { has } = ctx;
  let ncat: number | null = null, socat: number | null = null, suite: string | null = null;
  if (!has.ncat && !has.socat) return { ncat, socat, suite };
  const cert = join(ctx.work, CERT_FILE), key = join(ctx.work, KEY_FILE);
  const made = await makeCertificate(["127.0.0.1", "localhost"], "bench");
  await Deno.writeTextFile(cert, made.cert);
  await Deno.writeTextFile(key, made.key, { mode: 0o600 });
  if (has.ncat) {
    ctx.say(text("sayThrough", { peer: "ncat --ssl" }));
    ncat = (await attempt("ncat --ssl", () =>
      peerTransfer(
        ctx,
        "ncat",
        (port, { source }) =>
          `exec ncat --ssl --ssl-cert ${q(cert)} --ssl-key ${q(key)} --send-only ` +
          `-l 127.0.0.1 ${port} < ${q(source)}`,
        (port, { out }) => `exec ncat --ssl --recv-only 127.0.0.1 ${port} > ${q(out)}`,
        source,
        sha256,
      ), notes))?.mbPerSec ?? null;
  }
  if (has.socat) {
    ctx.say(text("sayThrough", { peer: "socat -b 131072 OPENSSL" }));
    const got = await attempt("socat OPENSSL", () =>
      peerTransfer(
        ctx,
        "socat",
        (port, { out }) =>
          `exec socat -d -d -u -b 131072 OPENSSL-LISTEN:${port},bind=127.0.0.1,reuseaddr,` +
          `cert=${q(cert)},key=${q(key)},verify=0 CREATE:${q(out)}`,
        (port, { source }) =>
          `exec socat -u -b 131072 OPEN:${q(source)} OPENSSL:127.0.0.1:${port},verify=0`,
        source,
        sha256,
      ), notes);
    socat = got?.mbPerSec ?? null;
    for (const line of got?.said ?? []) {
      suite ??= /SSL connection using (\S+)/.exec(line)?.[1] ?? null;
    }
  }
  // Only tidiness: the run's folder goes at the end anyway.
  await Promise.all([cert, key].map((path) => Deno.remove(path).catch(() => {})));
  return { ncat, socat, suite };
}

async function fileSection(ctx: Context): Promise<Row[]> {
  const { load, has } = ctx;
  const source = join(ctx.work, "random.bin");
  ctx.say(text("sayFile", { size: formatBytes(load.size) }));
  await writeRandomFile(source, load.size);
  const { sha256 } = await hashFile(source);
  const rounds = load.transferRounds;
  // What failed, round by round: our transfer, the plain peers, and both over TLS.
  const oursFailed: Words[][] = [], peersFailed: Words[][] = [], tlsFailed: Words[][] = [];
  let ours: ChatTransfer | null = null;
  let plain: PlainPeers = { nc: null, socat: null, verified: null };
  const byRound: (ChatTransfer | null)[] = [];
  for (let round = 0; round < rounds; round++) {
    const [mine, theirs]: Words[][] = [[], []];
    ctx.say(text("sayThroughChat"));
    const more = await attempt("chat transfer", () => chatTransfer(ctx, source, sha256), mine);
    byRound.push(more);
    ours = bestTransfer(ours, more);
    plain = bestPeers(plain, await plainPeers(ctx, source, sha256, theirs));
    oursFailed.push(mine);
    peersFailed.push(theirs);
  }
  // Over TLS in rounds too, so that its cost beside the plain figure compares best with best.
  let oursTls: ChatTransfer | null = null;
  let tls: TlsPeers = { ncat: null, socat: null, suite: null };
  for (let round = 0; round < rounds; round++) {
    const failures: Words[] = [];
    ctx.say(text("sayThroughChatTls"));
    const more = await attempt(
      "chat transfer over TLS",
      () => chatTransfer(ctx, source, sha256, true),
      failures,
    );
    oursTls = bestTransfer(oursTls, more);
    const peers = await tlsPeers(ctx, source, sha256, failures);
    tls = {
      ncat: most(tls.ncat, peers.ncat),
      socat: most(tls.socat, peers.socat),
      suite: tls.suite ?? peers.suite,
    };
    tlsFailed.push(failures);
  }
  await Deno.remove(source).catch(() => {});
  const shaCpu = sha256SecondsPerGiB(Math.min(load.size, SHA_PROBE_BYTES));
  const ourNote = joinWords(roundNotes(oursFailed));
  const note = joinWords([ourNote, ...roundNotes(peersFailed)]);
  const tlsNote = joinWords(roundNotes(tlsFailed));
  const size = formatBytes(load.size);
  const toNc: Target = { on: "ratio", op: ">=", value: 0.8, text: same(">= 0.8x nc") };
  const atLeast = (peer: string): Target => ({
    on: "ratio",
    op: ">=",
    value: 1,
    text: same(`>= ${peer}`),
  });
  const suite = tls.suite === null ? same("") : words("noteSuite", { suite: tls.suite });
  const verifiedMissing = has.nc ? has.openssl ? same("") : missing("openssl") : missing("nc");
  const peers = [
    [words("peerNc"), plain.nc?.mbPerSec ?? null, has.nc ? same("") : missing("nc"), toNc],
    [words("peerSocat"), plain.socat, has.socat ? same("") : missing("socat"), null],
    [
      words("peerNcVerified"),
      plain.verified?.mbPerSec ?? null,
      verifiedMissing,
      atLeast("nc+openssl"),
    ],
  ] as const;
  const measures = { upload: "measureUpload", download: "measureDownload" } as const;
  const plainRows = (["upload", "download"] as const).flatMap((way) =>
    peers.map(([peer, value, why, target]) =>
      row(1, words(measures[way], { size }), "MB/s", ours?.[way] ?? null, peer, value, {
        target,
        note: joinWords([why, note]),
      })
    )
  );
  // Beside the TLS peers, and beside our own plain transfer: what TLS costs us.
  const tlsMeasures = { upload: "measureUploadTls", download: "measureDownloadTls" } as const;
  const tlsRows = (["upload", "download"] as const).flatMap((way) => {
    const measure = words(tlsMeasures[way], { size });
    const mine = oursTls?.[way] ?? null;
    return [
      row(1, measure, "MB/s", mine, words("peerNcatSsl"), tls.ncat, {
        target: atLeast("ncat"),
        note: joinWords([has.ncat ? same("") : missing("ncat"), tlsNote]),
      }),
      row(1, measure, "MB/s", mine, words("peerSocatSsl"), tls.socat, {
        target: atLeast("socat"),
        note: joinWords([has.socat ? suite : missing("socat"), tlsNote]),
      }),
      row(1, measure, "MB/s", mine, words("peerPlainFile"), ours?.[way] ?? null, {
        note: joinWords([words("noteTlsCost"), tlsNote, note]),
      }),
    ];
  });
  // A download does the same work as an upload the other way, so it should be as fast. The note
  // gives each round's figures: how much the same code's speed moved within the run.
  // On a virtual machine whose balloon reports free pages, the note also says how much memory
  // went back to the host during each transfer: a round that gave some back ran slower.
  const eachRound = (way: keyof ChatTransfer, show = figure) =>
    byRound.map((t) => t === null ? "-" : show(t[way])).join(", ");
  const wholeMiB = (v: number | null) => v === null ? "-" : Math.round(v).toString();
  const givenBack = byRound.some((t) => t?.uploadGivenBack != null)
    ? words("noteGivenBack", {
      up: eachRound("uploadGivenBack", wholeMiB),
      down: eachRound("downloadGivenBack", wholeMiB),
    })
    : same("");
  const roundFigures = rounds === 1 ? same("") : joinWords([
    words("noteByRound", { up: eachRound("upload"), down: eachRound("download") }),
    givenBack,
  ]);
  const downVsUp = row(
    1,
    words("measureDownload", { size }),
    "MB/s",
    ours?.download ?? null,
    words("peerOurUpload"),
    ours?.upload ?? null,
    {
      target: { on: "ratio", op: ">=", value: 0.95, text: same(">= 0.95x upload") },
      note: joinWords([roundFigures, ourNote]),
    },
  );
  return [
    ...plainRows,
    downVsUp,
    ...cpuRows(ours, plain, shaCpu, joinWords([verifiedMissing, note])),
    ...tlsRows,
  ];
}

/**
 * The failures of a measurement's rounds, as notes: one that happened in every round once, as it
 * is; any other with the round it happened in, since the figure beside it may come from another.
 *
 * @param failures The notes of each round's failures, round by round.
 * @returns The notes.
 */
export function roundNotes(failures: Words[][]): Words[] {
  const rounds = failures.length;
  const inEveryRound = (note: Words) => failures.every((f) => f.some((n) => n.en === note.en));
  return failures.flatMap((f, i) =>
    f.map((note) =>
      rounds === 1 || inEveryRound(note) ? note : words("noteRound", { round: i + 1, rounds, note })
    )
  );
}

/** Bytes hashed to time SHA-256 in the run: long enough to be steady, a fraction of a second. */
const SHA_PROBE_BYTES = 256 * 1024 ** 2;

/**
 * CPU-seconds per GiB, both ends, each way: ours beside the floor of a verified transfer (nc's
 * CPU plus one SHA-256 a side, timed in this run) and beside nc with openssl hashing both ends.
 */
function cpuRows(
  ours: ChatTransfer | null,
  plain: PlainPeers,
  shaCpu: number,
  note: Words,
): Row[] {
  const nc = plain.nc?.cpu ?? null;
  const floor = nc === null ? null : nc + 2 * shaCpu;
  const figures = words("noteFloor", {
    nc: nc === null ? "-" : nc.toFixed(2),
    sha: shaCpu.toFixed(2),
  });
  const measures = { upload: "measureUploadCpu", download: "measureDownloadCpu" } as const;
  return (["upload", "download"] as const).flatMap((way) => {
    const mine = ours?.[`${way}Cpu`] ?? null;
    return [
      row(1, words(measures[way]), "CPU-s/GiB", mine, words("peerFloor"), floor, {
        higherIsBetter: false,
        target: { on: "ratio", op: "<=", value: 1.15, text: same("<= 1.15x floor") },
        note: joinWords([figures, note]),
      }),
      row(
        1,
        words(measures[way]),
        "CPU-s/GiB",
        mine,
        words("peerNcVerified"),
        plain.verified?.cpu ?? null,
        { higherIsBetter: false, note },
      ),
    ];
  });
}

// ---------------------------------------------------------------------------------------------
// 2. LP requests, beside a plain echo of the same size.

/** The echo server, started as its own process like the LP server. */
function startEcho(scope: Scope): Child {
  const [cmd, args] = Deno.build.standalone
    ? [Deno.execPath(), ["--serve-echo"]]
    : taskCommand("bench:echo");
  return scope.spawn("echo server", cmd, [...args, "--port", "0"]);
}

/** Bytes of a time response: the size the echo moves per round trip. */
function timeResponseSize(): number {
  const request = makeFrame(Kind.Request, "T", { id: 1 });
  return encodeFrame(
    makeFrame(Kind.Response, request.type, { id: 1, payload: { time: new Date().toISOString() } }),
  ).length;
}

/** The better of two tries, alternating with the peer's, so that a burst of noise hits both. */
async function bestOf<T>(
  runs: number,
  run: () => Promise<T>,
  better: (a: T, b: T) => T,
): Promise<T> {
  let best: T = await run();
  for (let i = 1; i < runs; i++) best = better(best, await run());
  return best;
}

type Seq = Awaited<ReturnType<typeof echoSequential>>;
type Pipe = Awaited<ReturnType<typeof echoPipelined>>;

/** Sequential round trips, echo and LP: as the processes are placed, then all on one CPU. */
interface SeqPair {
  seqEcho: Seq | null;
  seqLp: Seq | null;
  /** The same, with this process and both servers on one CPU (null when they cannot be). */
  oneCpu: { seqEcho: Seq | null; seqLp: Seq | null } | null;
}

/**
 * Sequential round trips, echo and LP twice each in turn, the faster p50 of each; first as the
 * scheduler places the processes, then again with both servers and this process on one CPU.
 */
async function sequentialPair(
  ctx: Context,
  servers: { lp: Child; echo: Child; lpPort: number; echoPort: number },
  size: number,
  notes: Words[],
): Promise<SeqPair> {
  const { load } = ctx;
  const warm = Math.min(1000, load.sequential);
  const fastest = (a: Seq, b: Seq) => (a.p50Ms ?? Infinity) <= (b.p50Ms ?? Infinity) ? a : b;
  const pick = (a: Seq | null, b: Seq | null) => a && b ? fastest(a, b) : a ?? b;
  const echo = () =>
    attempt("echo", () => echoSequential(servers.echoPort, size, load.sequential, warm), notes);
  const lp = () => attempt("lp", () => lpSequential(servers.lpPort, load.sequential, warm), notes);
  const inTurn = async () => {
    const echo1 = await echo();
    const lp1 = await lp();
    const echo2 = await echo();
    const lp2 = await lp();
    return { seqEcho: pick(echo1, echo2), seqLp: pick(lp1, lp2) };
  };
  ctx.say(text("saySequential"));
  const spread = await inTurn();
  const oneCpu = await onOneCpu([Deno.pid, servers.lp.pid, servers.echo.pid], inTurn);
  if (oneCpu === null) notes.push(ctx.has.taskset ? words("noteCannotPin") : missing("taskset"));
  return { ...spread, oneCpu };
}

/** Pipelined requests from one client (best of two), then from several at once. */
async function pipelinedPair(
  ctx: Context,
  lpPort: number,
  echoPort: number,
  size: number,
  notes: Words[],
): Promise<Record<"pipeEcho" | "pipeLp" | "manyEcho" | "manyLp", Pipe | null>> {
  const { load } = ctx;
  ctx.say(text("sayPipelined", { count: load.pipelined, clients: PIPELINE_CLIENTS }));
  const quicker = (a: Pipe, b: Pipe) => a.perSec >= b.perSec ? a : b;
  const pipeEcho = await attempt(
    "echo pipelined",
    () => bestOf(2, () => echoPipelined(echoPort, size, 1, load.pipelined), quicker),
    notes,
  );
  const pipeLp = await attempt(
    "lp pipelined",
    () => bestOf(2, () => lpPipelined(lpPort, 1, load.pipelined, PIPELINE_WINDOW), quicker),
    notes,
  );
  const manyEcho = await attempt(
    "echo 10 clients",
    () => echoPipelined(echoPort, size, PIPELINE_CLIENTS, load.pipelinedEach),
    notes,
  );
  const manyLp = await attempt(
    "lp 10 clients",
    () => lpPipelined(lpPort, PIPELINE_CLIENTS, load.pipelinedEach, PIPELINE_WINDOW),
    notes,
  );
  return { pipeEcho, pipeLp, manyEcho, manyLp };
}

/** The seed's experiment: a fresh lp-client process times its own burst; the echo's beside it. */
async function seedPair(
  ctx: Context,
  lpPort: number,
  echoPort: number,
  size: number,
  notes: Words[],
): Promise<{ seed: number | null; seedEcho: Pipe | null }> {
  ctx.say(text("saySeed", { count: SEED_REQUESTS }));
  const seed = await attempt("lp-client --repeat", async () => {
    const [ccmd, cargs] = taskCommand("lp-client", [
      "--connect",
      `${HOST}:${lpPort}`,
      "--repeat",
      String(SEED_REQUESTS),
    ]);
    const client = ctx.scope.spawn("lp-client", ccmd, cargs);
    const m = await client.waitFor(/ in ([\d.]+) ms$/, STARTUP_MS);
    await client.exit(5_000);
    return Number(m[1]);
  }, notes);
  const seedEcho = await attempt(
    "echo 100",
    () => echoPipelined(echoPort, size, 1, SEED_REQUESTS),
    notes,
  );
  return { seed, seedEcho };
}

async function lpSection(ctx: Context): Promise<Row[]> {
  const { scope } = ctx;
  const notes: Words[] = [];
  const size = timeResponseSize();
  const [cmd, args] = taskCommand("lp-server", ["--port", "0"]);
  const server = scope.spawn("lp-server", cmd, args);
  const echo = startEcho(scope);
  try {
    const [lpPort, echoPort] = await Promise.all([listeningPort(server), listeningPort(echo)]);
    const seq = await sequentialPair(ctx, { lp: server, echo, lpPort, echoPort }, size, notes);
    const pipe = await pipelinedPair(ctx, lpPort, echoPort, size, notes);
    const seed = await seedPair(ctx, lpPort, echoPort, size, notes);
    const tls = await tlsSequential(ctx, lpPort, notes);
    const note = joinWords(notes);
    return [
      ...sequentialRows(seq, size, note),
      ...pipelinedRows(ctx.load, { ...pipe, ...seed }, size, note),
      tlsRow(tls, note),
    ];
  } finally {
    await Promise.all([server.stop(), echo.stop()]);
  }
}

/**
 * Sequential LP requests over TLS, beside the plain server: a second lp-server with `--tls`,
 * whose certificate (made at its first start, in its storage folder) the client trusts as
 * `--ca`; the plain server and the TLS one in turn, twice, the faster p50 of each.
 */
async function tlsSequential(
  ctx: Context,
  plainPort: number,
  notes: Words[],
): Promise<{ tls: Seq | null; plain: Seq | null }> {
  const { load, scope } = ctx;
  ctx.say(text("sayTls"));
  const folder = join(ctx.work, "lp-tls");
  await Deno.mkdir(folder);
  const [cmd, args] = taskCommand("lp-server", ["--port", "0", "--tls"]);
  const server = scope.spawn("lp-server --tls", cmd, args, { cwd: folder });
  try {
    const port = await listeningPort(server);
    const caFile = join(folder, "storage", "lp-server", CERT_FILE);
    const warm = Math.min(1000, load.sequential);
    const once = (tls: boolean) =>
      attempt(
        tls ? "lp over TLS" : "lp",
        () =>
          tls
            ? lpSequential(port, load.sequential, warm, { caFile })
            : lpSequential(plainPort, load.sequential, warm),
        notes,
      );
    const runs = [await once(false), await once(true), await once(false), await once(true)];
    const fastest = (a: Seq | null, b: Seq | null) =>
      a && b ? ((a.p50Ms ?? Infinity) <= (b.p50Ms ?? Infinity) ? a : b) : a ?? b;
    return { plain: fastest(runs[0], runs[2]), tls: fastest(runs[1], runs[3]) };
  } finally {
    await server.stop();
  }
}

/** What TLS costs a round trip: its p50 as a ratio of the same requests over plain TCP. */
function tlsRow({ tls, plain }: { tls: Seq | null; plain: Seq | null }, note: Words): Row {
  return row(
    2,
    words("measureSeqTlsP50"),
    "ms",
    tls?.p50Ms ?? null,
    words("peerPlainLp"),
    plain?.p50Ms ?? null,
    { higherIsBetter: false, note },
  );
}

function sequentialRows({ seqLp, seqEcho, oneCpu }: SeqPair, size: number, note: Words): Row[] {
  const echoPeer = words("peerEcho", { size });
  return [
    row(
      2,
      words("measureSeqRate"),
      "req/s",
      seqLp?.perSec ?? null,
      echoPeer,
      seqEcho?.perSec ?? null,
      { note },
    ),
    row(
      2,
      words("measureSeqP50"),
      "ms",
      seqLp?.p50Ms ?? null,
      echoPeer,
      seqEcho?.p50Ms ?? null,
      { higherIsBetter: false, note },
    ),
    row(
      2,
      words("measureSeqP50OneCpu"),
      "ms",
      oneCpu?.seqLp?.p50Ms ?? null,
      echoPeer,
      oneCpu?.seqEcho?.p50Ms ?? null,
      {
        higherIsBetter: false,
        target: { on: "ratio", op: "<=", value: 1.25, text: words("targetEcho") },
        note,
      },
    ),
    row(
      2,
      words("measureSeqP99"),
      "ms",
      seqLp?.p99Ms ?? null,
      echoPeer,
      seqEcho?.p99Ms ?? null,
      { higherIsBetter: false, note },
    ),
  ];
}

function pipelinedRows(
  load: Load,
  m: Awaited<ReturnType<typeof pipelinedPair>> & Awaited<ReturnType<typeof seedPair>>,
  size: number,
  note: Words,
): Row[] {
  const writes = words("peerEchoWrites", { size });
  const fast: Target = { on: "ours", op: ">=", value: 150_000, text: same(">= 150k/s") };
  return [
    row(
      2,
      words("measurePipeOne", { count: load.pipelined }),
      "req/s",
      m.pipeLp?.perSec ?? null,
      writes,
      m.pipeEcho?.perSec ?? null,
      { target: load.quick ? null : fast, note },
    ),
    row(
      2,
      words("measurePipeMany", { clients: PIPELINE_CLIENTS, each: load.pipelinedEach }),
      "req/s",
      m.manyLp?.perSec ?? null,
      writes,
      m.manyEcho?.perSec ?? null,
      { note },
    ),
    row(
      2,
      words("measureSeed", { count: SEED_REQUESTS }),
      "ms",
      m.seed,
      words("peerEchoBurst", { size, count: SEED_REQUESTS }),
      m.seedEcho?.elapsedMs ?? null,
      {
        higherIsBetter: false,
        target: { on: "ours", op: "<=", value: 50, text: same("< 50 ms") },
        note: joinWords([words("noteCold"), note]),
      },
    ),
  ];
}

// ---------------------------------------------------------------------------------------------
// 3. Chat fan-out, beside ncat --broker --chat; over WebSocket, beside a Node.js ws broadcast.

/** ncat's broker, the fan-out's peer, on a free port. */
function startNcat(scope: Scope, most: number): { ncat: Child; ncatPort: number } {
  const ncatPort = freePort();
  const ncat = scope.spawn("ncat", "ncat", [
    "--broker",
    "--chat",
    "-l",
    HOST,
    String(ncatPort),
    "--max-conns",
    String(most),
  ]);
  // Not probed: ncat quits if a connection closes before it looks at it. The first
  // client retries until ncat listens.
  return { ncat, ncatPort };
}

/** "Open http://HOST:PORT/ in a browser": where the chat server says its web page is. */
const WEB_OPEN = chatText.pattern("webOpen");

/**
 * The chat server's web port, from the line it prints after the one with its chat port.
 *
 * @param server The chat server, started with `--web-port`.
 * @returns The port of its page and its `/ws`.
 */
async function webPort(server: Child): Promise<number> {
  const m = await server.waitFor(WEB_OPEN, STARTUP_MS);
  return Number(new URL(m.groups!.url).port);
}

/** The WebSocket peer, running or not; when not, the note says why. */
interface WsPeer {
  child: Child | null;
  port: number | null;
  /** The `ws` version it runs on (the pinned one when it does not run). */
  version: string;
  notes: Words[];
}

/**
 * Start the WebSocket peer, ws_broadcast.mjs on the machine's `node`, on a free port of its own
 * choosing, which it prints. Our open-file limit is not raised for it, nor for the crowds: Deno
 * and Node both raise their soft limit to the hard one as they start.
 */
async function startWsPeer(ctx: Context): Promise<WsPeer> {
  const none = (note: Words): WsPeer => ({
    child: null,
    port: null,
    version: WS_VERSION,
    notes: [note],
  });
  if (!ctx.has.node) return none(words("noteMissingNode", { command: WS_INSTALL }));
  if (Deno.build.standalone) return none(words("noteNoWsScript"));
  const child = ctx.scope.spawn("ws broadcast", "node", [WS_PEER_SCRIPT, join(ROOT, PEERS_DIR)]);
  try {
    const port = await listeningPort(child);
    const version = child.lines.map((l) => /^ws (\S+) on Node/.exec(l)?.[1]).find(Boolean) ??
      WS_VERSION;
    ctx.say(text("sayWsPeer", { version, port }));
    const notes = version === WS_VERSION
      ? []
      : [words("noteWsVersion", { version, pinned: WS_VERSION, command: WS_INSTALL })];
    return { child, port, version, notes };
  } catch (err) {
    const { code } = await child.stop();
    if (code === NO_WS) {
      return none(words("noteMissingWs", { dir: PEERS_DIR, command: WS_INSTALL }));
    }
    return none(failed("ws broadcast", err));
  }
}

async function fanoutSection(ctx: Context): Promise<Row[]> {
  const { scope, load, has } = ctx;
  const rows: Row[] = [];
  const most = Math.max(...load.crowds, load.bigCrowd ?? 0) + FANOUT_SENDERS + 10;
  const serverArgs = ["--port", "0", "--max-clients", String(most), "--heartbeat", "600"];
  const [cmd, args] = taskCommand("chat-server", [...serverArgs, "--web-port", "0"]);
  const folder = join(ctx.work, "fanout");
  await Deno.mkdir(folder);
  const server = scope.spawn("chat-server", cmd, args, { cwd: folder });
  // The same server remembering nothing: what storing every message costs the room.
  const [, memoryArgs] = taskCommand("chat-server", [
    ...serverArgs,
    ...["--history", "0", "--auth", "off", "--storage", "storage/server/memory"],
  ]);
  const memory = scope.spawn("chat-server", cmd, memoryArgs, { cwd: folder });
  let ncat: Child | undefined;
  let wsPeer: WsPeer | undefined;
  try {
    const port = await listeningPort(server);
    const memoryPort = await listeningPort(memory);
    const webNotes: Words[] = [];
    const web = await attempt("chat-server --web-port", () => webPort(server), webNotes);
    let ncatPort: number | null = null;
    if (has.ncat) ({ ncat, ncatPort } = startNcat(scope, most));
    wsPeer = await startWsPeer(ctx);
    const tcp: FanoutPair = {
      web: false,
      ours: { dialect: chatDialect, port, what: "chat" },
      peer: { dialect: ncatDialect, port: ncatPort, what: "ncat" },
      peerName: same("ncat --broker --chat"),
      notes: has.ncat ? [] : [missing("ncat")],
    };
    const ws: FanoutPair = {
      web: true,
      ours: { dialect: wsChatDialect, port: web, what: "chat /ws" },
      peer: { dialect: wsBroadcastDialect, port: wsPeer.port, what: "ws" },
      peerName: words("peerWsBroadcast", { version: wsPeer.version }),
      notes: [...webNotes, ...wsPeer.notes],
    };
    for (const n of load.crowds) {
      rows.push(...await fanoutCrowd(ctx, n, tcp));
      rows.push(...await storedCrowd(ctx, n, port, memoryPort));
      rows.push(...await fanoutCrowd(ctx, n, ws));
    }
    if (load.bigCrowd !== null) rows.push(...await bigRoom(ctx, load.bigCrowd, tcp));
    rows.push(await historyJoin(ctx, cmd, serverArgs));
    return rows;
  } finally {
    await Promise.all([server.stop(), memory.stop(), ncat?.stop(), wsPeer?.child?.stop()]);
    await Deno.remove(folder, { recursive: true }).catch(() => {});
  }
}

/**
 * A join's 50 messages of history, with {@linkcode Load.storedMessages} messages stored: the
 * database is made in bulk (one INSERT from a counting query), then a server started on it, and
 * a member joins a few times; the figure is the median from the join request to the 50th
 * replayed message (target: under 5 ms).
 */
async function historyJoin(ctx: Context, cmd: string, serverArgs: string[]): Promise<Row> {
  const count = ctx.load.storedMessages;
  ctx.say(text("sayHistoryJoin", { count }));
  const folder = join(ctx.work, "history");
  const storage = join(folder, "storage", "server");
  await Deno.mkdir(storage, { recursive: true });
  const notes: Words[] = [];
  let server: Child | undefined;
  try {
    ChatDb.open(join(storage, ".chat.db")).close(); // the schema
    const db = new DatabaseSync(join(storage, ".chat.db"));
    db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF");
    db.prepare(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
      INSERT INTO messages (time, kind, from_name, from_key, text)
      SELECT 1700000000000 + i, 'chat', 'bench', 'bench', 'stored message ' || i FROM n`)
      .run(count);
    db.close();
    server = ctx.scope.spawn("chat-server", cmd, taskCommand("chat-server", serverArgs)[1], {
      cwd: folder,
    });
    const port = await listeningPort(server);
    const times: number[] = [];
    for (let i = 0; i < 7; i++) times.push(await timeHistoryJoin(port, `reader${i}`));
    times.sort((a, b) => a - b);
    const ms = times[Math.floor(times.length / 2)];
    return row(3, words("measureHistoryJoin", { count }), "ms", ms, same("-"), null, {
      higherIsBetter: false,
      target: { on: "ours", op: "<=", value: 5, text: same("<= 5 ms") },
      note: joinWords(notes),
    });
  } finally {
    await server?.stop();
    await Deno.remove(folder, { recursive: true }).catch(() => {});
  }
}

/** Milliseconds from a join request to the 50th history message it brings. */
async function timeHistoryJoin(port: number, name: string): Promise<number> {
  const conn = await Deno.connect({ hostname: HOST, port });
  const fc = new FrameConnection(conn);
  try {
    const start = performance.now();
    await fc.write(makeFrame(Kind.Request, "J", { id: 1, payload: { name } }));
    let replayed = 0;
    for (let f = await fc.read(); f !== null; f = await fc.read()) {
      // Every indication before anything else is history: the bulk's lines, and the earlier
      // readers' arrivals and departures.
      if (f.kind === Kind.Indication && ++replayed === 50) {
        return performance.now() - start;
      }
    }
    throw new WordedError(words("noHistory"));
  } finally {
    fc.close();
  }
}

/**
 * One crowd size again, against the server that stores nothing: the stored room's p99 and
 * deliveries/s as a ratio of the in-memory room's (target: at least 0.8 of its speed).
 */
async function storedCrowd(
  ctx: Context,
  n: number,
  port: number,
  memoryPort: number,
): Promise<Row[]> {
  const notes: Words[] = [];
  const latency = (p: number) => fanoutLatency(chatDialect, p, n, FANOUT_RATE, ctx.load.fanoutMs);
  const rate = (p: number) => fanoutRate(chatDialect, p, n, FANOUT_SENDERS, ctx.load.fanoutMs);
  ctx.say(text("sayStored", { clients: n }));
  const stored = await attempt("stored latency", () => latency(port), notes);
  const memory = await attempt("memory latency", () => latency(memoryPort), notes);
  const storedRate = await attempt("stored rate", () => rate(port), notes);
  const memoryRate = await attempt("memory rate", () => rate(memoryPort), notes);
  const peer = words("peerInMemory");
  const note = joinWords(notes);
  return [
    row(
      3,
      words("measureStoredP99", { clients: n }),
      "ms",
      stored?.p99Ms ?? null,
      peer,
      memory?.p99Ms ?? null,
      {
        higherIsBetter: false,
        target: { on: "ratio", op: "<=", value: 1.25, text: same("<= 1.25x") },
        note,
      },
    ),
    row(
      3,
      words("measureStoredRate", { clients: n, senders: FANOUT_SENDERS }),
      "/s",
      storedRate?.perSec ?? null,
      peer,
      memoryRate?.perSec ?? null,
      {
        target: { on: "ratio", op: ">=", value: 0.8, text: same(">= 0.8x") },
        note,
      },
    ),
  ];
}

/** One side of a fan-out comparison: how its members speak, and where. */
interface FanoutSide {
  dialect: Dialect;
  /** Its port; null when it is not running (the notes say why). */
  port: number | null;
  /** How a failure names it, such as `ncat`. */
  what: string;
}

/** A fan-out comparison: our server beside a peer, under the same load from the same code. */
interface FanoutPair {
  /** Over WebSocket (the rows' own words), or over TCP. */
  web: boolean;
  ours: FanoutSide;
  peer: FanoutSide;
  /** The peer as the table names it. */
  peerName: Words;
  /** What is known before measuring, such as a missing peer. */
  notes: Words[];
}

/** One crowd size: latency from one paced sender, then the rate from several flat out. */
async function fanoutCrowd(ctx: Context, n: number, pair: FanoutPair): Promise<Row[]> {
  const { load } = ctx;
  const notes = [...pair.notes];
  const run = <T>(side: FanoutSide, what: string, f: (d: Dialect, p: number) => Promise<T>) => {
    const { dialect, port } = side;
    return port === null
      ? Promise.resolve(null)
      : attempt(`${side.what} ${what}`, () => f(dialect, port), notes);
  };
  ctx.say(text(pair.web ? "sayWsFanout" : "sayFanout", { clients: n, rate: FANOUT_RATE }));
  const latency = (d: Dialect, p: number) => fanoutLatency(d, p, n, FANOUT_RATE, load.fanoutMs);
  const ours = await run(pair.ours, "latency", latency);
  const theirs = await run(pair.peer, "latency", latency);
  const rateLine = pair.web ? "sayWsFanoutRate" : "sayFanoutRate";
  ctx.say(text(rateLine, { clients: n, senders: FANOUT_SENDERS }));
  const rate = (d: Dialect, p: number) => fanoutRate(d, p, n, FANOUT_SENDERS, load.fanoutMs);
  const oursRate = await run(pair.ours, "rate", rate);
  const theirsRate = await run(pair.peer, "rate", rate);
  for (const [who, r] of [[words("noteOurs"), ours], [same(pair.peer.what), theirs]] as const) {
    if (r && r.deliveries < r.expected) {
      const lost = { missing: r.expected - r.deliveries, expected: r.expected };
      notes.push(words("noteLost", { who, ...lost }));
    }
  }
  return fanoutRows(n, pair, { ours, theirs, oursRate, theirsRate }, joinWords(notes));
}

/**
 * The large room: {@linkcode BIG_RATE} msg/s from one sender to `n` members, every
 * {@linkcode BIG_SAMPLE}th of them timed, on our server and on ncat; p50 and p99.
 */
async function bigRoom(ctx: Context, n: number, pair: FanoutPair): Promise<Row[]> {
  const notes = [...pair.notes];
  ctx.say(text("sayBigFanout", { clients: n, rate: BIG_RATE, timed: Math.ceil(n / BIG_SAMPLE) }));
  const latency = (side: FanoutSide) =>
    side.port === null ? Promise.resolve(null) : attempt(
      `${side.what} latency`,
      () => fanoutLatency(side.dialect, side.port!, n, BIG_RATE, ctx.load.fanoutMs, BIG_SAMPLE),
      notes,
    );
  const ours = await latency(pair.ours);
  // Not tried: joining ncat one at a time up to its limit took 8 s, and then it stalls.
  const fits = n < NCAT_MOST - FANOUT_SENDERS;
  if (!fits && pair.peer.port !== null) notes.push(words("noteNcatSelect", { most: NCAT_MOST }));
  const theirs = fits ? await latency(pair.peer) : null;
  for (const [who, r] of [[words("noteOurs"), ours], [same(pair.peer.what), theirs]] as const) {
    if (r && r.deliveries < r.expected) {
      notes.push(
        words("noteLost", { who, missing: r.expected - r.deliveries, expected: r.expected }),
      );
    }
  }
  const note = joinWords([
    words("noteSampled", { every: BIG_SAMPLE, timed: Math.ceil(n / BIG_SAMPLE) }),
    ...notes,
  ]);
  const at = { clients: n, rate: BIG_RATE };
  return [
    row(
      3,
      words("measureBigP50", at),
      "ms",
      ours?.p50Ms ?? null,
      pair.peerName,
      theirs?.p50Ms ?? null,
      {
        higherIsBetter: false,
        note,
      },
    ),
    row(
      3,
      words("measureBigP99", at),
      "ms",
      ours?.p99Ms ?? null,
      pair.peerName,
      theirs?.p99Ms ?? null,
      {
        higherIsBetter: false,
        target: { on: "ratio", op: "<=", value: 1, text: same(`<= ${pair.peer.what}`) },
        note,
      },
    ),
  ];
}

/** The three rows of one crowd size: p50 and p99 from the paced sender, and the rate. */
function fanoutRows(
  n: number,
  pair: FanoutPair,
  m: {
    ours: FanoutLatency | null;
    theirs: FanoutLatency | null;
    oursRate: FanoutRate | null;
    theirsRate: FanoutRate | null;
  },
  note: Words,
): Row[] {
  const peer = pair.peerName;
  const short = pair.peer.what;
  const { web } = pair;
  const clients = { clients: n };
  const measures = {
    p50: words(web ? "measureWsP50" : "measureFanP50", clients),
    p99: words(web ? "measureWsP99" : "measureFanP99", clients),
    rate: words(web ? "measureWsRate" : "measureFanRate", { ...clients, senders: FANOUT_SENDERS }),
  };
  return [
    row(3, measures.p50, "ms", m.ours?.p50Ms ?? null, peer, m.theirs?.p50Ms ?? null, {
      higherIsBetter: false,
      note,
    }),
    row(3, measures.p99, "ms", m.ours?.p99Ms ?? null, peer, m.theirs?.p99Ms ?? null, {
      higherIsBetter: false,
      target: { on: "ratio", op: "<=", value: 1, text: same(`<= ${short}`) },
      note,
    }),
    row(3, measures.rate, "/s", m.oursRate?.perSec ?? null, peer, m.theirsRate?.perSec ?? null, {
      target: { on: "ratio", op: ">=", value: 1, text: same(`>= ${short}`) },
      note,
    }),
  ];
}

// ---------------------------------------------------------------------------------------------
// 4. Idle memory and heartbeat lag, beside the echo server holding the same connections.

/** What one server showed in section 4. */
interface Crowded {
  emptyKiB: number;
  fullKiB: number;
  /** The probe's round trips with no crowd. */
  alone: Probe;
  /** The same probe's, with the crowd heartbeating. */
  crowded: Probe;
  /** Members the server closed before the end. */
  dropped: number;
}

/**
 * The probe's round trips, timed from a process of its own: this program again, with `--probe`.
 * This process holds the crowd, 10,000 connections each with a read in flight, and its garbage
 * collections stop it for 10 to 35 ms at a time: a probe timed here counted those pauses as
 * the server's lag.
 *
 * @param scope Stops the probe if the benchmark is interrupted.
 * @param chat Whether the server is our chat server (else the echo server).
 * @param port The server.
 * @param durationMs How long to probe.
 * @returns p99 and largest round trip.
 */
async function probeApart(
  scope: Scope,
  chat: boolean,
  port: number,
  durationMs: number,
): Promise<Probe> {
  const request: ProbeRequest = {
    chat,
    port,
    durationMs,
    periodMs: PROBE_PERIOD_MS,
    name: probeName(),
  };
  const args = ["--probe", JSON.stringify(request)];
  // Compiled, the benchmark is one executable: it runs itself, as it does for the echo server.
  const [cmd, cmdArgs] = Deno.build.standalone
    ? [Deno.execPath(), args]
    : taskCommand("bench", args);
  const child = scope.spawn("probe", cmd, cmdArgs);
  const waitMs = durationMs + STARTUP_MS;
  const status = await child.exit(waitMs);
  if (status.signal === "SIGKILL") throw new WordedError(words("probeTimedOut", { ms: waitMs }));
  const last = child.lines.at(-1) ?? "";
  if (!status.success) {
    const said = child.errors.slice(-2).join(" ");
    throw said ? new Error(said) : new WordedError(words("exitCode", { code: status.code }));
  }
  const reply = parseReply(last);
  if (reply === null) throw new WordedError(words("probeBadReply", { line: last.slice(0, 80) }));
  if ("probe" in reply) return reply.probe;
  throw "said" in reply ? new WordedError(reply.said) : new Error(reply.message);
}

/** The probe's line of JSON, or null if it is not one. */
function parseReply(line: string): ProbeReply | null {
  try {
    const reply = JSON.parse(line);
    const known = typeof reply === "object" && reply !== null &&
      ("probe" in reply || "said" in reply || "message" in reply);
    return known ? reply : null;
  } catch {
    return null;
  }
}

/**
 * A server's resident memory with no clients, then with `count` idle members heartbeating at
 * the chat client's default interval; and a probe's round trips before and with them.
 */
async function idleMemory(
  ctx: Context,
  server: Child,
  dialect: Dialect | null,
  count: number,
): Promise<Crowded> {
  const { load } = ctx;
  const port = await listeningPort(server);
  const probe = () => probeApart(ctx.scope, dialect !== null, port, load.probeMs);
  await sleep(SETTLE_MS);
  const emptyKiB = await residentKiB(server.pid);
  const alone = await probe();
  const crowd = await idleCrowd(dialect, port, count, DEFAULT_HEARTBEAT_SECONDS * 1000);
  try {
    await sleep(SETTLE_MS);
    const fullKiB = await residentKiB(server.pid);
    if (emptyKiB === null || fullKiB === null) throw new WordedError(words("noMemory"));
    const crowded = await probe();
    return { emptyKiB, fullKiB, alone, crowded, dropped: crowd.dropped() };
  } finally {
    await crowd.close();
  }
}

async function memorySection(ctx: Context): Promise<Row[]> {
  const { scope, load } = ctx;
  const notes: Words[] = [];
  const n = load.idleClients;
  ctx.say(text("sayMemory", { clients: n, seconds: DEFAULT_HEARTBEAT_SECONDS }));
  const folder = join(ctx.work, "memory");
  await Deno.mkdir(folder);
  // The default heartbeat interval, as a real room runs: members that miss three are dropped.
  const [cmd, args] = taskCommand("chat-server", ["--port", "0", "--max-clients", String(n + 10)]);
  const chat = scope.spawn("chat-server", cmd, args, { cwd: folder });
  const ours = await attempt("chat memory", () => idleMemory(ctx, chat, chatDialect, n), notes)
    .finally(() => chat.stop());
  await Deno.remove(folder, { recursive: true }).catch(() => {});
  ctx.say(text("sayMemoryEcho", { clients: n }));
  const echo = startEcho(scope);
  const theirs = await attempt("echo memory", () => idleMemory(ctx, echo, null, n), notes)
    .finally(() => echo.stop());
  for (const [who, m] of [[words("noteOurs"), ours], [words("peerEchoServer"), theirs]] as const) {
    if (m?.dropped) notes.push(words("noteDropped", { who, dropped: m.dropped, clients: n }));
  }
  const perClient = (m: typeof ours) => m ? ((m.fullKiB - m.emptyKiB) * 1024) / n : null;
  const mib = (kib: number | undefined) => kib === undefined ? null : kib / 1024;
  const note = joinWords(notes);
  const peer = words("peerEchoServer");
  return [
    row(
      4,
      words("measureRssEmpty"),
      "MiB",
      mib(ours?.emptyKiB),
      peer,
      mib(theirs?.emptyKiB),
      { higherIsBetter: false, note },
    ),
    row(
      4,
      words("measureRssFull", { clients: n }),
      "MiB",
      mib(ours?.fullKiB),
      peer,
      mib(theirs?.fullKiB),
      { higherIsBetter: false, note },
    ),
    row(4, words("measurePerClient"), "B", perClient(ours), peer, perClient(theirs), {
      higherIsBetter: false,
      target: { on: "ours", op: "<=", value: 32 * 1024, text: same("<= 32 KiB") },
      note,
    }),
    ...lagRows(n, ours, theirs, note),
  ];
}

/**
 * The crowd's cost in the probe's round trip: its p99 and its largest, each less the same
 * figure with no crowd (none below zero), for us and for the echo server.
 */
function lagRows(n: number, ours: Crowded | null, theirs: Crowded | null, note: Words): Row[] {
  const lag = (m: Crowded | null, key: "p99Ms" | "maxMs") => {
    const [crowded, alone] = [m?.crowded[key], m?.alone[key]];
    return crowded == null || alone == null ? null : Math.max(0, crowded - alone);
  };
  const said = (m: Crowded | null) =>
    m === null ? same("") : words("noteProbe", {
      aloneP99: figure(m.alone.p99Ms),
      crowdP99: figure(m.crowded.p99Ms),
      aloneMax: figure(m.alone.maxMs),
      crowdMax: figure(m.crowded.maxMs),
    });
  const rowNote = joinWords([
    joinWords([words("noteOurs"), said(ours)], same(": ")),
    joinWords([words("peerEchoServer"), said(theirs)], same(": ")),
    note,
  ]);
  const peer = words("peerEchoServer");
  const five: Target = { on: "ours", op: "<=", value: 5, text: same("<= 5 ms") };
  return [
    row(
      4,
      words("measureLagP99", { clients: n }),
      "ms",
      lag(ours, "p99Ms"),
      peer,
      lag(theirs, "p99Ms"),
      {
        higherIsBetter: false,
        target: five,
        note: rowNote,
      },
    ),
    row(
      4,
      words("measureLagMax", { clients: n }),
      "ms",
      lag(ours, "maxMs"),
      peer,
      lag(theirs, "maxMs"),
      {
        higherIsBetter: false,
        note: rowNote,
      },
    ),
  ];
}

// ---------------------------------------------------------------------------------------------
// 5. The concurrency models, through compare-servers.

interface CompareRow {
  model: string;
  clients: number;
  roundTripsPerSec: number;
  p99Ms: number | null;
  peakMemoryMiB: number | null;
  note: string;
}

async function modelsSection(ctx: Context): Promise<Row[]> {
  const { scope, load } = ctx;
  ctx.say(text("sayModels"));
  const notes: Words[] = [];
  const rows = await attempt("compare-servers", async () => {
    const [cmd, args] = taskCommand("compare-servers", [...load.compareArgs, "--json"]);
    const child = scope.spawn("compare-servers", cmd, args);
    const status = await child.exit(300_000);
    if (!status.success) {
      const said = child.errors.slice(-2).join(" ");
      throw said ? new Error(said) : new WordedError(words("exitCode", { code: status.code }));
    }
    return JSON.parse(child.lines.join("\n")).rows as CompareRow[];
  }, notes);
  if (rows === null || rows.length === 0) {
    return [row(5, words("measureModels"), "/s", null, words("peerConcurrent"), null, {
      note: joinWords(notes),
    })];
  }
  const most = Math.max(...rows.map((r) => r.clients));
  const atMost = rows.filter((r) => r.clients === most);
  const base = atMost.find((r) => r.model === "concurrent") ?? null;
  return atMost.map((r) =>
    row(
      5,
      words("measureModel", { model: r.model, clients: most }),
      "/s",
      r.roundTripsPerSec,
      words("peerConcurrent"),
      base?.roundTripsPerSec ?? null,
      {
        note: joinWords([
          same(`p99 ${r.p99Ms === null ? "-" : r.p99Ms.toFixed(2)} ms`),
          r.peakMemoryMiB === null ? same("") : words("notePeak", {
            mib: r.peakMemoryMiB.toFixed(0),
          }),
          same(r.note), // compare-servers' own, in English: it is started with --lang en
        ], words("noteComma")),
      },
    )
  );
}

// ---------------------------------------------------------------------------------------------
// The run, the table, the JSON.

/** Every section, in order. */
const SECTIONS = [fileSection, lpSection, fanoutSection, memorySection, modelsSection];

/**
 * Run the benchmark.
 *
 * @param scope Where children and the work folder are registered, for cleanup.
 * @param load The load.
 * @param say Where progress goes.
 * @param only The sections to run, 1 to 5 (default all).
 * @returns The rows, in table order.
 */
export async function runBench(
  scope: Scope,
  load: Load,
  say: (text: string) => void,
  only: readonly number[] = [1, 2, 3, 4, 5],
): Promise<Row[]> {
  await Deno.mkdir(WORK_ROOT, { recursive: true });
  const work = Deno.realPathSync(await Deno.makeTempDir({ dir: WORK_ROOT, prefix: "run-" }));
  scope.removeLater(work);
  const [nc, socat, ncat, node, openssl, taskset] = await Promise.all(
    ["nc", "socat", "ncat", "node", "openssl", "taskset"].map(hasCommand),
  );
  const has = { nc, socat, ncat, node, openssl, taskset };
  const ctx: Context = { scope, work, load, say, has };
  const rows: Row[] = [];
  for (const [i, section] of SECTIONS.entries()) {
    if (only.includes(i + 1)) rows.push(...await section(ctx));
  }
  return rows;
}

function figure(v: number | null): string {
  if (v === null) return "-";
  const a = Math.abs(v);
  if (a >= 10_000) return `${(v / 1000).toFixed(0)}k`;
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a > 0 && a < 0.1) return v.toPrecision(2); // a round trip of 0.028 ms, not 0.03
  return v.toFixed(2);
}

/**
 * The rows as a plain-text table in the program's language, its columns lined up by display
 * width: a Chinese heading or note takes two columns a character.
 *
 * @param rows The rows.
 * @returns The table, numbers right-aligned.
 */
export function formatTable(rows: readonly Row[]): string {
  const l = lang();
  const headings = [
    "colSection",
    "colMeasure",
    "colOurs",
    "colPeer",
    "colPeerValue",
    "colRatio",
    "colTarget",
    "colMet",
    "colNote",
  ] as const;
  const header = headings.map((key) => text(key));
  const cells = rows.map((r) => [
    String(r.section),
    r.measure[l],
    figure(r.ours),
    r.peer[l],
    figure(r.peerValue),
    r.ratio === null ? "-" : `${r.ratio.toFixed(2)}x`,
    r.target?.text[l] ?? "",
    r.met === null ? "" : text(r.met ? "metYes" : "metNo"),
    r.note[l],
  ]);
  const right = new Set([2, 4, 5]);
  const widths = header.map((h, i) =>
    Math.max(displayWidth(h), ...cells.map((c) => displayWidth(c[i])))
  );
  const line = (c: string[]) =>
    c.map((v, i) => right.has(i) ? padStartToWidth(v, widths[i]) : padEndToWidth(v, widths[i]))
      .join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}

/** The `--help` text, in the program's language. */
const usage = () => text("benchUsage", { work: WORK_ROOT, install: WS_INSTALL });

/** The figures the command line asks for. */
interface BenchFlags {
  load: Load;
  jsonPath: string | undefined;
  only: number[];
}

/** Read the flags; a bad size or section list is a usage error, said in one line. */
function readFlags(
  values: { size?: string; quick: boolean; json?: string; only: string },
): BenchFlags {
  const size = values.size === undefined ? DEFAULT_SIZE : parseByteSize(values.size);
  if (size < 1 || size > 64 * 1024 ** 3) {
    throw new UsageError(text("benchBadSize", { value: values.size ?? "" }));
  }
  const load = loadFor(values.quick, values.quick && values.size === undefined ? QUICK_SIZE : size);
  const only = values.only.split(",").map((v) => {
    const n = Number(v.trim());
    if (!Number.isInteger(n) || n < 1 || n > SECTIONS.length) {
      throw new UsageError(text("benchBadOnly", { value: values.only }));
    }
    return n;
  });
  return { load, jsonPath: values.json, only };
}

function fail(message: string, code = 1): never {
  console.error(`bench: ${message}`);
  Deno.exit(code);
}

if (import.meta.main) {
  if (Deno.args[0] === "--probe") {
    // Section 4's probe, in a process of its own (probeApart); only the benchmark reads its line.
    const request: ProbeRequest = JSON.parse(Deno.args[1]);
    console.log(JSON.stringify(await probeReply(request)));
    Deno.exit(0);
  }
  if (Deno.args[0] === "--serve-echo") {
    // Compiled, the benchmark has no separate echo script to run: it is its own echo server.
    // Only the benchmark reads its line, by the English wording.
    const listener = Deno.listen({ hostname: HOST, port: 0 });
    Deno.addSignalListener("SIGINT", () => Deno.exit(0));
    const address = `${HOST}:${(listener.addr as Deno.NetAddr).port}`;
    console.log(cliText.in("en", "listening", { address }));
    await serveEcho(listener).catch(() => {});
    Deno.exit(0);
  }
  const parsed = parseProgramFlags({
    name: "bench",
    usage,
    args: Deno.args,
    options: {
      size: { type: "string" },
      quick: { type: "boolean", default: false },
      json: { type: "string" },
      only: { type: "string", default: "1,2,3,4,5" },
    },
    read: readFlags,
    log: console.log,
    error: console.error,
  });
  if ("exitCode" in parsed) Deno.exit(parsed.exitCode);
  const { load, jsonPath, only } = parsed.flags;

  const scope = new Scope(() => {
    console.error(`bench: ${text("benchInterrupted")}`);
    Deno.exit(130);
  });
  const say = (line: string) => console.error(line);
  let rows: Row[];
  try {
    rows = await runBench(scope, load, say, only);
  } catch (err) {
    await scope[Symbol.asyncDispose]();
    fail(errorMessage(err, text("benchFailed")));
  }
  await scope[Symbol.asyncDispose]();
  await Deno.remove(WORK_ROOT).catch(() => {}); // only if empty: another run may be using it
  const cpus = navigator.hardwareConcurrency;
  const mode = text(load.quick ? "benchQuickMode" : "benchFullRun");
  console.log(`${text("benchHeader", { cpus, deno: Deno.version.deno, mode })}\n`);
  console.log(formatTable(rows));
  if (jsonPath !== undefined) {
    // The JSON is for programs: its keys and its words are the same in every language.
    const report: Report = {
      date: new Date().toISOString(),
      machine: { os: Deno.build.os, arch: Deno.build.arch, cpus, deno: Deno.version.deno },
      command: ["deno task bench", ...Deno.args].join(" "),
      load,
      rows: rows.map((r) => rowIn(r, "en")),
    };
    try {
      await Deno.writeTextFile(jsonPath, JSON.stringify(report, null, 2) + "\n");
    } catch (err) {
      fail(errorMessage(err, text("benchCannotWrite", { path: jsonPath })));
    }
  }
  Deno.exit(0);
}
