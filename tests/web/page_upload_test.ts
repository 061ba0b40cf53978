/**
 * A 1 GiB file through the page, both ways, in real Chromium against the real chat-server
 * (started with exactly its task's flags): the page uploads it over its WebSocket and the
 * server stores it byte-identical while its resident memory grows by less than 64 MiB; then
 * the page downloads it over HTTP, byte-identical again.
 *
 * It also prints, one line each, what the issue asks to report: the upload's and the
 * download's MB/s on loopback, the server's peak memory growth during each, and the page's
 * peak memory (its JavaScript heap, and its renderer process's peak resident memory).
 *
 * Nothing waits for time to pass: each step waits for what a user would see, bounded by
 * {@linkcode TRANSFER_MS}. Memory is sampled on a timer while the transfer runs, which only
 * measures; it never decides when a step goes on.
 *
 * @module
 */

import { equal, match, ok } from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { writeAll } from "../../lib/wire/bytes.ts";
import { serverStorage, type TempDir, tempDir } from "../_chat.ts";
import { Program } from "../_task.ts";
import {
  type Browser,
  closeBrowser,
  hasChromium,
  launchBrowser,
  NO_CHROMIUM,
  openTab,
  type Page,
  type Tab,
} from "./_browser.ts";

if (!hasChromium) console.log(NO_CHROMIUM);

/** The file's size: the 1 GiB. */
const SIZE = 1024 ** 3;
/** The most the server's resident memory may grow during the upload (the bound). */
const MAX_SERVER_GROWTH = 64 * 1024 * 1024;
/**
 * Longest a 1 GiB transfer may take before the test fails: generous, for a slow CI machine
 * (a 2-core VM takes well under a minute each way). A failsafe, never a way to let time pass.
 */
const TRANSFER_MS = 5 * 60_000;
/** How often memory is sampled during a transfer: measurement only. */
const SAMPLE_MS = 100;

const MiB = 1024 * 1024;

// ---- The server and the page -------------------------------------------------------------------

/**
 * Start chat-server with its page in a test's folder, taking files up to 2 GiB.
 *
 * @param dir The folder, its working directory.
 * @returns The program and the page's address.
 */
