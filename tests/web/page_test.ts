/**
 * The chat room's web page in real Chromium, against the real chat-server (started with exactly
 * its task's flags) and, beside the pages, the real terminal client: the same room, messages
 * both ways, a private message, the online list, a 50 MB file from a page to everyone, user text
 * shown as text, a reconnect after the server restarts, and the page's languages. The one-room
 * test runs again with `--tls`: the page over https, the WebSocket over wss, the terminal client
 * over TLS trusting the server's own certificate with `--ca`. The harness also saves the
 * screenshot the README shows (docs/web-page.png).
 *
 * Nothing waits for time to pass: each step waits for what a user would see (a line in the
 * page, a line from the terminal client), bounded by WAIT_MS.
 *
 * @module
 */

import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { chatText } from "../../lib/chat/text.ts";
import { writeAll } from "../../lib/wire/bytes.ts";
import { ChatType } from "../../lib/chat/protocol.ts";
import { Status } from "../../lib/wire/frame.ts";
import { downloadsDir, startClient, type TempDir, tempDir } from "../_chat.ts";
import { RawChat } from "../_chat_frames.ts";
import { Program, ROOT, WAIT_MS } from "../_task.ts";
import {
  type Browser,
  closeBrowser,
  DESKTOP,
  hasChromium,
  launchBrowser,
  NO_CHROMIUM,
  openTab,
  type Page,
  PHONE,
  type Tab,
} from "./_browser.ts";

if (!hasChromium) console.log(NO_CHROMIUM);

/** A test that needs Chromium: ignored, and said so above, where it is missing. */
function browserTest(name: string, fn: (t: Deno.TestContext) => Promise<void>): void {
  Deno.test({ name, ignore: !hasChromium, fn });
}

/** Where a chat-server started with `--tls` keeps its certificate, from its folder. */
const SERVER_CERT = "storage/server/tls-cert.pem";

/**
 * Where the README's screenshot goes, written only with `UPDATE_SCREENSHOT=1 deno task test`:
 * an ordinary test run leaves the work tree as it found it.
 */
const SCREENSHOT = join(ROOT, "docs", "web-page.png");

// ---- The server ---------------------------------------------------------------------------------

/** chat-server with its page, and where to reach both. */
interface WebServer extends AsyncDisposable {
  server: Program;
  /** The chat's TCP port, for terminal clients. */
  tcp: number;
  /** The page's address, such as `http://127.0.0.1:41234` (`https://` with `--tls`). */
  web: string;
  /** The web port alone, to start again on the same one. */
  webPort: number;
  /** Stop it as its operator does (`quit`), and wait until it has exited. */
  stop(): Promise<void>;
}

/**
 * Start chat-server with its web page, in a test's temporary folder (its files go to
 * storage/server there), as every chat test starts it.
 *
 * @param dir The folder.
 * @param ports The ports; 0 (any free port) unless restarting on the same ones.
 * @param tls Whether to start it with `--tls` (its certificate: {@linkcode SERVER_CERT}).
 * @returns The running server.
 */
async function startWebServer(
  dir: TempDir,
  ports = { tcp: 0, web: 0 },
  tls = false,
): Promise<WebServer> {
  const args = ["--port", String(ports.tcp), "--web-port", String(ports.web)];
  if (tls) args.push("--tls");
  const server = new Program("chat-server", args, { cwd: dir.path, stdin: "piped" });
  const tcp = Number((await server.waitFor(/Listening on (?!https?:)\S*:(\d+)\s*$/))[1]);
  const [, web, webPort] = await server.waitFor(/(https?:\/\/127\.0\.0\.1:(\d+))\//);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await server.type("quit\n");
    equal(await server.exit(), 0, "chat-server's exit code");
  };
  return {
    server,
    tcp,
    web,
    webPort: Number(webPort),
    stop,
    async [Symbol.asyncDispose]() {
      if (!stopped) await server[Symbol.asyncDispose]();
    },
  };
}

// ---- Pages --------------------------------------------------------------------------------------

/**
 * Open the page with `?name=NAME` (which fills the name in) and join.
 *
 * @param browser The browser.
 * @param web The page's address.
 * @param name The name.
 * @param options Window size and language.
 * @returns The tab, in the room.
 */
