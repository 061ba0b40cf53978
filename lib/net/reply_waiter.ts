/**
 * Waiting for a UDP reply with a timeout, without losing one that comes late.
 *
 * @module
 */

/** A datagram received, as text, and who sent it. */
export interface Reply {
  text: string;
  from: Deno.NetAddr;
}

/**
 * Waits for replies on a UDP socket. Keeps exactly one `receive()` in flight, however many waits time out: Deno refuses a second
 * concurrent receive on a socket, and a reply that comes late must not be lost.
 */
export class ReplyWaiter {
  readonly #socket: Deno.DatagramConn;
  readonly #decoder = new TextDecoder();
  #pending: Promise<Reply> | undefined;
  #arrived: Reply | undefined;

  /** @param socket A bound UDP socket; closing it ends the wait that is in flight. */
  constructor(socket: Deno.DatagramConn) {
    this.#socket = socket;
  }

  /**
   * Wait for the next reply.
   *
   * @param ms How long to wait.
   * @returns The reply, or `undefined` when the time runs out first.
   */
  async wait(ms: number): Promise<Reply | undefined> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms);
    });
    try {
      const reply = await Promise.race([this.#receive(), timeout]);
      return reply && this.#take();
    } finally {
      clearTimeout(timer);
    }
  }

  /** @returns A reply that arrived after its wait gave up, if any. */
  late(): Reply | undefined {
    return this.#arrived && this.#take();
  }

  #receive(): Promise<Reply> {
    if (!this.#pending) {
      this.#pending = this.#socket.receive().then(([data, from]) =>
        this.#arrived = {
          text: this.#decoder.decode(data).replace(/\r?\n$/, ""),
          from: from as Deno.NetAddr,
        }
      );
      // Closing the socket at the end rejects the read that is still waiting; that is expected.
      this.#pending.catch(() => {});
    }
    return this.#pending;
  }

  #take(): Reply | undefined {
    const reply = this.#arrived;
    this.#arrived = undefined;
    this.#pending = undefined;
    return reply;
  }
}