async function startWebServer(dir: TempDir): Promise<{ server: Program; web: string }> {
  const args = ["--port", "0", "--web-port", "0", "--max-file-size", "2G"];
  const server = new Program("chat-server", args, { cwd: dir.path, stdin: "piped" });
  const [, web] = await server.waitFor(/(http:\/\/127\.0\.0\.1:\d+)\//);
  return { server, web };
}

/**
 * Open the page with `?name=NAME` and join.
 *
 * @param browser The browser.
 * @param web The page's address.
 * @param name The name.
 * @returns The tab, in the room.
 */
async function joinAs(browser: Browser, web: string, name: string): Promise<Tab> {
  const tab = await openTab(browser, `${web}/?name=${encodeURIComponent(name)}`);
  await tab.page.click("#join-button");
  await tab.page.locator("#room").waitFor({ state: "visible" });
  return tab;
}

// ---- Files --------------------------------------------------------------------------------------

/**
 * Write a file of `bytes` bytes quickly: one random mebibyte repeated, each copy stamped with
 * its number, so a chunk stored out of order or twice changes the file's hash.
 *
 * @param path The new file.
 * @param bytes Its size.
 */
async function bigFile(path: string, bytes: number): Promise<void> {
  const block = new Uint8Array(MiB);
  // getRandomValues fills at most 64 KiB a call.
  for (let at = 0; at < block.length; at += 65536) {
    crypto.getRandomValues(block.subarray(at, at + 65536));
  }
  const stamp = new DataView(block.buffer);
  using file = await Deno.open(path, { write: true, createNew: true });
  for (let n = 0, left = bytes; left > 0; n++, left -= block.length) {
    stamp.setUint32(0, n);
    await writeAll(file, block.subarray(0, Math.min(left, block.length)));
  }
}

/** A file's size and SHA-256, read as a stream. */
async function sizeAndSha256(path: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash("sha256");
  let size = 0;
  const file = await Deno.open(path);
  for await (const chunk of file.readable) { // closes the file at its end
    hash.update(chunk);
    size += chunk.length;
  }
  return { size, sha256: hash.digest("hex") };
}

/**
 * Fail after `ms` rather than wait forever.
 *
 * @param promise What to wait for.
 * @param what What it is, for the error.
 * @param ms How long at most.
 * @returns Its value.
 * @throws {Error} When it takes longer.
 */
async function bounded<T>(promise: Promise<T>, what: string, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

// ---- Memory -------------------------------------------------------------------------------------

/**
 * Run a command and return its standard output. /proc/PID is read and written through
 * commands: Deno guards it with --allow-all, and the test task already has --allow-run (as
 * lib/concurrency/start_server.ts does).
 *
 * @param cmd The command.
 * @param args Its arguments.
 * @returns What it printed.
 * @throws {Error} When it fails.
 */
async function run(cmd: string, args: string[]): Promise<string> {
  const { success, stdout, stderr } = await new Deno.Command(cmd, { args }).output();
  const decoder = new TextDecoder();
  if (!success) throw new Error(`${cmd} ${args.join(" ")}: ${decoder.decode(stderr)}`);
  return decoder.decode(stdout);
}

/**
 * A process's memory from /proc/PID/status, in bytes.
 *
 * @param pid The process.
 * @returns Its resident memory now (`VmRSS`) and its peak so far (`VmHWM`).
 */
async function memoryOf(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await run("cat", [`/proc/${pid}/status`]);
  const kib = (field: string) => {
    const m = new RegExp(`^${field}:\\s*(\\d+) kB`, "m").exec(status);
    if (m === null) throw new Error(`no ${field} in /proc/${pid}/status`);
    return Number(m[1]) * 1024;
  };
  return { rss: kib("VmRSS"), peak: kib("VmHWM") };
}

/**
 * Start a process's peak resident memory (`VmHWM`) afresh from what it holds now, so the next
 * peak read is the peak of what follows: Linux does that when "5" is written to its
 * clear_refs. Where that is refused, the peak stays the lifetime peak, which is never less, so
 * the check is only stricter.
 *
 * @param pid The process.
 */
async function resetPeak(pid: number): Promise<void> {
  await run("sh", ["-c", `echo 5 > /proc/${pid}/clear_refs`]).catch(() => {});
}

/**
 * The Chromium renderer processes started by this test's browser: those whose parents lead
 * back to this process (another test's browser may be running beside it).
 *
 * @returns Their process ids.
 */
async function ourRenderers(): Promise<number[]> {
  const parents = new Map<number, number>();
  const renderers: number[] = [];
  for (const line of (await run("ps", ["-e", "-o", "pid=,ppid=,args="])).split("\n")) {
    const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (m === null) continue;
    parents.set(Number(m[1]), Number(m[2]));
    if (m[3].includes("--type=renderer")) renderers.push(Number(m[1]));
  }
  return renderers.filter((pid) => {
    for (let up = parents.get(pid), hops = 0; up !== undefined && hops < 16; hops++) {
      if (up === Deno.pid) return true;
      up = parents.get(up);
    }
    return false;
  });
}

/** The largest values seen while sampling. */
interface Peaks {
  /** The page's JavaScript heap in use (its main thread's), from Chromium's own metrics. */
  heap: number;
}

/**
 * Sample the page's JavaScript heap until stopped, keeping the largest value.
 *
 * @param page The page.
 * @returns The peaks so far, and a function that stops sampling and returns them.
 */
async function sampleHeap(page: Page): Promise<{ stop: () => Promise<Peaks> }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable");
  const peaks: Peaks = { heap: 0 };
  let sampling: Promise<void> = Promise.resolve();
  const sample = async () => {
    const { metrics } = await cdp.send("Performance.getMetrics");
    const used = metrics.find((m) => m.name === "JSHeapUsedSize")?.value ?? 0;
    peaks.heap = Math.max(peaks.heap, used);
  };
  const timer = setInterval(() => {
    sampling = sampling.then(sample).catch(() => {});
  }, SAMPLE_MS);
  return {
    async stop() {
      clearInterval(timer);
      await sampling;
      await sample();
      await cdp.detach();
      return peaks;
    },
  };
}

/** Bytes as MiB with one decimal. */
function mib(bytes: number): string {
  return (bytes / MiB).toFixed(1);
}

/** A rate in MB/s (decimal megabytes, as transfer rates are usually given) and MiB/s. */
function rate(bytes: number, ms: number): string {
  const perSecond = bytes / (ms / 1000);
  return `${(perSecond / 1e6).toFixed(1)} MB/s (${mib(perSecond)} MiB/s)`;
}

// ---- The test -----------------------------------------------------------------------------------

Deno.test({
  name:
    "a 1 GiB file uploaded from the page is stored byte-identical while the server's memory grows by under 64 MiB, and downloads byte-identical",
  ignore: !hasChromium,
  async fn() {
    await using dir = await tempDir();
    const { server, web } = await startWebServer(dir);
    await using _server = server;
    const pid = server.child.pid;
    const source = join(dir.path, "big.bin");
    await bigFile(source, SIZE);
    const original = await sizeAndSha256(source);
    equal(original.size, SIZE);

    const browser = await launchBrowser();
    try {
      await using alice = await joinAs(browser, web, "alice");
      const { page } = alice;

      // ---- Upload: pick the file; the page reads it a slice at a time.
      const renderers = await ourRenderers();
      for (const r of [pid, ...renderers]) await resetPeak(r);
      const rendererBefore = new Map<number, number>();
      for (const r of renderers) rendererBefore.set(r, (await memoryOf(r)).rss);
      const before = await memoryOf(pid);
      const heap = await sampleHeap(page);
      const upStarted = performance.now();
      await page.setInputFiles("#file-input", source);
      await page.locator("#uploads li.done").waitFor({ timeout: TRANSFER_MS });
      const upMs = performance.now() - upStarted;
      const pagePeaks = await heap.stop();
      const afterUp = await memoryOf(pid);
      // The page's renderer is the one that grew most; any other is a spare Chromium keeps.
      const pageMemory = { before: 0, peak: 0 };
      for (const r of renderers) {
        const peak = (await memoryOf(r)).peak;
        if (peak - rendererBefore.get(r)! > pageMemory.peak - pageMemory.before) {
          Object.assign(pageMemory, { before: rendererBefore.get(r)!, peak });
        }
      }
      match(await page.locator("#uploads li.done .status").innerText(), /shared as big\.bin/);
      await page.locator("#file-rows a").getByText("big.bin", { exact: true }).waitFor();

      const stored = await sizeAndSha256(join(serverStorage(dir), "big.bin"));
      equal(stored.size, original.size, "the stored file's size");
      equal(stored.sha256, original.sha256, "the stored file's SHA-256");
      const upGrowth = afterUp.peak - before.rss;

      // ---- Download: click the link; the browser saves it through its download manager.
      await resetPeak(pid);
      const beforeDown = await memoryOf(pid);
      const link = page.locator("#file-rows a").getByText("big.bin", { exact: true });
      const downStarted = performance.now();
      const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
      // Where the browser saved it, once the download has finished (no copy, unlike saveAs).
      const saved = await bounded(download.path(), "the download", TRANSFER_MS);
      const downMs = performance.now() - downStarted;
      const afterDown = await memoryOf(pid);
      equal(download.suggestedFilename(), "big.bin");
      const got = await sizeAndSha256(saved);
      await download.delete();
      equal(got.size, original.size, "the downloaded file's size");
      equal(got.sha256, original.sha256, "the downloaded file's SHA-256");
      const downGrowth = afterDown.peak - beforeDown.rss;

      console.log(`1 GiB upload from Chromium: ${rate(SIZE, upMs)}, ${(upMs / 1000).toFixed(1)} s`);
      console.log(
        `1 GiB download to Chromium: ${rate(SIZE, downMs)}, ${(downMs / 1000).toFixed(1)} s`,
      );
      console.log(
        `server RSS during the upload: ${mib(before.rss)} MiB before, peak ${
          mib(afterUp.peak)
        } MiB, growth ${mib(upGrowth)} MiB`,
      );
      console.log(
        `server RSS during the download: ${mib(beforeDown.rss)} MiB before, peak ${
          mib(afterDown.peak)
        } MiB, growth ${mib(downGrowth)} MiB`,
      );
      console.log(
        `page during the upload: JS heap peak ${mib(pagePeaks.heap)} MiB (main thread); ` +
          `its renderer process's RSS ${mib(pageMemory.before)} MiB before, peak ${
            mib(pageMemory.peak)
          } MiB`,
      );

      ok(
        upGrowth < MAX_SERVER_GROWTH,
        `the server's memory grew by ${mib(upGrowth)} MiB during the upload`,
      );
      equal(alice.errors.length, 0, `errors in the page's script: ${alice.errors.join("; ")}`);
      await server.type("quit\n");
      equal(await server.exit(), 0, "chat-server's exit code");
    } finally {
      await closeBrowser(browser);
    }
  },
});
