/**
 * The chat room's web side: one HTTP port that serves the page, lets a browser into the room
 * over a WebSocket (`/ws`, one frame per binary message), keeps a browser's login in an
 * `HttpOnly` cookie (`/session`), and sends shared files over plain HTTP (`/files/NAME`).
 * docs/PROTOCOL.md ("WebSocket and HTTP") says what each path answers.
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import { STATUS_CODES } from "node:http";
import { encodeFrame, Status } from "../wire/frame.ts";
import { withDeadline } from "../net/deadline.ts";
import { formatHostPort, isLoopback } from "../net/host_port.ts";
import type { OutboxLimits } from "../net/outbox.ts";
import { formatBytes } from "../cli/units.ts";
import { lang } from "../cli/i18n.ts";
import { nameKey, notice } from "../chat/protocol.ts";
import { sentence, serverFull } from "../chat/reason.ts";
import { FAREWELL_MS } from "../chat/session.ts";
import { chatText as text } from "../chat/text.ts";
import { SESSION_MAX_AGE_SECONDS } from "../chat/accounts.ts";
import type { Member } from "../chat/member.ts";
import type { Room } from "../chat/room.ts";
import { buildPage, INDEX_PATH, type PageFiles } from "./page_files.ts";
import { downloadFile, storedName } from "./file_download.ts";
import { WsMember } from "./ws_member.ts";

/** A certificate and its key, PEM: with them the page is https and the WebSocket wss. */
export interface WebTls {
  cert: string;
  key: string;
}

/**
 * Headers on every response. The page runs only its own scripts from its own origin (no
 * inline script, so injected markup cannot run), is never framed, and nothing is sniffed into
 * another type: an uploaded file is always `application/octet-stream`, saved, never shown.
 * CSP's `'self'` covers the page's own `ws:` (or `wss:`) origin too (CSP Level 3).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy":
    "default-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-cache",
  "Cross-Origin-Resource-Policy": "same-origin",
};

/** The cookie that ties a browser's downloads to its WebSocket member. */
export const COOKIE_NAME = "chat_browser";
/** 128 random bits, base64url: 22 characters. */
const COOKIE_VALUE = /^[A-Za-z0-9_-]{22}$/;
/**
 * The cookie that keeps a browser logged in: a session token of the room's database, which
 * the page's script never sees (`HttpOnly`), another site's requests never carry
 * (`SameSite=Strict`), and only the WebSocket's upgrade carries (`Path=/ws`).
 */
export const SESSION_COOKIE = "chat_session";
/** A session token: 256 random bits, base64url: 43 characters. */
const SESSION_VALUE = /^[A-Za-z0-9_-]{43}$/;

/** What {@linkcode WebServer.serve} needs from the chat server. */
export interface WebRoom {
  /** The room browsers join. */
  room: Room;
  /** A member's sending limits, as for a TCP member. */
  limits: OutboxLimits;
  /** Serve one admitted member until it leaves: the same path as a TCP member's. */
  serveMember: (member: Member) => Promise<void>;
  /** A stored file's recorded SHA-256 and size, for `Repr-Digest`. */
  sha256Of: (name: string) => { sha256: string; size: number } | undefined;
  /** Aborting it stops the web server: downloads end, and no one else is let in. */
  signal?: AbortSignal;
}

/**
 * The HTTP side of the chat server.
 *
 * @remarks
 * It is bound (and the page made) before the room exists, so a port in use is reported at start
 * in one line; until {@linkcode WebServer.serve} gives it the room it answers 503.
 *
 * @example
 * ```ts ignore
 * const web = WebServer.listen("127.0.0.1", 15080);
 * console.log(web.url); // http://127.0.0.1:15080/
 * await web.serve({ room, limits, serveMember, sha256Of, signal });
 * ```
 */
