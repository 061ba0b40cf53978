/**
 * Lab 2.3: concurrent servers — real OS threads, a pool of Web Workers.
 *
 * One event loop runs one handler at a time; CPU-heavy handlers need more threads. A Web Worker
 * is an OS thread with its own event loop, but Deno cannot pass a socket from one thread to
 * another. So instead of one thread accepting for all, every worker opens its own listener on
 * the SAME port with SO_REUSEPORT (Linux; needs `--unstable-net`), and the kernel spreads new
 * connections among them. Each worker serves its clients as tcp_server_concurrent does, and
 * every reply names the worker, so you can watch the spreading.
 *
 * SO_REUSEPORT would also let our workers join a group already listening on the port, such as a
 * second copy of this server, and start without a word. So the main thread first binds the
 * port WITHOUT it, as a probe: that fails if anyone holds the port, and with `--port 0` it picks
 * the free port that every worker then binds. (A program started later that sets SO_REUSEPORT
 * on the same port can still join our group; the probe only checks who was there first.)
 *
 * Elsewhere (macOS, Windows) SO_REUSEPORT does not spread connections, so the fallback is ONE
 * worker that listens and serves everyone: correct, still off the main thread, but with no
 * parallelism. (The alternative, the main thread proxying bytes to workers, was left out: it
 * puts every byte through one thread, the bottleneck threads were meant to remove.)
 *
 * Threads that share state need what one event loop never does. With `--max-clients N` at most
 * N clients are served by all workers together, and the one beyond is told the server is full,
 * as `tcp_server_pool_reject` tells it. That server keeps a plain `busy` count: its tasks take
 * turns on one thread, so "is there room? take it" is one step nothing can interrupt. Here two
 * threads run at the same instant, and both can see 4 of 5 taken and both take the fifth. So
 * the count lives in a `SharedArrayBuffer`, and a compare-and-swap (`Atomics.compareExchange`)
 * takes a place only if nobody changed the count in between: lock-free, for one number. The
 * list of connected addresses that the log prints is several cells that change together, so it
 * is changed under a mutex built on `Atomics.wait`/`Atomics.notify` (lib/concurrency/). Only the
 * workers take it: a waiting thread sleeps, and the main thread must not.
 *
 * Run it:   deno task tcp-server-workers [--workers N] [--max-clients N] [--port 15010]
 * Try it: several `nc 127.0.0.1 15010` sessions; the replies say which worker answered. With
 *   `--max-clients 2`, the third session is told the server is full, whichever worker got it.
 *
 * @module
 */

import { errorMessage } from "../../lib/cli/cli.ts";
import { cliText } from "../../lib/cli/text.ts";
import { lang } from "../../lib/cli/i18n.ts";
import { concurrencyText as text } from "../../lib/concurrency/text.ts";
import type { Log, Work } from "../../lib/net/line_server.ts";
import { runServerMain } from "../../lib/net/server_main.ts";
import { lineServerFlags, serverOptionsHelp } from "../../lib/cli/server_cli.ts";
import { MAX_WORKERS } from "../../lib/cli/server_cli.ts";
import { SharedLimit } from "../../lib/concurrency/shared_limit.ts";
import { SharedList } from "../../lib/concurrency/shared_list.ts";
import type { SharedState, StartMessage, ToMain, ToWorker } from "./_tcp_worker.ts";

/** Not a seed port: the seed has no worker model. The next free one after pool-reject's. */
export const DEFAULT_PORT = 15010;

/** One thread per core: more threads than cores only take turns. */
export const DEFAULT_WORKERS = Math.max(1, navigator.hardwareConcurrency ?? 1);

/** Threads are not free (a stack each); a typo must not start a thousand of them. */
export const MAX_THREADS = 64;

/**
 * How long workers get to say goodbye to their clients on shutdown before they are terminated.
 * Goodbyes are one short write each; a worker still busy after this is stuck.
 */
export const STOP_DEADLINE_MS = 5000;

/** Whether this platform spreads connections among listeners on one port. */
export const SHARES_PORT = Deno.build.os === "linux";

const WORKER_URL = new URL("./_tcp_worker.ts", import.meta.url);

/** The `--help` text, in the user's language. */
function usage(): string {
  const options = serverOptionsHelp({
    port: DEFAULT_PORT,
    workers: DEFAULT_WORKERS,
    workersMeaning: text("workersMeaning"),
    extra: [text("maxClientsFlag", { max: MAX_WORKERS })],
  });
  return text("workersUsage", { options });
}

/** What {@linkcode startWorkers} needs. */
export interface WorkersOptions {
  hostname: string;
  /** 0 picks a free port, shared by all workers. */
  port: number;
  /** Worker threads (forced to 1 where the port cannot be shared). */
  workers: number;
  /** Aborting it tells every client goodbye, stops every worker and resolves `stopped`. */
  signal?: AbortSignal;
  /** Where the workers' log lines go (default `console.log`). */
  log?: Log;
  work?: Work;
  maxLineBytes?: number;
  /** Most clients served at once by all workers together (default no limit). */
  maxClients?: number;
}

/** Workers that are listening. */
export interface RunningWorkers {
  /** The address every worker listens on. */
  addr: Deno.NetAddr;
  /** How many workers listen. */
  count: number;
  /** Resolves when every worker has stopped and been terminated. */
  stopped: Promise<void>;
}

interface WorkerHandle {
  /** The port the worker listens on, once it does. */
  listening: Promise<number>;
  /** Ask it to stop; resolves when it has, or at the deadline; it is terminated either way. */
  stop(): Promise<void>;
}

