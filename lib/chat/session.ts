/**
 * One member's time in the chat room: its name, its pace, its transfers, and why it ended.
 *
 * @module
 */

import { FAREWELL_MS } from "../net/deadline.ts";
import { encodeFrame, type Frame } from "../wire/frame.ts";
import type { FileReceiver } from "../files/file_chunk.ts";
import type { Member } from "./member.ts";
import type { Reason } from "./reason.ts";

/**
 * Chat bytes one member may send per second, after a burst of {@linkcode FLOOD_BURST}: a flood
 * of long lines is slowed to a pace that members reading at an ordinary speed keep up with,
 * rather than filling their queues until they are dropped. Thousands of lines a second of
 * normal chat never reach it.
 */
export const FLOOD_BYTES_PER_SECOND = 2 * 1024 * 1024;
/** Chat bytes a member may send at once before {@linkcode FLOOD_BYTES_PER_SECOND} applies. */
export const FLOOD_BURST = 512 * 1024;

export { FAREWELL_MS } from "../net/deadline.ts";

/** An upload in progress: where its bytes go, and when it began. */
export interface Upload {
  /** The receiving file. */
  rx: FileReceiver;
  /** `Date.now()` at the start. */
  started: number;
}

/**
 * A member in the room, joined or not yet.
 *
 * @example
 * ```ts ignore
 * const session = new Session(new TcpMember(conn, limits));
 * session.spend(frame.payload.length); // a chat line counts against the flood budget
 * ```
 */
export class Session {
  /** What carries its frames. */
  readonly member: Member;
  /** Its user name once joined. */
  name: string | null = null;
  /** When it joined, in the server's time. */
  since = "";
  /** Whether it joined as a guest (on a name no account owns), rather than logged in. */
  guest = true;
  /** `Date.now()` when it connected. */
  readonly connectedAt = Date.now();
  /** `Date.now()` when it last sent a frame. */
  lastHeard = Date.now();
  /** Its requests are not being read, because it has not read our replies (back-pressure). */
  paused = false;
  /** Chat bytes it may send at once; refilled over time (see FLOOD_BYTES_PER_SECOND). */
  #floodBudget = FLOOD_BURST;
  #floodAt = Date.now();
  /** Uploads in progress, by transfer id. */
  readonly uploads = new Map<number, Upload>();
  /** Downloads in progress, by transfer id. */
  readonly downloads = new Map<number, { cancelled: boolean }>();
  /** Background tasks (downloads, hang-ups), awaited before the session is gone. */
  readonly tasks = new Set<Promise<void>>();
  /**
   * Why the session ended, as the room is told (`left-room`, `heartbeat-timeout`, …: the `B`
   * indication's codes); the first one wins.
   */
  endReason: Reason | null = null;

  /** @param member What carries its frames. */
  constructor(member: Member) {
    this.member = member;
  }

  /** The member's address. */
  get peer(): string {
    return this.member.peer;
  }

  /** The name for the log: the user name once joined, the address before. */
  get label(): string {
    return this.name ?? this.member.peer;
  }

  /**
   * Close now, dropping anything queued.
   *
   * @param reason Why, unless a reason was given before.
   */
  end(reason: Reason): void {
    this.endReason ??= reason;
    this.member.close();
  }

  /**
   * Drop the member, telling it why: what it has not read yet is dropped and `notice` goes out
   * instead, after the write in progress (see {@linkcode Session.endAfterFlush}).
   *
   * @param notice The frame that says why.
   * @param reason Why, as the room is told.
   */
  dismiss(notice: Frame, reason: Reason): void {
    if (this.endReason !== null) return;
    this.member.farewell(encodeFrame(notice));
    this.track(this.endAfterFlush(reason));
  }

  /**
   * Hang up politely within {@linkcode FAREWELL_MS} (see `Member.hangUp`).
   *
   * @param reason Why, unless a reason was given before.
   */
  async endAfterFlush(reason: Reason): Promise<void> {
    this.endReason ??= reason;
    await this.member.hangUp(FAREWELL_MS);
    this.end(reason);
  }

