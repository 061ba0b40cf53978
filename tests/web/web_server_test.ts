/**
 * chat-server's web side as a browser meets it: the page and its modules, the WebSocket that
 * carries frames into the same room as terminal clients, and downloads over HTTP, with the
 * refusals that keep other sites and stray paths out.
 */

import { deepStrictEqual, equal, match, ok, rejects, throws } from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import { type Frame, FrameDecoder, Kind, ProtocolError, Status } from "../../lib/wire/frame.ts";
import { encodeFrame } from "../../lib/wire/frame.ts";
import { ChatType, indication, nameKey, payloadObject, request } from "../../lib/chat/protocol.ts";
import { ChatDb } from "../../lib/store/chat_db.ts";
import { chatText } from "../../lib/chat/text.ts";
import { buildPage, scanPage } from "../../lib/web/page_files.ts";
import { PAGE_ASSETS } from "../../lib/web/page_assets.ts";
import { contentDisposition, parseRange, storedName } from "../../lib/web/file_download.ts";
import { CloseCode, MAX_UNREAD_FRAMES, WsMember } from "../../lib/web/ws_member.ts";
import { Program, ROOT, runTask, WAIT_MS } from "../_task.ts";
import { RawChat } from "../_chat_frames.ts";
import { CHINESE, type TempDir, tempDir } from "../_chat.ts";

// ---------------------------------------------------------------- helpers

/** A chat server with its web port, both on free ports. */
async function startWebServer(
  dir: TempDir,
  args: string[] = [],
): Promise<{ server: Program; port: number; web: number }> {
  const server = new Program("chat-server", ["--port", "0", "--web-port", "0", ...args], {
    cwd: dir.path,
    stdin: "piped",
  });
  const listening = await server.waitFor(/^Listening on .*:(\d+)$/);
  const open = await server.waitFor(/^Open http:\/\/127\.0\.0\.1:(\d+)\/ in a browser$/);
  return { server, port: Number(listening[1]), web: Number(open[1]) };
}

/** The `chat_browser` cookie that loading the page gives a browser. */
async function pageCookie(web: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${web}/?name=alice`);
  await res.body?.cancel();
  const set = res.headers.get("set-cookie") ?? "";
  const m = /^(chat_browser=[A-Za-z0-9_-]{22}); HttpOnly; SameSite=Strict; Path=\/$/.exec(set);
  ok(m, set);
  return m[1];
}

/** A browser's WebSocket, as a test drives it: frames out, frames in, recorded. */
class WebChat implements AsyncDisposable {
  readonly ws: WebSocket;
  readonly frames: Frame[] = [];
  /** Text the server sent, which it never should. */
  readonly closed: Promise<CloseEvent>;
  #nextId = 1;
  #ended = false;
  readonly #waiters = new Set<() => void>();

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.binaryType = "arraybuffer";
    ws.addEventListener("message", (e) => {
      const frames = new FrameDecoder().push(new Uint8Array(e.data as ArrayBuffer));
      equal(frames.length, 1, "one frame per message");
      this.frames.push(frames[0]);
      this.#wake();
    });
    this.closed = new Promise((resolve) => {
      ws.addEventListener("close", (e) => {
        this.#ended = true;
        this.#wake();
        resolve(e);
      });
    });
  }

  /** Open a WebSocket to `/ws` as a page of the given origin with the given cookie would. */
  static async open(
    web: number,
    { cookie, origin = `http://127.0.0.1:${web}` }: { cookie?: string; origin?: string },
  ): Promise<WebChat> {
    const headers: Record<string, string> = { origin };
    if (cookie) headers.cookie = cookie;
    // Deno lets a WebSocket client set its headers, which a browser sets itself.
    const ws = new WebSocket(`ws://127.0.0.1:${web}/ws`, { headers } as unknown as string[]);
    const chat = new WebChat(ws);
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        ws.addEventListener("open", () => resolve(), { once: true });
        ws.addEventListener("error", () => reject(new Error("WebSocket refused")), { once: true });
        timer = setTimeout(() => reject(new Error("The WebSocket did not open")), WAIT_MS);
      });
    } catch (err) {
      ws.close();
      await chat.closed;
      throw err;
    } finally {
      clearTimeout(timer);
    }
    return chat;
  }

  #wake(): void {
    for (const w of this.#waiters) w();
  }

  /** Send one frame in one binary message. */
  send(frame: Frame): void {
    this.ws.send(encodeFrame(frame));
  }

  waitFor(match: (f: Frame) => boolean, what: string, from = 0): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`Timed out waiting for ${what}`)), WAIT_MS);
      const done = (err?: Error, frame?: Frame) => {
        clearTimeout(timer);
        this.#waiters.delete(poll);
        if (err) reject(err);
        else resolve(frame!);
      };
      const poll = () => {
        const found = this.frames.slice(from).find(match);
        if (found) done(undefined, found);
        else if (this.#ended) done(new Error(`WebSocket closed before ${what}`));
      };
      this.#waiters.add(poll);
      poll();
    });
  }

  async request(type: string, payload?: unknown, id?: number): Promise<Frame> {
    const rid = id ?? this.#nextId++;
    const from = this.frames.length;
    this.send(request(type, rid, payload));
    return await this.waitFor(
      (f) => f.kind === Kind.Response && f.id === rid && f.type === type,
      `the response to "${type}" ${rid}`,
      from,
    );
  }

  async join(name: string): Promise<void> {
    const res = await this.request(ChatType.Join, { name });
    equal(res.status, Status.Ok, JSON.stringify(payloadObject(res)));
  }

  /** Wait for the server to close, failing after the failsafe. */
  async ended(): Promise<CloseEvent> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("The server did not close")), WAIT_MS);
    });
    try {
      return await Promise.race([this.closed, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close();
    await this.closed;
  }
}

/** Upload bytes over a WebSocket as the page does: `U`, `D` chunks, `E` with the SHA-256. */
async function uploadOver(chat: WebChat, name: string, bytes: Uint8Array, id: number) {
  const start = await chat.request(ChatType.Upload, { name, size: bytes.length }, id);
  equal(start.status, Status.Ok, JSON.stringify(payloadObject(start)));
  for (let at = 0; at < bytes.length; at += 64 * 1024) {
    chat.send(indication(ChatType.Data, bytes.subarray(at, at + 64 * 1024), { id }));
  }
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const end = await chat.request(ChatType.End, { sha256 }, id);
  equal(end.status, Status.Ok, JSON.stringify(payloadObject(end)));
  return String(payloadObject(end).name);
}

/** One raw HTTP/1.1 request; returns the status line and headers, the body left unread. */
async function rawHttp(port: number, head: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(head + "\r\n"));
    let text = "";
    const buf = new Uint8Array(4096);
    while (!text.includes("\r\n\r\n")) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
    return text.split("\r\n\r\n")[0];
  } finally {
    conn.close();
  }
}

