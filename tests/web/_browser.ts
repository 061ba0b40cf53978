/**
 * Real Chromium for the page tests: Debian's `chromium` (installed by .ci/run), driven through
 * playwright-core, pinned here and in deno.lock. Tests that need it are ignored, with a line
 * that names chromium, where /usr/bin/chromium is missing; they never pass without running.
 *
 * @module
 */

import fs from "node:fs";
// Imported here rather than through deno.json's "imports": Deno fetches every package listed
// there before running anything, and no program may need the npm registry; only the tests do.
// deno-lint-ignore no-import-prefix
import type { Browser, BrowserContext, Page } from "npm:playwright-core@1.65.1";
import { WAIT_MS } from "../_task.ts";

// playwright-core asks, as it loads, whether it runs under WSL: `existsSync` on
// /proc/sys/fs/binfmt_misc/WSLInterop. Deno lets only --allow-all read there and throws
// NotCapable rather than answering false, which the test task's flags would turn into a failed
// import. Answer "no such file" for a path the tests may not read, then load playwright.
const exists = fs.existsSync;
fs.existsSync = ((path: fs.PathLike) => {
  try {
    return exists(path);
  } catch {
    return false;
  }
}) as typeof fs.existsSync;
// deno-lint-ignore no-import-prefix
const { chromium } = await import("npm:playwright-core@1.65.1");

export type { Browser, BrowserContext, Page };

/** Where Debian's package puts the browser. */
export const CHROMIUM = "/usr/bin/chromium";

/** Whether the browser tests can run here. */
export const hasChromium: boolean = exists(CHROMIUM);

/**
 * The line printed where the browser tests cannot run, so a skipped test says why.
 */
export const NO_CHROMIUM =
  `browser tests ignored: ${CHROMIUM} is missing (apt-get install chromium; .ci/run does)`;

/** A desktop window, for the screenshot in the README. */
export const DESKTOP = { width: 1280, height: 800 };
/** A small phone's screen: the page must work at 360 pixels wide. */
export const PHONE = { width: 360, height: 740 };

/**
 * Start headless Chromium. Playwright gives it a fresh profile (`--user-data-dir` in a
 * temporary folder, removed on close), so no test sees another's cookies or storage.
 *
 * @returns The browser; close it when done.
 */
export async function launchBrowser(): Promise<Browser> {
  const args = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ];
  // Chromium's sandbox refuses to start as root, which is how CI containers run.
  if (Deno.uid() === 0) args.unshift("--no-sandbox");
  return await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args,
    timeout: WAIT_MS,
  });
}

/**
 * Close the browser, within {@linkcode WAIT_MS}.
 *
 * @param browser The browser.
 * @throws {Error} When it does not close in time.
 */
export async function closeBrowser(browser: Browser): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("Chromium did not close")), WAIT_MS);
  });
  try {
    await Promise.race([browser.close(), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** One browser tab with its own cookies, and what it showed that a test must not miss. */
export interface Tab extends AsyncDisposable {
  page: Page;
  context: BrowserContext;
  /** Every alert, confirm or prompt the page opened (each is dismissed). */
  dialogs: string[];
  /** Uncaught errors in the page's script. */
  errors: string[];
}

/**
 * Open a tab in a browser context of its own (a person of their own: own cookie, own storage).
 *
 * @param browser The browser.
 * @param url What to open.
 * @param options The window size and the browser's language.
 * @returns The tab, once the page has loaded.
 */
export async function openTab(
  browser: Browser,
  url: string,
  options: { viewport?: { width: number; height: number }; locale?: string } = {},
): Promise<Tab> {
  const context = await browser.newContext({
    viewport: options.viewport ?? DESKTOP,
    locale: options.locale ?? "en-US",
    acceptDownloads: true,
    // A chat-server started with --tls shows a self-signed certificate; Chromium's warning page
    // is what a user clicks through (docs/TLS.md), not what a test is about.
    ignoreHTTPSErrors: true,
  });
  context.setDefaultTimeout(WAIT_MS);
  const page = await context.newPage();
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    dialog.dismiss().catch(() => {});
  });
  page.on("pageerror", (err) => errors.push(err.message));
  await page.goto(url);
  return {
    page,
    context,
    dialogs,
    errors,
    async [Symbol.asyncDispose]() {
      await context.close();
    },
  };
}
