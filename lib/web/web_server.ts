/**
 * The chat room's web side: one HTTP port that serves the page, lets a browser into the room
 * over a WebSocket (`/ws`, one frame per binary message), and sends shared files over plain
 * HTTP (`/files/NAME`). docs/PROTOCOL.md ("WebSocket and HTTP") says what each path answers.
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
import { notice } from "../chat/protocol.ts";
import { sentence, serverFull } from "../chat/reason.ts";
import { FAREWELL_MS } from "../chat/session.ts";
import { chatText as text } from "../chat/text.ts";
import type { Member } from "../chat/member.ts";
import type { Room } from "../chat/room.ts";
import { INDEX_PATH, loadPage, mayReadPage, PAGE_DIR, type PageFiles } from "./page_files.ts";
import { downloadFile, storedName } from "./file_download.ts";
import { WsMember } from "./ws_member.ts";

/**
 * Headers on every response. The page runs only its own scripts from its own origin (no
 * inline script, so injected markup cannot run), is never framed, and nothing is sniffed into
 * another type: an uploaded file is always `application/octet-stream`, saved, never shown.
 * CSP's `'self'` covers the page's own `ws:` origin too (CSP Level 3).
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
 * It is bound (and the page read) before the room exists, so a port in use is reported at start
 * in one line; until {@linkcode WebServer.serve} gives it the room it answers 503.
 *
 * @example
 * ```ts ignore
 * const web = await WebServer.listen("127.0.0.1", 15080);
 * console.log(web.url); // http://127.0.0.1:15080/
 * await web.serve({ room, limits, serveMember, sha256Of, signal });
 * ```
 */
export class WebServer {
  /** Where it listens. */
  readonly addr: Deno.NetAddr;
  /** Whether this process may read the page (a task run from the project's folder may). */
  readonly pageReadable: boolean;
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #host: string;
  readonly #page: PageFiles;
  #room: WebRoom | null = null;
  #stopping = false;
  /** The joined-or-not WebSocket members of each browser, by its cookie. */
  readonly #browsers = new Map<string, Set<Member>>();
  readonly #tasks = new Set<Promise<void>>();
  readonly #downloads = new AbortController();

  private constructor(host: string, page: PageFiles, pageReadable: boolean, port: number) {
    this.#host = host;
    this.#page = page;
    this.pageReadable = pageReadable;
    this.#server = Deno.serve({
      hostname: host,
      port,
      onListen: () => {}, // the program says where, in its own words
      onError: () => secured(respond(500)),
    }, (request, info) => this.#handle(request, info));
    this.addr = this.#server.addr;
  }

  /**
   * Read the page and bind the port.
   *
   * @param host The address to listen on (the chat server's `--host`).
   * @param port The port; 0 picks a free one.
   * @returns The server, answering 503 until it is given the room.
   * @throws {Error} When the page cannot be read or stripped (the message names the file).
   * @throws {Deno.errors.AddrInUse} And the other errors of binding.
   */
  static async listen(host: string, port: number): Promise<WebServer> {
    const readable = mayReadPage();
    const page = readable ? await loadPage() : new Map();
    return new WebServer(host, page, readable, port);
  }

  /** The address to open in a browser; a wildcard host is shown as this machine's loopback. */
  get url(): string {
    const { hostname, port } = this.addr;
    const shown = hostname === "0.0.0.0" ? "127.0.0.1" : hostname === "::" ? "::1" : hostname;
    return `http://${formatHostPort({ hostname: shown, port })}/`;
  }

  /**
   * What the server says at start, after its chat port: where to open the page, and why there
   * is no page when this process may not read it.
   *
   * @returns One or two lines, in the program's language.
   */
  describe(): string[] {
    const open = text("webOpen", { url: this.url });
    return this.pageReadable ? [open] : [open, text("webNotReadable", { dir: PAGE_DIR })];
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
    const host = request.headers.get("Host");
    if (!this.#hostAllowed(host)) {
      web.room.say(text("logWebForeignHost", { peer, host: String(host) }));
      return respond(403);
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      return respond(405, { Allow: "GET, HEAD" });
    }
    const { pathname } = new URL(request.url);
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
    if (cookieOf(request) === null) {
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
    const expected = `http://${host}`;
    if (origin?.toLowerCase() !== expected.toLowerCase()) {
      const why = text("webForeignOrigin", { origin: String(origin), expected });
      web.room.say(text("logWebRefused", { peer, why }));
      return respond(403);
    }
    const cookie = cookieOf(request);
    if (cookie === null) {
      web.room.say(text("logWebRefused", { peer, why: text("webNoCookie") }));
      return respond(403);
    }
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return respond(426, { Upgrade: "websocket" });
    }
    let upgraded: ReturnType<typeof Deno.upgradeWebSocket>;
    try {
      // No pings of Deno's own: the page sends H requests and the room evicts a silent member.
      upgraded = Deno.upgradeWebSocket(request, { idleTimeout: 0 });
    } catch {
      return respond(400);
    }
    const member = new WsMember(upgraded.socket, peer, web.limits);
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

  /** `/files/NAME`: a shared file, for a browser with a member in the room. */
  async #download(request: Request, web: WebRoom, pathname: string): Promise<Response> {
    const cookie = cookieOf(request);
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

/** The browser's `chat_browser` cookie, if it sent a well-formed one. */
function cookieOf(request: Request): string | null {
  for (const part of (request.headers.get("Cookie") ?? "").split(";")) {
    const [name, value] = part.trim().split("=", 2);
    if (name === COOKIE_NAME && COOKIE_VALUE.test(value ?? "")) return value;
  }
  return null;
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