export class WebServer {
  /** Where it listens. */
  readonly addr: Deno.NetAddr;
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #host: string;
  /** `http:` or `https:`: what the page's `Origin` starts with. */
  readonly #scheme: "http:" | "https:";
  readonly #page: PageFiles;
  #room: WebRoom | null = null;
  #stopping = false;
  /** The joined-or-not WebSocket members of each browser, by its cookie. */
  readonly #browsers = new Map<string, Set<Member>>();
  readonly #tasks = new Set<Promise<void>>();
  readonly #downloads = new AbortController();

  private constructor(host: string, page: PageFiles, port: number, tls?: WebTls) {
    this.#host = host;
    this.#scheme = tls ? "https:" : "http:";
    this.#page = page;
    this.#server = Deno.serve({
      hostname: host,
      port,
      // The chat port's certificate: one fingerprint for the terminal and the browser.
      ...tls ? { cert: tls.cert, key: tls.key } : {},
      onListen: () => {}, // the program says where, in its own words
      onError: () => secured(respond(500)),
    }, (request, info) => this.#handle(request, info));
    this.addr = this.#server.addr;
  }

  /**
   * Make the page's files (they are part of the program: lib/web/page_assets.ts) and bind the
   * port.
   *
   * @param host The address to listen on (the chat server's `--host`).
   * @param port The port; 0 picks a free one.
   * @param tls A certificate and key: serve https (and wss) instead of http (and ws).
   * @returns The server, answering 503 until it is given the room.
   * @throws {Error} When the page's code cannot be served (the message names the file).
   * @throws {Deno.errors.AddrInUse} And the other errors of binding.
   */
  static listen(host: string, port: number, tls?: WebTls): WebServer {
    return new WebServer(host, buildPage(), port, tls);
  }

  /** The address to open in a browser; a wildcard host is shown as this machine's loopback. */
  get url(): string {
    const { hostname, port } = this.addr;
    const shown = hostname === "0.0.0.0" ? "127.0.0.1" : hostname === "::" ? "::1" : hostname;
    return `${this.#scheme}//${formatHostPort({ hostname: shown, port })}/`;
  }

  /**
   * What the server says at start, after its chat port: where to open the page.
   *
   * @returns The line, in the program's language.
   */
  describe(): string {
    return text("webOpen", { url: this.url });
  }

  /**
   * Let browsers into the room until the signal aborts; then stop downloads, wait for every
   * WebSocket member to be done, and close the port.
   *
   * @param web The room, the members' limits, how to serve one, and the stop signal.
   */
  async serve(web: WebRoom): Promise<void> {
    this.#room = web;
    const { signal } = web;
    if (!signal?.aborted) {
      await new Promise((resolve) => signal?.addEventListener("abort", resolve, { once: true }));
    }
    // Let no one else in while the room says goodbye to every member (each WebSocket closes
    // with 1000 after its last notice); then close the port. A browser that never answers the
    // closing handshake is not waited for long.
    this.#stopping = true;
    this.#downloads.abort();
    while (this.#tasks.size > 0) await Promise.all(this.#tasks);
    await withDeadline(this.#server.shutdown(), FAREWELL_MS);
  }

  #handle(
    request: Request,
    info: Deno.ServeHandlerInfo<Deno.NetAddr>,
  ): Promise<Response> | Response {
    const response = this.#route(request, info);
    return response instanceof Promise ? response.then(secured) : secured(response);
  }

  #route(
    request: Request,
    info: Deno.ServeHandlerInfo<Deno.NetAddr>,
  ): Promise<Response> | Response {
    const web = this.#room;
    if (web === null || this.#stopping) return respond(503);
    const peer = formatHostPort(info.remoteAddr);
    // HTTP/2, which browsers speak over https, names the host in the URL, not in `Host`.
    const host = request.headers.get("Host") ??
      (this.#scheme === "https:" ? new URL(request.url).host : null);
    if (!this.#hostAllowed(host)) {
      web.room.say(text("logWebForeignHost", { peer, host: String(host) }));
      return respond(403);
    }
    const { pathname } = new URL(request.url);
    if (pathname === "/session") return this.#session(request, web, host!);
    if (request.method !== "GET" && request.method !== "HEAD") {
      return respond(405, { Allow: "GET, HEAD" });
    }
    if (pathname === "/ws") return this.#upgrade(request, web, peer, host!);
    if (pathname.startsWith("/files/")) return this.#download(request, web, pathname);
    if (pathname === "/") return this.#index(request);
    const file = this.#page.get(pathname);
    if (file === undefined) return respond(404);
    return new Response(file.body, { headers: { "Content-Type": file.type } });
  }

  /**
   * A loopback server answers only requests made for a loopback name: a page elsewhere whose
   * name an attacker points at 127.0.0.1 (DNS rebinding) is refused, so the room stays as
   * private as its `--host` says. A server open to the network takes any name.
   */
  #hostAllowed(host: string | null): boolean {
    if (host === null) return false;
    if (!isLoopback(this.#host)) return true;
    try {
      return isLoopback(new URL(`http://${host}`).hostname.replace(/^\[|\]$/g, ""));
    } catch {
      return false;
    }
  }

  /** The page, with the browser's cookie: one it already has, else a new one. */
  #index(request: Request): Response {
    const page = this.#page.get(INDEX_PATH);
    const response = page === undefined
      ? respond(404)
      : new Response(page.body, { headers: { "Content-Type": page.type } });
    if (cookieOf(request, COOKIE_NAME, COOKIE_VALUE) === null) {
      const value = randomBytes(16).toString("base64url");
      response.headers.set(
        "Set-Cookie",
        `${COOKIE_NAME}=${value}; HttpOnly; SameSite=Strict; Path=/`,
      );
    }
    return response;
  }

  /** `/ws`: a page of this origin, with its cookie, joins the room (or hears it is full). */
  #upgrade(request: Request, web: WebRoom, peer: string, host: string): Response {
    // Cross-site WebSocket hijacking: any page may open a WebSocket to any address, and the
    // browser says only where that page came from.
    const origin = request.headers.get("Origin");
    if (!sameOrigin(origin, this.#scheme, host)) {
      const expected = `${this.#scheme}//${host}`;
      const why = text("webForeignOrigin", { origin: String(origin), expected });
      web.room.say(text("logWebRefused", { peer, why }));
      return respond(403);
    }
    const cookie = cookieOf(request, COOKIE_NAME, COOKIE_VALUE);
    if (cookie === null) {
      web.room.say(text("logWebRefused", { peer, why: text("webNoCookie") }));
      return respond(403);
    }
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return respond(426, { Upgrade: "websocket" });
    }
    // Read before the upgrade, which ends the request.
    const token = cookieOf(request, SESSION_COOKIE, SESSION_VALUE) ?? undefined;
    let upgraded: ReturnType<typeof Deno.upgradeWebSocket>;
    try {
      // No pings of Deno's own: the page sends H requests and the room evicts a silent member.
      upgraded = Deno.upgradeWebSocket(request, { idleTimeout: 0 });
    } catch {
      return respond(400);
    }
    const member = new WsMember(upgraded.socket, peer, web.limits, token);
    this.#track(this.#admit(web, member, cookie));
    return upgraded.response;
  }

  /** Serve a member as a TCP member is served, or turn it away when the room is full. */
  async #admit(web: WebRoom, member: WsMember, cookie: string): Promise<void> {
    const { room } = web;
    if (room.isFull()) {
      const full = serverFull(room.settings.maxClients);
      room.say(text("logRefused", { peer: member.peer, why: sentence(lang(), full)! }));
      member.farewell(encodeFrame(notice(Status.Full, full)));
      await member.hangUp(FAREWELL_MS);
      return;
    }
    let members = this.#browsers.get(cookie);
    if (members === undefined) this.#browsers.set(cookie, members = new Set());
    members.add(member);
    try {
      await web.serveMember(member);
    } finally {
      members.delete(member);
      if (members.size === 0) this.#browsers.delete(cookie);
    }
  }

  /**
   * `/session`: `POST /session?name=NAME` keeps the login of this browser's member NAME in the
   * `chat_session` cookie, `DELETE` forgets it. A login happens over the WebSocket, where no
   * cookie can be set; the page asks for it here right after, and never holds the token itself.
   */
  #session(request: Request, web: WebRoom, host: string): Response {
    if (request.method !== "POST" && request.method !== "DELETE") {
      return respond(405, { Allow: "POST, DELETE" });
    }
    // Only the page itself: another site's form or script may not log this browser in or out.
    const cookie = cookieOf(request, COOKIE_NAME, COOKIE_VALUE);
    const origin = request.headers.get("Origin");
    if (!sameOrigin(origin, this.#scheme, host) || cookie === null) return respond(403);
    if (request.method === "DELETE") return noContent(sessionCookie("", 0));
    const name = new URL(request.url).searchParams.get("name") ?? "";
    const members = this.#browsers.get(cookie);
    const session = web.room.members().find((s) =>
      members?.has(s.member) && !s.guest && nameKey(s.name!) === nameKey(name)
    );
    const token = session?.member.cookieLogin?.token;
    if (token === undefined) return respond(403); // that member of this browser is not logged in
    return noContent(sessionCookie(token, SESSION_MAX_AGE_SECONDS));
  }

  /** `/files/NAME`: a shared file, for a browser with a member in the room. */
  async #download(request: Request, web: WebRoom, pathname: string): Promise<Response> {
    const cookie = cookieOf(request, COOKIE_NAME, COOKIE_VALUE);
    const members = cookie === null ? undefined : this.#browsers.get(cookie);
    const session = members && web.room.members().find((s) => members.has(s.member));
    if (session === undefined) return respond(403);
    const name = storedName(pathname.slice("/files/".length));
    if (name === null) return respond(404);
    const who = session.label;
    return await downloadFile(request, name, {
      storage: web.room.settings.storage,
      sha256Of: web.sha256Of,
      signal: this.#downloads.signal,
      onStart: (bytes) => {
        web.room.say(text("logDownloading", { name: who, file: name, size: formatBytes(bytes) }));
      },
      onEnd: (complete) => {
        web.room.say(
          text(complete ? "logDownloaded" : "logDownloadStopped", { name: who, file: name }),
        );
      },
    });
  }

  #track(task: Promise<void>): void {
    const p = task.catch(() => {}).finally(() => this.#tasks.delete(p));
    this.#tasks.add(p);
  }
}

