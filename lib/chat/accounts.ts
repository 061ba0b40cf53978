/**
 * Who may use a name: registered accounts with passwords, guests on the names nobody owns, and
 * a brake on guessing.
 *
 * `--auth off` uses no accounts (any free name, as the lab's first chat did); `optional` (the
 * default) lets a guest take any name that is not registered, while a registered name needs its
 * password or a session token; `required` lets in only registered users.
 *
 * A failed login is answered the same way whether the name exists or not (`login-failed`), and
 * costs the same time: an unknown name is hashed against a dummy. After five failures for one
 * name or from one address, each further attempt waits first, twice as long each time (1 s, 2 s,
 * 4 s… up to 30 s); the count is forgotten after a success or fifteen quiet minutes.
 *
 * @module
 */

import { Status } from "../wire/frame.ts";
import type { ChatDb, User } from "../store/chat_db.ts";
import { ChatError, nameKey } from "./protocol.ts";
import { reason } from "./reason.ts";

/** How the room treats names. */
export type AuthMode = "off" | "optional" | "required";

/** Every {@linkcode AuthMode}, for the flag's check. */
export const AUTH_MODES: readonly AuthMode[] = ["off", "optional", "required"];

/** Shortest password: NIST SP 800-63B's minimum for a chosen secret. */
export const MIN_PASSWORD_CHARS = 8;
/** Longest password in bytes: enough for any passphrase, bounded so hashing stays cheap. */
export const MAX_PASSWORD_BYTES = 1024;

/** Failures let through at full speed before each attempt waits. */
export const FREE_FAILURES = 5;
/** The longest wait before an attempt. */
export const MAX_DELAY_MS = 30_000;
/** Failures are forgotten after this long without another. */
const FORGET_MS = 15 * 60_000;
/**
 * How long a session token logs in after the login that made it: thirty days, as long as a
 * browser keeps the cookie that holds it (lib/web/), so a page opened once a month stays
 * logged in while a token copied long ago does not.
 */
export const SESSION_MAX_AGE_SECONDS = 30 * 24 * 60 * 60;

/** What a member may log in with. */
export interface Credentials {
  password?: string;
  /** A session token from an earlier login (the browser's cookie). */
  token?: string;
}

/** Who a member turned out to be. */
export interface Identity {
  /** The name as stored (an account's own spelling). */
  name: string;
  /** Whether it is a guest on an unregistered name. */
  guest: boolean;
  /** A new session token, after a login with a password. */
  token?: string;
}

/** Failures per name and per address, and how long the next attempt must wait. */
export class LoginBrake {
  readonly #failures = new Map<string, { count: number; last: number }>();
  readonly #now: () => number;

  /** @param now The clock (tests pass their own). */
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /**
   * How long an attempt must wait before it is checked.
   *
   * @param keys The name's key and the address.
   * @returns Milliseconds, 0 while the failures are few.
   */
  delayMs(keys: readonly string[]): number {
    let worst = 0;
    for (const key of keys) worst = Math.max(worst, this.#count(key));
    if (worst < FREE_FAILURES) return 0;
    return Math.min(MAX_DELAY_MS, 1000 * 2 ** (worst - FREE_FAILURES));
  }

  /** @param keys The name's key and the address of a failed attempt. */
  failed(keys: readonly string[]): void {
    const now = this.#now();
    for (const key of keys) {
      this.#failures.set(key, { count: this.#count(key) + 1, last: now });
    }
  }

  /** @param keys The name's key and the address of a successful login. */
  succeeded(keys: readonly string[]): void {
    for (const key of keys) this.#failures.delete(key);
  }

  #count(key: string): number {
    const seen = this.#failures.get(key);
    if (seen === undefined) return 0;
    if (this.#now() - seen.last > FORGET_MS) {
      this.#failures.delete(key);
      return 0;
    }
    return seen.count;
  }
}

/** Wait, without keeping the process alive past a shutdown's own deadline. */
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The room's accounts, over its database. */
export class Accounts {
  readonly mode: AuthMode;
  readonly #db: ChatDb;
  readonly #brake: LoginBrake;