async function joinAs(
  browser: Browser,
  web: string,
  name: string,
  options: { viewport?: { width: number; height: number }; locale?: string } = {},
): Promise<Tab> {
  const tab = await openTab(browser, `${web}/?name=${encodeURIComponent(name)}`, options);
  equal(await tab.page.inputValue("#name"), name, "?name= fills the name in");
  await tab.page.click("#join-button");
  await tab.page.locator("#room").waitFor({ state: "visible" });
  return tab;
}

/** Type a message and press Enter, as a user does. */
async function say(page: Page, text: string): Promise<void> {
  await page.fill("#text", text);
  await page.press("#text", "Enter");
}

/** Wait until a chat message with exactly this text is shown. */
async function waitForMessage(page: Page, text: string): Promise<void> {
  await page.locator("#log li.chat .text").getByText(text, { exact: true }).waitFor();
}

/** The chat messages shown, in order. */
function messagesShown(page: Page): Promise<string[]> {
  return page.locator("#log li.chat .text").allTextContents();
}

/** Fail after {@linkcode WAIT_MS} rather than wait forever. */
async function bounded<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out waiting for ${what}`)), WAIT_MS);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

// ---- Files --------------------------------------------------------------------------------------

/** Write `bytes` random bytes to a new file, a mebibyte at a time. */
async function randomFile(path: string, bytes: number): Promise<void> {
  const block = new Uint8Array(1024 * 1024);
  using file = await Deno.open(path, { write: true, createNew: true });
  for (let left = bytes; left > 0; left -= block.length) {
    // getRandomValues fills at most 64 KiB a call.
    for (let at = 0; at < block.length; at += 65536) {
      crypto.getRandomValues(block.subarray(at, at + 65536));
    }
    await writeAll(file, block.subarray(0, Math.min(left, block.length)));
  }
}

/** A file's SHA-256, read as a stream. */
async function sha256Of(path: string): Promise<string> {
  const hash = createHash("sha256");
  const file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk); // closes the file at its end
  return hash.digest("hex");
}

/**
 * Click a file's download link and wait for the browser's download to finish.
 *
 * @param page The page.
 * @param name The file's name as listed.
 * @returns The downloaded file's SHA-256 and the name the browser gave it.
 */
async function download(page: Page, name: string): Promise<{ sha256: string; name: string }> {
  const link = page.locator("#file-rows a").getByText(name, { exact: true });
  const [got] = await Promise.all([page.waitForEvent("download"), link.click()]);
  const path = await bounded(got.path(), `the download of ${name}`);
  return { sha256: await sha256Of(path), name: got.suggestedFilename() };
}

// ---- Tests --------------------------------------------------------------------------------------

for (const tls of [false, true]) {
  browserTest(
    "two pages and a terminal client share one room: messages in order, the online list, " +
      `a private message, a file${tls ? " (over https and wss, the client over TLS)" : ""}`,
    () => oneRoom(tls),
  );
}

/** The one-room test, over http and ws, or (`tls`) over https and wss. */
async function oneRoom(tls: boolean): Promise<void> {
  await using dir = await tempDir();
  await using web = await startWebServer(dir, { tcp: 0, web: 0 }, tls);
  if (tls) match(web.web, /^https:/);
  const browser = await launchBrowser();
  try {
    await using alice = await joinAs(browser, web.web, "alice");
    // Bob uses a phone-sized screen and only the keyboard.
    await using bob = await openTab(browser, `${web.web}/?name=bob`, { viewport: PHONE });
    await bob.page.keyboard.press("Enter"); // the name is filled in; Enter joins
    await bob.page.locator("#room").waitFor({ state: "visible" });
    // Over TLS, carol trusts the server's own certificate, as a user given the file would.
    await using carol = await startClient(
      dir,
      web.tcp,
      "carol",
      tls ? ["--ca", SERVER_CERT] : [],
    );

    // The online list, with our own name marked.
    for (const tab of [alice, bob]) {
      for (const name of ["alice", "bob", "carol"]) {
        await tab.page.locator("#users li").getByText(name).waitFor();
      }
    }
    match(await alice.page.locator("#users .me").innerText(), /^alice \(you\)$/);
    match(await alice.page.locator("#users-heading").innerText(), /^Online \(3\)$/);

    // Messages both ways: the pages' and the terminal's, each side in order, and everyone
    // sees the one order the server gave them.
    const fromAlice = ["a1 from the page", "a2 from the page", "a3 from the page"];
    const fromCarol = ["c1 from the terminal", "c2 from the terminal", "c3 from the terminal"];
    for (const text of fromAlice) await say(alice.page, text);
    await carol.type(fromCarol.join("\n") + "\n");
    await bob.page.keyboard.type("b1 typed on a phone");
    await bob.page.keyboard.press("Enter");
    const all = [...fromAlice, ...fromCarol, "b1 typed on a phone"];
    for (const tab of [alice, bob]) for (const text of all) await waitForMessage(tab.page, text);
    const lines = await carol.waitForCount(/ (?:alice|bob|carol): [abc]\d /, all.length);
    const terminalOrder = lines.map((l) => l.replace(/^.* (?:alice|bob|carol): /, ""));
    const aliceOrder = await messagesShown(alice.page);
    deepStrictEqual(await messagesShown(bob.page), aliceOrder, "both pages, one order");
    deepStrictEqual(terminalOrder, aliceOrder, "the terminal and the pages, one order");
    deepStrictEqual(aliceOrder.filter((t) => fromAlice.includes(t)), fromAlice);
    deepStrictEqual(aliceOrder.filter((t) => fromCarol.includes(t)), fromCarol);

    // Each message with the server's time; our own set apart.
    const first = alice.page.locator("#log li.chat").filter({ hasText: fromAlice[0] });
    match(
      await first.locator("time").getAttribute("datetime") ?? "",
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/,
    );
    match(await first.getAttribute("class") ?? "", /\bown\b/, "our own message is set apart");
    const mineOnBob = bob.page.locator("#log li.own .text");
    deepStrictEqual(await mineOnBob.allTextContents(), ["b1 typed on a phone"]);

    // A private message from a page to the terminal client: click carol's name.
    await alice.page.locator("#users button").getByText("carol", { exact: true }).click();
    match(await alice.page.locator("#target-name").innerText(), /Private message to carol/);
    await say(alice.page, "psst, carol");
    await carol.waitFor(/ alice -> carol \(private\): psst, carol$/);
    // Back to everyone; bob sees that line, and never saw the private one before it.
    await alice.page.click("#target-clear");
    await say(alice.page, "after the private one");
    await waitForMessage(bob.page, "after the private one");
    ok(
      !(await messagesShown(bob.page)).some((t) => t.includes("psst")),
      "bob saw a private line",
    );

    // Bob, keyboard only: Tab to alice's name, Enter, type, Enter.
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      await bob.page.keyboard.press("Tab");
      reached = await bob.page.evaluate("document.activeElement?.textContent === 'alice'");
    }
    ok(reached, "alice's name is reachable with Tab");
    await bob.page.keyboard.press("Enter");
    await bob.page.keyboard.type("a keyboard-only whisper");
    await bob.page.keyboard.press("Enter");
    await alice.page.locator("#log li.private").filter({ hasText: "a keyboard-only whisper" })
      .waitFor();
    equal(
      await bob.page.evaluate("document.documentElement.scrollWidth"),
      PHONE.width,
      "nothing wider than a 360-pixel phone",
    );

    // A file for the screenshot: picked, uploaded, listed for everyone.
    const notes = join(dir.path, "lab-notes.txt");
    await Deno.writeTextFile(notes, "TCP delivers bytes, not messages.\n".repeat(40));
    await alice.page.setInputFiles("#file-input", notes);
    await alice.page.locator("#uploads li.done").waitFor();
    await bob.page.locator("#file-rows a").getByText("lab-notes.txt").waitFor();
    await say(alice.page, "the notes are in the file list");
    await waitForMessage(alice.page, "the notes are in the file list");
    const got = await download(bob.page, "lab-notes.txt");
    equal(got.sha256, await sha256Of(notes), "bob's copy of the notes");
    if (!tls) {
      await alice.page.setViewportSize(DESKTOP);
      await alice.page.locator("#text").blur();
      const png = await alice.page.screenshot();
      equal(png.subarray(1, 4).toString(), "PNG", "a screenshot of the page");
      if (Deno.env.get("UPDATE_SCREENSHOT") === "1") await Deno.writeFile(SCREENSHOT, png);
    }

    // Carol leaves: the pages say so and take her off the online list.
    await carol.type("/exit\n");
    equal(await carol.exit(), 0);
    await alice.page.locator("#log li.notice").getByText(/ carol left$/).waitFor();
    await alice.page.locator("#users-heading").getByText("Online (2)").waitFor();
    await bob.page.locator("#log li.notice").getByText(/ carol left$/).waitFor();
    deepStrictEqual([...alice.errors, ...bob.errors], [], "errors in the pages' scripts");
  } finally {
    await closeBrowser(browser);
  }
}

browserTest(
  "a 50 MB file dropped into one page is downloaded byte-identical by the terminal client and by the other page",
  async () => {
    await using dir = await tempDir();
    await using web = await startWebServer(dir);
    const browser = await launchBrowser();
    try {
      await using alice = await joinAs(browser, web.web, "alice");
      await using bob = await joinAs(browser, web.web, "bob");
      await using carol = await startClient(dir, web.tcp, "carol");
      const big = join(dir.path, "big.bin");
      await randomFile(big, 50 * 1000 * 1000);
      const original = await sha256Of(big);

      await alice.page.setInputFiles("#file-input", big);
      await alice.page.locator("#uploads li.done").waitFor({ timeout: 2 * WAIT_MS });
      match(await alice.page.locator("#uploads li.done .status").innerText(), /shared as big\.bin/);
      // Everyone is told, terminal and pages.
      await carol.waitFor(/ \*\*\* alice uploaded big\.bin \(47\.7 MiB\)$/);
      await bob.page.locator("#log li.notice").getByText("alice shared big.bin (47.7 MiB)")
        .waitFor();

      await carol.type("/file download big.bin\n");
      await carol.waitFor(/^Downloaded big\.bin to storage\/downloads\/big\.bin: /);
      equal(await sha256Of(join(downloadsDir(dir), "big.bin")), original, "the terminal's copy");

      const got = await download(bob.page, "big.bin");
      equal(got.name, "big.bin");
      equal(got.sha256, original, "the page's copy");

      await carol.type("/exit\n");
      equal(await carol.exit(), 0);
    } finally {
      await closeBrowser(browser);
    }
  },
);

browserTest(
  "files dropped on the page upload together; an upload shows its rate and time left, and a cancelled one leaves nothing",
  async () => {
    await using dir = await tempDir();
    await using web = await startWebServer(dir);
    const browser = await launchBrowser();
    try {
      await using alice = await joinAs(browser, web.web, "alice");
      // Two files dropped at once, as a desktop's file manager drops them.
      await alice.page.evaluate(`(() => {
        const files = new DataTransfer();
        files.items.add(new File(["one"], "one.txt"));
        files.items.add(new File(["two!"], "two.txt"));
        const room = document.getElementById("room");
        for (const type of ["dragenter", "dragover", "drop"]) {
          room.dispatchEvent(new DragEvent(type, { dataTransfer: files, bubbles: true, cancelable: true }));
        }
      })()`);
      await alice.page.locator("#file-rows a").getByText("one.txt", { exact: true }).waitFor();
      await alice.page.locator("#file-rows a").getByText("two.txt", { exact: true }).waitFor();
      equal(await alice.page.locator("#uploads li.done").count(), 2);

      const big = join(dir.path, "big.bin");
      await randomFile(big, 50 * 1000 * 1000);
      await alice.page.setInputFiles("#file-input", big);
      const status = alice.page.locator("#uploads li.active .status");
      await status.getByText(/^[\d.]+ \S+ of 47\.7 MiB, [\d.]+ \S+\/s, .+ left$/).waitFor();
      await alice.page.getByRole("button", { name: "Cancel uploading big.bin" }).click();
      await alice.page.locator("#uploads li.cancelled").getByText("cancelled").waitFor();
      // The server handles a member's frames in order: once this line is back, it has seen the
      // cancel, and removed what it had received.
      await say(alice.page, "after the cancel");
      await waitForMessage(alice.page, "after the cancel");
      const left: string[] = [];
      for await (const entry of Deno.readDir(join(dir.path, "storage", "server"))) {
        if (!entry.name.startsWith(".chat.db")) left.push(entry.name);
      }
      deepStrictEqual(left.sort(), ["one.txt", "two.txt"], "what the server keeps");
      deepStrictEqual(alice.errors, [], "errors in the page's script");
    } finally {
      await closeBrowser(browser);
    }
  },
);

browserTest(
  "a message and a file named <img src=x onerror=alert(1)> show as text in both pages and open no dialog",
  async () => {
    await using dir = await tempDir();
    await using web = await startWebServer(dir);
    const browser = await launchBrowser();
    try {
      await using alice = await joinAs(browser, web.web, "alice");
      await using bob = await joinAs(browser, web.web, "bob");
      const attack = "<img src=x onerror=alert(1)>";
      await say(alice.page, attack);
      const file = join(dir.path, attack);
      await Deno.writeTextFile(file, "not an image\n");
      await alice.page.setInputFiles("#file-input", file);
      await alice.page.locator("#uploads li.done").waitFor();

      for (const tab of [alice, bob]) {
        await waitForMessage(tab.page, attack);
        await tab.page.locator("#file-rows a").getByText(attack, { exact: true }).waitFor();
        await tab.page.locator("#log li.notice").getByText(`alice shared ${attack} (13 B)`)
          .waitFor();
        equal(await tab.page.locator("img").count(), 0, "no element was made from the text");
      }
      // One more round trip, so anything the text could have started has had its turn.
      await say(bob.page, "all quiet");
      for (const tab of [alice, bob]) await waitForMessage(tab.page, "all quiet");
      deepStrictEqual([...alice.dialogs, ...bob.dialogs], [], "dialogs opened");
      deepStrictEqual([...alice.errors, ...bob.errors], [], "errors in the pages' scripts");

      // The link downloads the file under its own name, as a file.
      const got = await download(bob.page, attack);
      equal(got.sha256, await sha256Of(file));
    } finally {
      await closeBrowser(browser);
    }
  },
);

browserTest(
  "after the server restarts on the same ports the page reconnects by itself within 5 s, says so, and misses nothing",
  async () => {
    await using dir = await tempDir();
    const first = await startWebServer(dir);
    const browser = await launchBrowser();
    try {
      await using alice = await joinAs(browser, first.web, "alice");
      await say(alice.page, "before the restart");
      await waitForMessage(alice.page, "before the restart");

      await first.stop();
      await alice.page.locator("#log li.local").getByText("Connection lost. Reconnecting…")
        .waitFor();
      await using again = await startWebServer(dir, { tcp: first.tcp, web: first.webPort });
      const restarted = performance.now();
      // A terminal user speaks on the new server, before or after the page is back.
      await using carol = await startClient(dir, again.tcp, "carol");
      await carol.type("said while the page was away\n");

      await alice.page.locator("#status").getByText("Reconnected as alice").waitFor({
        timeout: 5000,
      });
      const took = performance.now() - restarted;
      ok(took < 5000, `reconnected ${Math.round(took)} ms after the restart`);
      await alice.page.locator("#log li.local").getByText("Reconnected as alice").waitFor();
      await waitForMessage(alice.page, "said while the page was away");
      await say(alice.page, "after the restart");
      await waitForMessage(alice.page, "after the restart");
      await carol.waitFor(/ alice: after the restart$/);
      // Nothing missed, nothing twice.
      const shown = await messagesShown(alice.page);
      deepStrictEqual(
        shown.filter((t) => !t.startsWith("said")),
        ["before the restart", "after the restart"],
      );
      equal(shown.filter((t) => t === "said while the page was away").length, 1);

      // A newcomer sees the earlier messages marked as history.
      await using dave = await joinAs(browser, again.web, "dave");
      await dave.page.locator("#log li.divider").getByText("Earlier messages (history)").waitFor();
      await dave.page.locator("#log li.history .text").getByText("before the restart").waitFor();

      await carol.type("/exit\n");
      equal(await carol.exit(), 0);
      await again.stop();
    } finally {
      await closeBrowser(browser);
      await first[Symbol.asyncDispose]();
    }
  },
);

browserTest(
  "the page speaks the browser's language: a taken name is explained in Chinese, then in English after the switch",
  async () => {
    await using dir = await tempDir();
    await using web = await startWebServer(dir);
    const browser = await launchBrowser();
    try {
      await using alice = await joinAs(browser, web.web, "alice");
      await using other = await openTab(browser, `${web.web}/?name=ALICE`, { locale: "zh-CN" });
      await other.page.getByText("加入聊天室").waitFor();
      await other.page.click("#join-button");
      const params = { name: "ALICE", other: "alice" };
      await other.page.locator("#join-error").getByText(chatText.in("zh", "name-taken", params))
        .waitFor();
      await other.page.click("#lang");
      await other.page.locator("#join-error").getByText(chatText.in("en", "name-taken", params))
        .waitFor();
      await other.page.getByText("Join the room").waitFor();
      equal(await alice.page.locator("html").getAttribute("lang"), "en");
    } finally {
      await closeBrowser(browser);
    }
  },
);

browserTest(
  "while the tab is hidden, messages from others count in the title and raise desktop notifications",
  async () => {
    await using dir = await tempDir();
    await using web = await startWebServer(dir);
    const browser = await launchBrowser();
    try {
      await using alice = await joinAs(browser, web.web, "alice");
      await using bob = await joinAs(browser, web.web, "bob");
      await alice.context.grantPermissions(["notifications"], { origin: web.web });
      // Headless Chromium shows every tab; the page is told it is hidden, as a browser tells
      // it when the user switches tabs, and its notifications are recorded, not shown.
      await alice.page.evaluate(`(() => {
        let state = "hidden";
        Object.defineProperty(document, "visibilityState", { get: () => state });
        window.showTab = () => { state = "visible"; document.dispatchEvent(new Event("visibilitychange")); };
        window.shown = [];
        const Real = window.Notification;
        window.Notification = class extends Real {
          constructor(title, options) { super(title, options); window.shown.push(title + ": " + options.body); }
        };
        document.dispatchEvent(new Event("visibilitychange"));
      })()`);
      await say(alice.page, "my own line is not news to me");
      await say(bob.page, "are you there?");
      await say(bob.page, "hello?");
      await waitForMessage(alice.page, "hello?");
      equal(await alice.page.title(), "(2) Chat room");
      deepStrictEqual(await alice.page.evaluate("window.shown"), [
        "bob: are you there?",
        "bob: hello?",
      ]);
      await alice.page.evaluate("window.showTab()");
      equal(await alice.page.title(), "Chat room", "back to the tab: nothing unread");
      equal(await alice.page.locator("#notify").innerText(), "Notifications are on");
    } finally {
      await closeBrowser(browser);
    }
  },
);

browserTest("a registered name needs its password on the page, and joins with it", async () => {
  await using dir = await tempDir();
  await using web = await startWebServer(dir);
  // Erin registers from a terminal connection, then leaves.
  {
    await using erin = await RawChat.connect(web.tcp);
    await erin.join("erin");
    const registered = await erin.request(ChatType.Register, { password: "correct horse" });
    equal(registered.status, Status.Ok);
  }
  const browser = await launchBrowser();
  try {
    await using tab = await openTab(browser, `${web.web}/?name=erin`);
    await tab.page.click("#join-button");
    await tab.page.locator("#join-error")
      .getByText(chatText.in("en", "password-needed", { name: "erin" })).waitFor();
    await tab.page.fill("#password", "correct horse");
    await tab.page.press("#password", "Enter");
    await tab.page.locator("#room").waitFor({ state: "visible" });
    await tab.page.locator("#status").getByText("Connected as erin").waitFor();
  } finally {
    await closeBrowser(browser);
  }
});

browserTest(
  "a logged-in page stays logged in across a reload, and asks for the password again after logging out",
  async () => {
    await using dir = await tempDir();
    await using web = await startWebServer(dir);
    // Gail registers from a terminal connection, without joining.
    {
      await using gail = await RawChat.connect(web.tcp);
      const registered = await gail.request(ChatType.Register, {
        name: "gail",
        password: "correct horse battery",
      });
      equal(registered.status, Status.Ok);
    }
    const browser = await launchBrowser();
    try {
      await using tab = await openTab(browser, `${web.web}/?name=gail`);
      const { page } = tab;
      await page.fill("#password", "correct horse battery");
      await page.press("#password", "Enter");
      await page.locator("#status").getByText("Connected as gail").waitFor();
      await page.locator("#logout").waitFor({ state: "visible" });
      // The login is in a cookie the page's script cannot read.
      equal(await page.evaluate("document.cookie"), "");
      const cookies = await tab.context.cookies();
      const session = cookies.find((c) => c.name === "chat_session");
      ok(session?.httpOnly && session.sameSite === "Strict", JSON.stringify(cookies));

      // A reload joins by itself: no password form.
      await page.reload();
      await page.locator("#status").getByText("Connected as gail").waitFor();
      equal(await page.locator("#join").isHidden(), true, "the join form is hidden");
      equal(await page.inputValue("#password"), "");

      // Logging out: back to the form, and a reload asks for the password again.
      await page.click("#logout");
      await page.locator("#join-error")
        .getByText("Logged out: this browser no longer keeps the login of gail.").waitFor();
      ok(!(await tab.context.cookies()).some((c) => c.name === "chat_session"));
      await page.reload();
      await page.locator("#join").waitFor({ state: "visible" });
      equal(await page.inputValue("#name"), "gail");
      await page.click("#join-button");
      await page.locator("#join-error")
        .getByText(chatText.in("en", "password-needed", { name: "gail" })).waitFor();
      deepStrictEqual(tab.errors, [], "errors in the page's script");
    } finally {
      await closeBrowser(browser);
    }
  },
);