const SECURITY = {
  "content-security-policy": /^default-src 'self'; connect-src 'self'/,
  "x-content-type-options": /^nosniff$/,
  "referrer-policy": /^no-referrer$/,
  "cache-control": /^no-cache$/,
};

function checkSecurityHeaders(res: Response): void {
  for (const [name, value] of Object.entries(SECURITY)) {
    match(res.headers.get(name) ?? "", value, name);
  }
}

// ---------------------------------------------------------------- the room, from a browser

Deno.test("a browser and a terminal client chat in one room, privately too, both ways", async () => {
  await using dir = await tempDir();
  const { server, port, web } = await startWebServer(dir);
  await using _s = server;
  await using alice = await RawChat.connect(port);
  await alice.join("alice");
  await using bob = await WebChat.open(web, { cookie: await pageCookie(web) });
  await bob.join("bob");
  await alice.waitFor((f) => f.type === ChatType.Join && f.kind === Kind.Indication, "bob's join");

  equal((await bob.request(ChatType.Chat, { text: "hello from the web" })).status, Status.Ok);
  await alice.waitFor(
    (f) => f.type === ChatType.Chat && payloadObject(f).text === "hello from the web",
    "bob's line",
  );
  await alice.request(ChatType.Chat, { text: "hello from the terminal" });
  await bob.waitFor(
    (f) => f.type === ChatType.Chat && payloadObject(f).text === "hello from the terminal",
    "alice's line",
  );
  await bob.request(ChatType.Private, { to: "alice", text: "psst, alice" });
  await alice.waitFor(
    (f) => f.type === ChatType.Private && payloadObject(f).text === "psst, alice",
    "bob's private message",
  );
  await alice.request(ChatType.Private, { to: "bob", text: "psst, bob" });
  await bob.waitFor(
    (f) => f.type === ChatType.Private && payloadObject(f).text === "psst, bob",
    "alice's private message",
  );
  const who = await bob.request(ChatType.Who);
  deepStrictEqual(
    (payloadObject(who).users as { name: string }[]).map((u) => u.name).sort(),
    ["alice", "bob"],
  );
  await server.waitFor(/ bob joined from 127\.0\.0\.1:\d+ \(2 online\)$/);
});