  /**
   * Count chat sent to the room against the flood budget.
   *
   * @param bytes The payload's length.
   */
  spend(bytes: number): void {
    this.#refill();
    this.#floodBudget -= bytes;
  }

  /**
   * How long to wait before reading its next request, so it stays within the flood budget.
   *
   * @returns Milliseconds; 0 when within the budget.
   */
  floodWaitMs(): number {
    this.#refill();
    return this.#floodBudget >= 0 ? 0 : (-this.#floodBudget / FLOOD_BYTES_PER_SECOND) * 1000;
  }

  #refill(): void {
    const now = Date.now();
    const earned = ((now - this.#floodAt) / 1000) * FLOOD_BYTES_PER_SECOND;
    this.#floodBudget = Math.min(FLOOD_BURST, this.#floodBudget + earned);
    this.#floodAt = now;
  }

  /**
   * Messages of this member being stored: their broadcasts and replies go out, in order, as
   * each is committed, while the member's next messages are read (see
   * {@linkcode Session.whenStored}).
   */
  readonly #storing = new Set<Promise<void>>();
  /** Payload bytes of the messages being stored. */
  #storingBytes = 0;

  /**
   * Let a message's storing go on while the next frame is read; its own step (broadcast and
   * reply) runs when it is committed. Commits come in order, so the steps do too.
   *
   * @param step The store and what follows it; its failure is its own to report.
   * @param bytes The message's payload bytes, counted until it is answered.
   */
  storing(step: Promise<void>, bytes: number): void {
    this.#storingBytes += bytes;
    const p = step.catch(() => {}).finally(() => {
      this.#storing.delete(p);
      this.#storingBytes -= bytes;
    });
    this.#storing.add(p);
  }

  /** Payload bytes of this member's messages not yet stored and answered. */
  get storingBytes(): number {
    return this.#storingBytes;
  }

  /**
   * Wait until every message of this member is stored and answered: before any request that is
   * not itself a message, so that every request is still answered in the order it came.
   */
  async whenStored(): Promise<void> {
    while (this.#storing.size > 0) await Promise.all(this.#storing);
  }

  /** Messages it may send at once (`--max-rate`); negative while it is being held back. */
  #rateTokens = Infinity;
  #rateAt = Date.now();
  /** `Date.now()` since when it has been held back without a break, or `null`. */
  #heldSince: number | null = null;

  /**
   * Count a chat line or private message against `--max-rate`.
   *
   * @param rate Messages per second (0: no limit); the burst is twice that.
   */
  spendMessage(rate: number): void {
    if (rate <= 0) return;
    this.#refillRate(rate);
    this.#rateTokens -= 1;
  }

  /**
   * How long to wait before reading this member's next frame, so its messages come at most at
   * the rate.
   *
   * @param rate Messages per second (0: no limit).
   * @returns Milliseconds, 0 when it is within the rate.
   */
  rateWaitMs(rate: number): number {
    if (rate <= 0) return 0;
    this.#refillRate(rate);
    if (this.#rateTokens >= 0) {
      this.#heldSince = null;
      return 0;
    }
    this.#heldSince ??= Date.now();
    return Math.ceil((-this.#rateTokens / rate) * 1000);
  }

  /** Milliseconds it has been held back by the rate without a break. */
  heldBackMs(): number {
    return this.#heldSince === null ? 0 : Date.now() - this.#heldSince;
  }

  #refillRate(rate: number): void {
    const now = Date.now();
    const burst = 2 * rate;
    this.#rateTokens = Math.min(burst, this.#rateTokens + ((now - this.#rateAt) / 1000) * rate);
    this.#rateAt = now;
  }

  /**
   * Run a background task for this session; it is awaited before the session is gone.
   *
   * @param task The task; its failure is ignored (it reports its own).
   */
  track(task: Promise<void>): void {
    const p = task.catch(() => {}).finally(() => this.tasks.delete(p));
    this.tasks.add(p);
  }
}