/** A cookie the browser sent, if it sent a well-formed one. */
function cookieOf(request: Request, wanted: string, format: RegExp): string | null {
  for (const part of (request.headers.get("Cookie") ?? "").split(";")) {
    const [name, value] = part.trim().split("=", 2);
    if (name === wanted && format.test(value ?? "")) return value;
  }
  return null;
}

/**
 * Whether a request comes from a page of this server: its `Origin` is the server's scheme
 * (`http:`, or `https:` with `--tls`) and the request's `Host`, compared without regard to case.
 * A page served over http may not use an https server's WebSocket, nor the reverse.
 */
function sameOrigin(origin: string | null, scheme: string, host: string): boolean {
  return origin?.toLowerCase() === `${scheme}//${host}`.toLowerCase();
}

/** The `Set-Cookie` value that keeps a session token, or (empty, 0 seconds) removes it. */
function sessionCookie(token: string, maxAge: number): string {
  return `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/ws; Max-Age=${maxAge}`;
}

/** 204, with a cookie to set. */
function noContent(setCookie: string): Response {
  return new Response(null, { status: 204, headers: { "Set-Cookie": setCookie } });
}

/** A bare status: its code and reason phrase as the body, no sentence to translate. */
function respond(status: number, headers: Record<string, string> = {}): Response {
  return new Response(`${status} ${STATUS_CODES[status] ?? ""}\n`, {
    status,
    headers: { "Content-Type": "text/plain; charset=utf-8", ...headers },
  });
}

/** Add the headers every response has. */
function secured(response: Response): Response {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.headers.set(name, value);
  return response;
}