Deno.test("a file uploaded from a browser downloads byte-identical over TCP and over HTTP, in ranges too", async () => {
  await using dir = await tempDir();
  const { server, port, web } = await startWebServer(dir);
  await using _s = server;
  const cookie = await pageCookie(web);
  await using bob = await WebChat.open(web, { cookie });
  await bob.join("bob");
  await using alice = await RawChat.connect(port);
  await alice.join("alice");

  const bytes = new Uint8Array(randomBytes(3_000_000));
  const name = await uploadOver(bob, "notes 笔记.bin", bytes, 7);
  equal(name, "notes 笔记.bin");
  await alice.waitFor((f) => f.type === ChatType.Upload && f.kind === Kind.Indication, "the U");

  // Over TCP, as the terminal client downloads.
  const get = await alice.request(ChatType.Get, { name }, 9);
  equal(get.status, Status.Ok);
  const end = await alice.waitFor((f) => f.type === ChatType.End && f.id === 9, "the E");
  const chunks = alice.frames.filter((f) => f.type === ChatType.Data && f.id === 9);
  deepStrictEqual(Buffer.concat(chunks.map((f) => f.payload)), Buffer.from(bytes));
  equal(payloadObject(end).sha256, createHash("sha256").update(bytes).digest("hex"));

  // Over HTTP, as the page's download link does.
  const url = `http://127.0.0.1:${web}/files/${encodeURIComponent(name)}`;
  const whole = await fetch(url, { headers: { cookie } });
  equal(whole.status, 200);
  checkSecurityHeaders(whole);
  equal(whole.headers.get("content-type"), "application/octet-stream");
  equal(whole.headers.get("accept-ranges"), "bytes");
  equal(whole.headers.get("content-disposition"), contentDisposition(name));
  match(whole.headers.get("content-disposition")!, /^attachment; filename="notes __\.bin"; /);
  const digest = createHash("sha256").update(bytes).digest("base64");
  equal(whole.headers.get("repr-digest"), `sha-256=:${digest}:`);
  deepStrictEqual(new Uint8Array(await whole.arrayBuffer()), bytes);

  const part = await fetch(url, { headers: { cookie, range: "bytes=100000-199999" } });
  equal(part.status, 206);
  equal(part.headers.get("content-range"), `bytes 100000-199999/${bytes.length}`);
  equal(part.headers.get("content-length"), "100000");
  deepStrictEqual(new Uint8Array(await part.arrayBuffer()), bytes.subarray(100000, 200000));

  // Over the WebSocket too, with G, as a terminal client would: chunks paced by the window.
  equal((await bob.request(ChatType.Get, { name }, 11)).status, Status.Ok);
  await bob.waitFor((f) => f.type === ChatType.End && f.id === 11, "the E over the WebSocket");
  const wsChunks = bob.frames.filter((f) => f.type === ChatType.Data && f.id === 11);
  deepStrictEqual(Buffer.concat(wsChunks.map((f) => f.payload)), Buffer.from(bytes));

  const past = await fetch(url, { headers: { cookie, range: `bytes=${bytes.length}-` } });
  equal(past.status, 416);
  equal(past.headers.get("content-range"), `bytes */${bytes.length}`);
  await past.body?.cancel();
  await server.waitFor(/ bob is downloading "notes 笔记\.bin" \(97\.7 KiB\)$/);
});

Deno.test("an uploaded .html comes back as an attachment, never as a page", async () => {
  await using dir = await tempDir();
  const { server, web } = await startWebServer(dir);
  await using _s = server;
  const cookie = await pageCookie(web);
  await using bob = await WebChat.open(web, { cookie });
  await bob.join("bob");
  const page = new TextEncoder().encode("<script>alert(1)</script>");
  const name = await uploadOver(bob, "<img src=x onerror=alert(1)>.html", page, 3);
  const res = await fetch(`http://127.0.0.1:${web}/files/${encodeURIComponent(name)}`, {
    headers: { cookie },
  });
  equal(res.status, 200);
  equal(res.headers.get("content-type"), "application/octet-stream");
  equal(res.headers.get("x-content-type-options"), "nosniff");
  match(
    res.headers.get("content-disposition")!,
    /^attachment; filename="[^"]*"; filename\*=UTF-8''/,
  );
  deepStrictEqual(new Uint8Array(await res.arrayBuffer()), page);
});

Deno.test("downloads: traversal paths get 404, a browser with no member in the room gets 403", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(join(dir.path, "secret.txt"), "not shared");
  const { server, web } = await startWebServer(dir);
  await using _s = server;
  const cookie = await pageCookie(web);
  const base = `http://127.0.0.1:${web}`;
  const status = async (path: string, headers: Record<string, string> = { cookie }) => {
    const res = await fetch(base + path, { headers });
    await res.body?.cancel();
    return res.status;
  };
  // Not joined yet: nothing is served, whatever the name.
  equal(await status("/files/anything.txt"), 403);
  await using bob = await WebChat.open(web, { cookie });
  await bob.join("bob");
  equal(await status("/files/anything.txt", {}), 403); // no cookie
  equal(await status("/files/anything.txt", { cookie: await pageCookie(web) }), 403); // not its
  for (
    const path of [
      "/files/..%2f..%2fetc%2fpasswd",
      "/files/..%252f..%252fetc%252fpasswd",
      "/files/..%5c..%5cetc%5cpasswd",
      "/files/..%2fsecret.txt",
      "/files/%2e%2e%2fsecret.txt",
      "/files/a%00.txt",
      "/files/.chat.db",
      "/files/",
      "/files/no-such-file.txt",
    ]
  ) {
    equal(await status(path), 404, path);
  }
  // A backslash is a slash to the URL parser, so this never reaches /files/; sent as it is, too.
  equal(await status("/files/..\\..\\etc\\passwd"), 404);
  const raw = await rawHttp(
    web,
    `GET /files/..\\..\\etc\\passwd HTTP/1.1\r\nHost: 127.0.0.1:${web}\r\n${cookieLine(cookie)}`,
  );
  match(raw, /^HTTP\/1\.1 404 /);
});