  /**
   * @param db The open database.
   * @param mode `--auth`.
   * @param brake The failure counter (tests pass one with their own clock).
   */
  constructor(db: ChatDb, mode: AuthMode, brake = new LoginBrake()) {
    this.#db = db;
    this.mode = mode;
    this.#brake = brake;
  }

  /**
   * Whether a name belongs to an account.
   *
   * @param name Any spelling of the name.
   * @returns The account, if any.
   */
  account(name: string): User | undefined {
    return this.mode === "off" ? undefined : this.#db.user(nameKey(name));
  }

  /**
   * Decide who may join under a name.
   *
   * @param name A checked name.
   * @param credentials A password or a token, if the member gave one.
   * @param address The member's address, for the brake.
   * @returns The identity to join as.
   * @throws {ChatError} `password-needed` (14) when the name is registered and nothing was
   *   given, `login-required` (14) when every member must log in and nothing was given;
   *   `login-failed` (15) for a wrong password, or a password for a name with no account, said
   *   the same way; `account-banned` (15).
   */
  async login(name: string, credentials: Credentials, address: string): Promise<Identity> {
    if (this.mode === "off") return { name, guest: true };
    const key = nameKey(name);
    const { password, token } = credentials;
    if (token !== undefined) {
      const user = this.#db.sessionUser(token, SESSION_MAX_AGE_SECONDS * 1000);
      if (user !== null && user.key === key) return this.#admit(user, [key, address]);
      // A stale token (revoked, expired, another account's) is not a guess: it is answered as
      // no credentials at all.
    }
    if (password === undefined) {
      // The same answer for every name when all must log in: it tells nothing of who exists.
      if (this.mode === "required") {
        throw new ChatError(Status.AuthRequired, reason("login-required"));
      }
      if (this.#db.user(key) !== undefined) {
        throw new ChatError(Status.AuthRequired, reason("password-needed", { name }));
      }
      return { name, guest: true };
    }
    const keys = [`name:${key}`, `address:${address}`];
    const wait = this.#brake.delayMs(keys);
    if (wait > 0) await pause(wait);
    const user = await this.#db.verify(key, password);
    if (user === null) {
      this.#brake.failed(keys);
      throw new ChatError(Status.AuthFailed, reason("login-failed"));
    }
    this.#brake.succeeded(keys);
    const admitted = this.#admit(user, keys);
    return { ...admitted, token: this.#db.createSession(user.key) };
  }

  /**
   * Register a name with a password.
   *
   * @param name A checked name.
   * @param password The password as typed.
   * @returns The new account's identity, with a session token.
   * @throws {ChatError} `accounts-off` (10) with `--auth off`; `password-too-short` or
   *   `password-too-long` (3); `name-registered` (9) when the name has an account already.
   */
  async register(name: string, password: string): Promise<Identity> {
    if (this.mode === "off") throw new ChatError(Status.BadState, reason("accounts-off"));
    checkPassword(password);
    const user = await this.#db.register(name, nameKey(name), password);
    if (user === null) throw new ChatError(Status.Taken, reason("name-registered", { name }));
    return { name: user.name, guest: false, token: this.#db.createSession(user.key) };
  }

  /**
   * End every session of an account: its tokens no longer log in.
   *
   * @param name The account's name.
   */
  logout(name: string): void {
    this.#db.revokeSessions(nameKey(name));
  }

  #admit(user: User, _keys: readonly string[]): Identity {
    if (user.banned) {
      throw new ChatError(Status.AuthFailed, reason("account-banned", { name: user.name }));
    }
    return { name: user.name, guest: false };
  }
}

/**
 * Check a new password's length.
 *
 * @param password The password as typed.
 * @throws {ChatError} `password-too-short` or `password-too-long` (3).
 */
export function checkPassword(password: string): void {
  if ([...password.normalize("NFC")].length < MIN_PASSWORD_CHARS) {
    throw new ChatError(
      Status.BadPayload,
      reason("password-too-short", { min: MIN_PASSWORD_CHARS }),
    );
  }
  if (new TextEncoder().encode(password).length > MAX_PASSWORD_BYTES) {
    throw new ChatError(
      Status.BadPayload,
      reason("password-too-long", { max: MAX_PASSWORD_BYTES }),
    );
  }
}