/**
 * Start the worker threads, each listening on the same port, and serve until aborted.
 *
 * @param options Where to listen, how many workers, the shutdown signal, the log and the work.
 * @returns Once every worker listens: the address, the count, and a promise for the end.
 * @throws {Error} When the port is taken or a worker cannot listen, as the error it got (such
 *   as `AddrInUse`); the workers already started are stopped first.
 */
export async function startWorkers(options: WorkersOptions): Promise<RunningWorkers> {
  const { hostname, signal, log = console.log } = options;
  const count = SHARES_PORT ? options.workers : 1;
  // The probe: without SO_REUSEPORT this bind fails if anyone listens on the port, even a
  // group that set SO_REUSEPORT. Closed at once; the workers bind the port it got.
  const probe = Deno.listen({ hostname, port: options.port });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const shared = options.maxClients ? sharedState(options.maxClients) : undefined;
  const handles: WorkerHandle[] = [];
  const stopAll = () => Promise.all(handles.map((h) => h.stop())).then(() => {});
  const start = (id: number) => {
    const message: StartMessage = {
      ...options,
      type: "start",
      id,
      port,
      reusePort: SHARES_PORT,
      shared,
      lang: lang(),
    };
    const handle = spawnWorker(message, log);
    handles.push(handle);
    return handle.listening;
  };
  try {
    const all = [];
    for (let id = 1; id <= count; id++) all.push(start(id));
    await Promise.all(all);
  } catch (err) {
    await stopAll();
    throw err;
  }
  const stopped = new Promise<void>((resolve) => {
    const onAbort = () => stopAll().then(resolve);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
  });
  return { addr: { transport: "tcp", hostname, port }, count, stopped };
}

/** The memory every worker shares for `--max-clients`: a count and a list, both empty. */
function sharedState(maxClients: number): SharedState {
  const count = new SharedLimit(maxClients).buffer;
  const clients = new SharedList(maxClients).buffer;
  return { maxClients, count, clients };
}

function spawnWorker(start: StartMessage, log: Log): WorkerHandle {
  const worker = new Worker(WORKER_URL, { type: "module", name: `worker ${start.id}` });
  const listening = Promise.withResolvers<number>();
  const stopped = Promise.withResolvers<void>();
  let started = false;
  // Before listening, a failure fails the start and the caller reports it, in one line; after,
  // it is one worker's accept loop failing, and only the log can tell.
  const failed = (err: Error, what: "workerFailed" | "workerCrashed") => {
    if (started) log(errorMessage(err, text(what, { id: start.id })));
    else listening.reject(err);
    stopped.resolve();
  };
  worker.onmessage = ({ data }: MessageEvent<ToMain>) => {
    if (data.type === "listening") {
      started = true;
      listening.resolve(data.port);
    } else if (data.type === "log") log(data.line);
    else if (data.type === "stopped") stopped.resolve();
    else failed(toError(data), "workerFailed");
  };
  worker.onerror = (event) => {
    event.preventDefault(); // an error in one worker must not end the whole server
    failed(new Error(event.message), "workerCrashed");
  };
  worker.postMessage(start satisfies ToWorker);

  let stopping: Promise<void> | undefined;
  return {
    listening: listening.promise,
    stop() {
      stopping ??= (async () => {
        worker.postMessage({ type: "stop" } satisfies ToWorker);
        let timer: ReturnType<typeof setTimeout> | undefined;
        const deadline = new Promise<void>((resolve) =>
          timer = setTimeout(resolve, STOP_DEADLINE_MS)
        );
        await Promise.race([stopped.promise, deadline]);
        clearTimeout(timer);
        worker.terminate();
      })();
      return stopping;
    },
  };
}

/** `--max-clients`: absent for no limit, else a whole number from 1 to `MAX_WORKERS`. */
function parseMaxClients(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d{1,6}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= MAX_WORKERS)) {
    throw new RangeError(
      cliText("badWhole", { flag: "--max-clients", text: value, min: 1, max: MAX_WORKERS }),
    );
  }
  return n;
}

/** Rebuild a worker's error with its class, so `errorMessage` words it as for the main thread. */
function toError({ name, message }: { name: string; message: string }): Error {
  const classes = Deno.errors as unknown as Record<string, ErrorConstructor | undefined>;
  const ErrorClass = classes[name] ?? Error;
  return new ErrorClass(message);
}

if (import.meta.main) {
  const line = lineServerFlags({ port: DEFAULT_PORT, workers: DEFAULT_WORKERS });
  const options = { ...line.options, "max-clients": { type: "string" } } as const;
  Deno.exit(
    await runServerMain({
      name: "tcp_server_workers",
      usage,
      args: Deno.args,
      options,
      read: (values) => {
        const flags = line.read(values);
        if (flags.workers! > MAX_THREADS) {
          throw new RangeError(text("tooManyThreads", { n: flags.workers!, max: MAX_THREADS }));
        }
        return { ...flags, maxClients: parseMaxClients(values["max-clients"]) };
      },
      // Each worker binds its own socket; the shutdown signal stops them all.
      listen: ({ host, port, workers, work, maxClients }, signal) =>
        startWorkers({ hostname: host, port, workers: workers!, work, maxClients, signal }),
      describe: ({ maxClients }, running) =>
        (SHARES_PORT ? text("sharePort", { count: running.count }) : text("oneWorker")) +
        (maxClients ? text("atMostAcross", { max: maxClients }) : ""),
      serve: (running) => running.stopped,
      log: console.log,
      error: console.error,
    }),
  );
}