function cookieLine(cookie: string): string {
  return `Cookie: ${cookie}\r\nConnection: close\r\n`;
}

// ---------------------------------------------------------------- staying logged in

const PASSWORD = "correct horse battery";

/** `POST /session?name=NAME` or `DELETE /session`, as the page sends it; the response, read. */
async function sessionRequest(
  web: number,
  method: string,
  headers: Record<string, string>,
  name = "",
): Promise<Response> {
  const query = method === "POST" ? `?name=${encodeURIComponent(name)}` : "";
  const res = await fetch(`http://127.0.0.1:${web}/session${query}`, { method, headers });
  await res.body?.cancel();
  return res;
}

/** The `chat_session` cookie a `POST /session` sets: `chat_session=TOKEN`. */
async function keepLogin(web: number, cookie: string, name: string): Promise<string> {
  const origin = `http://127.0.0.1:${web}`;
  const res = await sessionRequest(web, "POST", { cookie, origin }, name);
  equal(res.status, 204);
  const set = res.headers.get("set-cookie") ?? "";
  const m =
    /^(chat_session=[A-Za-z0-9_-]{43}); HttpOnly; SameSite=Strict; Path=\/ws; Max-Age=2592000$/
      .exec(set);
  ok(m, set);
  return m[1];
}

/** Join over a new WebSocket with these cookies and no password; the `J` response. */
async function joinWithCookies(web: number, cookie: string, name: string): Promise<Frame> {
  await using chat = await WebChat.open(web, { cookie });
  return await chat.request(ChatType.Join, { name });
}

Deno.test("a browser stays logged in with an HttpOnly cookie its page never holds; logging out ends it", async () => {
  await using dir = await tempDir();
  const { server, web } = await startWebServer(dir);
  await using _s = server;
  const cookie = await pageCookie(web);
  const origin = `http://127.0.0.1:${web}`;
  let kept: string;
  {
    await using page = await WebChat.open(web, { cookie });
    // Registered before joining: the token is not in the reply, the page never sees it.
    const registered = await page.request(ChatType.Register, { name: "erin", password: PASSWORD });
    equal(registered.status, Status.Ok);
    deepStrictEqual(payloadObject(registered), { name: "erin" });
    const joined = await page.request(ChatType.Join, { name: "erin" });
    equal(joined.status, Status.Ok);
    equal(payloadObject(joined).guest, false);
    equal(payloadObject(joined).token, undefined);
    kept = await keepLogin(web, cookie, "erin");

    // Only this page of this browser, for a member logged in under that name.
    const refusals: [string, Record<string, string>, string, number][] = [
      ["POST", { cookie }, "erin", 403], // no Origin
      ["POST", { cookie, origin: "http://evil.example" }, "erin", 403],
      ["POST", { origin }, "erin", 403], // no chat_browser cookie
      ["POST", { cookie: await pageCookie(web), origin }, "erin", 403], // another browser
      ["POST", { cookie, origin }, "frank", 403], // not its member
      ["GET", { cookie, origin }, "", 405],
    ];
    for (const [method, headers, name, status] of refusals) {
      const res = await sessionRequest(web, method, headers, name);
      equal(res.status, status, `${method} ${JSON.stringify(headers)} ${name}`);
      equal(res.headers.get("set-cookie"), null);
    }
  }
  await server.waitFor(/ erin disconnected \(0 online\)$/);

  // A reload: the browser sends both cookies, the page no password.
  const both = `${cookie}; ${kept}`;
  let from = server.lines.length;
  const again = await joinWithCookies(web, both, "erin");
  equal(again.status, Status.Ok, JSON.stringify(payloadObject(again)));
  equal(payloadObject(again).guest, false);
  await server.waitFor(/ erin disconnected \(0 online\)$/, from);
  // The cookie is for erin only: another name is a guest, as it would be without it.
  const other = await joinWithCookies(web, both, "frank");
  equal(payloadObject(other).guest, true);

  {
    await using page = await WebChat.open(web, { cookie: both });
    from = server.lines.length;
    equal((await page.request(ChatType.Join, { name: "erin" })).status, Status.Ok);
    equal((await page.request(ChatType.Logout)).status, Status.Ok);
    const forgot = await sessionRequest(web, "DELETE", { cookie, origin });
    equal(forgot.status, 204);
    equal(
      forgot.headers.get("set-cookie"),
      "chat_session=; HttpOnly; SameSite=Strict; Path=/ws; Max-Age=0",
    );
    // Logged out: nothing to keep any more.
    equal((await sessionRequest(web, "POST", { cookie, origin }, "erin")).status, 403);
  }
  await server.waitFor(/ erin disconnected \(0 online\)$/, from);
  // Even a browser that kept the cookie is asked for the password again.
  const refused = await joinWithCookies(web, both, "erin");
  equal(refused.status, Status.AuthRequired);
  equal(payloadObject(refused).code, "password-needed");

  // A login with the password keeps a new token.
  await using page = await WebChat.open(web, { cookie });
  equal(
    (await page.request(ChatType.Join, { name: "erin", password: PASSWORD })).status,
    Status.Ok,
  );
  const renewed = await keepLogin(web, cookie, "erin");
  ok(renewed !== kept);
});

Deno.test("a kept login survives a server restart; a password change ends it", async () => {
  await using dir = await tempDir();
  let cookies: string;
  {
    const { server, web } = await startWebServer(dir);
    await using _s = server;
    const cookie = await pageCookie(web);
    {
      await using page = await WebChat.open(web, { cookie });
      const registered = await page.request(ChatType.Register, {
        name: "erin",
        password: PASSWORD,
      });
      equal(registered.status, Status.Ok);
      equal((await page.request(ChatType.Join, { name: "erin" })).status, Status.Ok);
      cookies = `${cookie}; ${await keepLogin(web, cookie, "erin")}`;
    }
    await server.type("quit\n");
    equal(await server.exit(), 0);
  }
  {
    const { server, web } = await startWebServer(dir);
    await using _s = server;
    const joined = await joinWithCookies(web, cookies, "erin");
    equal(joined.status, Status.Ok, JSON.stringify(payloadObject(joined)));
    equal(payloadObject(joined).guest, false);
    await server.type("quit\n");
    equal(await server.exit(), 0);
  }
  {
    using db = ChatDb.open(join(dir.path, "storage", "server", ".chat.db"));
    ok(await db.setPassword(nameKey("erin"), "another horse battery"));
  }
  const { server, web } = await startWebServer(dir);
  await using _s = server;
  const refused = await joinWithCookies(web, cookies, "erin");
  equal(refused.status, Status.AuthRequired);
  equal(payloadObject(refused).code, "password-needed");
});

// ---------------------------------------------------------------- refusals and limits

Deno.test("a WebSocket from another site, or without the page's cookie, is refused with 403", async () => {
  await using dir = await tempDir();
  const { server, web } = await startWebServer(dir);
  await using _s = server;
  const cookie = await pageCookie(web);
  const upgrade = (origin: string, cookieHeader: string) =>
    rawHttp(
      web,
      `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${web}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n` +
        `Origin: ${origin}\r\n${cookieHeader}`,
    );
  match(await upgrade("http://evil.example", `Cookie: ${cookie}\r\n`), /^HTTP\/1\.1 403 /);
  match(await upgrade(`http://127.0.0.1:${web}`, ""), /^HTTP\/1\.1 403 /);
  match(await upgrade(`http://127.0.0.1:${web}`, `Cookie: ${cookie}\r\n`), /^HTTP\/1\.1 101 /);
  await rejects(WebChat.open(web, { cookie, origin: "http://evil.example" }));
  await server.waitFor(/refused: its page came from http:\/\/evil\.example, not http:\/\/127/);
  await server.waitFor(/WebSocket refused: it has no chat_browser cookie/);
  // A name pointed at this loopback server from elsewhere (DNS rebinding) gets nothing.
  match(await rawHttp(web, `GET / HTTP/1.1\r\nHost: evil.example:${web}\r\n`), /^HTTP\/1\.1 403 /);
});

Deno.test("with --tls the page is https (HTTP/2 too) and its WebSocket wss; an http page may not use it", async () => {
  await using dir = await tempDir();
  const server = new Program("chat-server", ["--port", "0", "--web-port", "0", "--tls"], {
    cwd: dir.path,
    stdin: "piped",
  });
  await using _s = server;
  const web = Number(
    (await server.waitFor(/^Open https:\/\/127\.0\.0\.1:(\d+)\/ in a browser$/))[1],
  );
  const caCerts = [await Deno.readTextFile(join(dir.path, "storage", "server", "tls-cert.pem"))];
  // fetch() offers HTTP/2, as browsers do: the host is then in the URL, with no Host header.
  using client = Deno.createHttpClient({ caCerts });
  const res = await fetch(`https://127.0.0.1:${web}/?name=alice`, { client });
  await res.body?.cancel();
  equal(res.status, 200);
  const cookie = /^(chat_browser=[A-Za-z0-9_-]{22});/.exec(res.headers.get("set-cookie") ?? "")![1];
  const upgrade = async (origin: string) => {
    const conn = await Deno.connectTls({ hostname: "127.0.0.1", port: web, caCerts });
    try {
      const head = `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${web}\r\nUpgrade: websocket\r\n` +
        `Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n` +
        `Sec-WebSocket-Version: 13\r\nOrigin: ${origin}\r\nCookie: ${cookie}\r\n\r\n`;
      await conn.write(new TextEncoder().encode(head));
      const buf = new Uint8Array(4096);
      const n = await conn.read(buf);
      return new TextDecoder().decode(buf.subarray(0, n ?? 0)).split("\r\n")[0];
    } finally {
      conn.close();
    }
  };
  match(await upgrade(`http://127.0.0.1:${web}`), /^HTTP\/1\.1 403 /);
  await server.waitFor(
    new RegExp(`refused: its page came from http://127\\.0\\.0\\.1:${web}, not https://127`),
  );
  match(await upgrade(`https://127.0.0.1:${web}`), /^HTTP\/1\.1 101 /);
  server.kill("SIGINT");
  equal(await server.exit(), 0);
});

Deno.test("a text WebSocket message, or a message that is not one frame, gets S BadFrame and a 1008 close", async () => {
  await using dir = await tempDir();
  const { server, web } = await startWebServer(dir);
  await using _s = server;
  const cookie = await pageCookie(web);
  for (
    const send of [
      (ws: WebSocket) => ws.send('{"type":"J"}'),
      (ws: WebSocket) => ws.send(encodeFrame(request(ChatType.Heartbeat, 1)).subarray(0, 8)),
      (ws: WebSocket) => {
        const one = encodeFrame(request(ChatType.Heartbeat, 1));
        ws.send(new Uint8Array([...one, ...one]));
      },
    ]
  ) {
    await using chat = await WebChat.open(web, { cookie });
    send(chat.ws);
    const bad = await chat.waitFor((f) => f.type === ChatType.Notice, "the S notice");
    equal(bad.status, Status.BadFrame);
    equal(payloadObject(bad).code, "malformed-frame");
    equal((await chat.ended()).code, CloseCode.PolicyViolation);
  }
  await server.waitFor(/sent a malformed frame: A text message/);
});

Deno.test("a full room tells a browser so; a silent browser is evicted like a terminal", async () => {
  await using dir = await tempDir();
  const { server, port, web } = await startWebServer(dir, [
    "--max-clients",
    "1",
    "--heartbeat",
    "0.3",
  ]);
  await using _s = server;
  const cookie = await pageCookie(web);
  {
    await using alice = await RawChat.connect(port);
    await alice.join("alice");
    await using late = await WebChat.open(web, { cookie });
    const full = await late.waitFor((f) => f.type === ChatType.Notice, "the Full notice");
    equal(full.status, Status.Full);
    equal((await late.ended()).code, CloseCode.Normal);
  }
  await server.waitFor(/alice disconnected \(0 online\)$/);
  await using quiet = await WebChat.open(web, { cookie });
  await quiet.join("quiet");
  const evicted = await quiet.waitFor((f) => f.type === ChatType.Notice, "the Timeout notice");
  equal(evicted.status, Status.Timeout);
  equal(payloadObject(evicted).code, "no-heartbeat");
  equal((await quiet.ended()).code, CloseCode.Normal);
});

Deno.test("quit tells browsers goodbye, closes their sockets and stops the web port", async () => {
  await using dir = await tempDir();
  const { server, web } = await startWebServer(dir);
  await using _s = server;
  await using bob = await WebChat.open(web, { cookie: await pageCookie(web) });
  await bob.join("bob");
  await server.type("quit\n");
  const bye = await bob.waitFor((f) => f.type === ChatType.Notice, "the goodbye");
  equal(payloadObject(bye).code, "shutting-down");
  equal((await bob.ended()).code, CloseCode.Normal);
  equal(await server.exit(), 0);
  await rejects(fetch(`http://127.0.0.1:${web}/`));
});

// ---------------------------------------------------------------- the command line

Deno.test("chat-server's web port in use is said in one line, exit 1; --no-web opens none", async () => {
  await using dir = await tempDir();
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { code, stdout, stderr } = await runTask("chat-server", [
    "--port",
    "0",
    "--web-port",
    String(taken.addr.port),
  ], { cwd: dir.path });
  equal(code, 1, stdout);
  equal(stderr.split("\n").length, 1, stderr);
  match(
    stderr,
    new RegExp(
      `^chat_server: cannot serve the web page on 127\\.0\\.0\\.1:${taken.addr.port}: ` +
        "address already in use.*; choose another --web-port, or --no-web$",
    ),
  );

  await using server = new Program("chat-server", ["--port", "0", "--no-web"], {
    cwd: dir.path,
    stdin: "piped",
  });
  await server.waitFor(/^Storing files in /);
  await server.type("quit\n");
  equal(await server.exit(), 0);
  ok(!server.lines.some((l) => /Open http|in a browser/.test(l)), server.lines.join("\n"));
});

Deno.test("chat-server --help lists --web-port and --no-web in English and Chinese", async () => {
  const en = await runTask("chat-server", ["--help"], { env: { LANG: "C" } });
  match(en.stdout, /^ {2}--web-port PORT {8}port of the web page, where browsers join/m);
  match(en.stdout, /^ {2}--no-web {15}serve no web page: terminal clients only$/m);
  const zh = await runTask("chat-server", ["--help"], { env: CHINESE });
  match(zh.stdout, /^ {2}--web-port PORT {8}网页的端口/m);
  match(zh.stdout, /^ {2}--no-web {15}不提供网页/m);
  equal(chatText.in("zh", "webOpen", { url: "http://x/" }), "在浏览器中打开 http://x/");
});

Deno.test("the page and the modules it imports are served, TypeScript stripped, from any folder", async () => {
  // From a temporary folder, with the task's permissions: nothing of lib/ is read, the page is
  // part of the program.
  await using dir = await tempDir();
  const { server, web } = await startWebServer(dir);
  await using _s = server;
  const base = `http://127.0.0.1:${web}`;
  const page = await fetch(`${base}/`);
  equal(page.status, 200);
  checkSecurityHeaders(page);
  match(page.headers.get("content-type")!, /^text\/html; charset=utf-8$/);
  match(page.headers.get("set-cookie")!, /^chat_browser=/);
  const html = await page.text();
  const script = /<script type="module" src="([^"]+)"/.exec(html)?.[1];
  equal(script, "/lib/web/page/main.ts");
  const main = await fetch(base + script);
  equal(main.headers.get("content-type"), "text/javascript; charset=utf-8");
  const code = await main.text();
  ok(!/^\s*import type /m.test(code), "type-only imports are stripped");
  ok(code.includes('from "./session.ts"'), "the module itself");
  for (const path of Object.keys(PAGE_ASSETS)) {
    const res = await fetch(base + path);
    await res.body?.cancel();
    equal(res.status, 200, path);
  }
  for (
    const path of [
      "/lib/chat/server_flags.ts",
      "/lib/web/page_assets.ts",
      "/lib/web/page/deno.json",
      "/lib/web/page/vendor/README.md",
      "/deno.json",
    ]
  ) {
    const res = await fetch(base + path);
    await res.body?.cancel();
    equal(res.status, 404, path);
  }
});

// ---------------------------------------------------------------- the parts, in this process

Deno.test("page_assets.ts lists exactly the page's files and the modules its scripts import", async () => {
  const onDisk = await scanPage(join(ROOT, "lib"));
  const listed = Object.keys(PAGE_ASSETS);
  const missing = onDisk.filter((path) => !listed.includes(path));
  const extra = listed.filter((path) => !onDisk.includes(path));
  const fix = [
    ...missing.map((path) => `missing from lib/web/page_assets.ts: ${path.slice(1)}`),
    ...extra.map((path) =>
      `listed in lib/web/page_assets.ts but not part of the page: ${path.slice(1)}`
    ),
  ];
  deepStrictEqual(fix, [], fix.join("\n"));
  equal(buildPage().size, listed.length);
});

Deno.test("scanPage() finds the page's folder and what its scripts import from lib/, nothing else", async () => {
  await using dir = await tempDir();
  const lib = join(dir.path, "lib");
  const write = async (path: string, text: string) => {
    await Deno.mkdir(join(lib, path, ".."), { recursive: true });
    await Deno.writeTextFile(join(lib, path), text);
  };
  await write("web/page/index.html", '<script type="module" src="/lib/web/page/main.ts"></script>');
  await write(
    "web/page/main.ts",
    'import { shout } from "../../text/shout.ts";\nimport type { T } from "../../text/types.ts";\n' +
      "const word: string = shout('hi');\nexport const t: T | null = null;\n",
  );
  await write("web/page/style.css", "body { margin: 0 }");
  await write("web/page/notes.md", "not served");
  await write("web/page/.hidden.ts", "export {};");
  await write("text/shout.ts", 'import "./deeper.js";\nexport const shout = (s: string) => s;\n');
  await write("text/deeper.js", 'import "npm:left-pad";\nimport "../../../outside.ts";\n');
  await write("text/types.ts", "export type T = number;");
  await write("text/unused.ts", "export {};");
  deepStrictEqual(await scanPage(lib), [
    "/lib/text/deeper.js",
    "/lib/text/shout.ts",
    "/lib/web/page/index.html",
    "/lib/web/page/main.ts",
    "/lib/web/page/style.css",
  ]);
  await write("web/page/bad.ts", "enum Colour { Red }\n");
  await rejects(scanPage(lib), /^Error: lib\/web\/page\/bad\.ts: /);
});

Deno.test("buildPage() strips types, types each file, and names a module it lacks or cannot strip", () => {
  const files = buildPage({
    "/lib/web/page/index.html": '<script type="module" src="/lib/web/page/main.ts"></script>',
    "/lib/web/page/main.ts": 'import { a } from "../../x/a.ts";\nconst n: number = a;\n',
    "/lib/x/a.ts": "export const a: number = 1;\n",
    "/lib/web/page/icon.png": new Uint8Array([0x89, 0x50]),
  });
  const main = new TextDecoder().decode(files.get("/lib/web/page/main.ts")!.body);
  ok(!main.includes(": number"), main);
  equal(files.get("/lib/x/a.ts")!.type, "text/javascript; charset=utf-8");
  equal(files.get("/lib/web/page/index.html")!.type, "text/html; charset=utf-8");
  deepStrictEqual(files.get("/lib/web/page/icon.png"), {
    body: new Uint8Array([0x89, 0x50]),
    type: "image/png",
  });
  throws(
    () => buildPage({ "/lib/web/page/main.ts": 'import "./gone.ts";\n' }),
    /^Error: lib\/web\/page\/main\.ts imports lib\/web\/page\/gone\.ts, which lib\/web\/page_assets\.ts does not list$/,
  );
  throws(
    () => buildPage({ "/lib/web/page/bad.ts": "enum Colour { Red }\n" }),
    /^Error: lib\/web\/page\/bad\.ts: /,
  );
  throws(() => buildPage({ "/lib/web/page/notes.md": "x" }), /not a type the page may serve/);
});

Deno.test("storedName(), parseRange() and contentDisposition() keep downloads to stored names", () => {
  equal(storedName("a%20b.txt"), "a b.txt");
  for (const bad of ["..%2fx", "..%252fx", "..%5cx", "a%00b", ".chat.db", "%E0%A4%A", "", "a/b"]) {
    equal(storedName(bad), null, bad);
  }
  equal(storedName(".0f3a.part"), null);
  deepStrictEqual(parseRange("bytes=0-0", 10), { start: 0, end: 0 });
  deepStrictEqual(parseRange("bytes=5-", 10), { start: 5, end: 9 });
  deepStrictEqual(parseRange("bytes=5-100", 10), { start: 5, end: 9 });
  deepStrictEqual(parseRange("bytes=-100", 10), { start: 0, end: 9 });
  equal(parseRange("bytes=-0", 10), "unsatisfiable");
  equal(parseRange("bytes=0-", 0), "unsatisfiable");
  equal(parseRange("bytes=7-3", 10), null);
  equal(parseRange("items=0-1", 10), null);
  equal(parseRange(null, 10), null);
  equal(
    contentDisposition('a"b\\c%.txt'),
    `attachment; filename="a_b_c_.txt"; filename*=UTF-8''a%22b%5Cc%25.txt`,
  );
  equal(
    contentDisposition("it's (1)*.txt"),
    `attachment; filename="it's (1)*.txt"; filename*=UTF-8''it%27s%20%281%29%2A.txt`,
  );
});

/** A stand-in for a server-side WebSocket: what was sent, and a `bufferedAmount` to set. */
class FakeSocket extends EventTarget {
  readyState: number = WebSocket.OPEN;
  binaryType = "arraybuffer";
  bufferedAmount = 0;
  readonly sent: Uint8Array[] = [];
  closedWith: number | undefined;

  send(bytes: Uint8Array): void {
    this.sent.push(bytes.slice());
    this.bufferedAmount += bytes.length;
  }

  /** Close, and the browser answers the closing handshake at once. */
  close(code?: number): void {
    this.closedWith = code;
    this.readyState = WebSocket.CLOSED;
    this.bufferedAmount = 0;
    this.dispatchEvent(new CloseEvent("close", { code, wasClean: true }));
  }

  message(data: ArrayBuffer | string): void {
    this.dispatchEvent(new MessageEvent("message", { data }));
  }
}

function wsMember(socket: FakeSocket, maxQueuedBytes = 1000): WsMember {
  return new WsMember(socket as unknown as WebSocket, "127.0.0.1:1", {
    maxQueuedBytes,
    flowWindowBytes: 100,
  });
}

Deno.test("a WebSocket member that sends more than it may have unread is dropped as malformed", async () => {
  const socket = new FakeSocket();
  const member = wsMember(socket);
  const frame = encodeFrame(request(ChatType.Heartbeat, 1));
  for (let i = 0; i <= MAX_UNREAD_FRAMES; i++) socket.message(frame.slice().buffer);
  for (let i = 0; i < MAX_UNREAD_FRAMES; i++) equal((await member.read())?.type, "H");
  await rejects(member.read(), (err) => err instanceof ProtocolError && /ahead/.test(err.message));
  await member.hangUp(WAIT_MS);
  equal(socket.closedWith, CloseCode.PolicyViolation);
  await member.finished;
});

Deno.test("a WebSocket member keeps TCP's queue bounds: a slow reader is refused, a farewell drops the rest", async () => {
  const frame = (n: number) => encodeFrame(indication(ChatType.Chat, { t: "x".repeat(n) }));
  const [big, mid, small] = [frame(200 * 1024), frame(100 * 1024), frame(10)];

  // What the socket has not sent counts against the queue, as unwritten bytes do over TCP.
  const slow = new FakeSocket();
  const reader = wsMember(slow, 150 * 1024);
  ok(reader.send(big)); // an empty queue takes anything
  equal(reader.send(small), false); // still in the socket: too slow
  slow.bufferedAmount = 0;
  ok(reader.send(small));
  reader.close();

  // Past a quarter of a MiB in the socket, the rest waits in the member, and goes as it drains.
  const socket = new FakeSocket();
  const member = wsMember(socket, 1024 * 1024);
  ok(member.send(big));
  ok(member.send(mid));
  equal(socket.sent.length, 1);
  const drained = member.messagesBelow(mid.length);
  socket.bufferedAmount = 0; // the socket sent `big`; the timer that watches it sees so
  await drained;
  equal(socket.sent.length, 2);

  // A farewell drops what has not reached the socket yet.
  ok(member.send(big));
  ok(member.send(mid));
  const handed = socket.sent.length;
  member.farewell(encodeFrame(indication(ChatType.Notice, { bye: true })));
  deepStrictEqual(
    socket.sent.slice(handed).map((b) => payloadObject(new FrameDecoder().push(b)[0])),
    [{ bye: true }],
  );
  member.close();
  await member.finished;
  equal(await member.read(), null);
});
