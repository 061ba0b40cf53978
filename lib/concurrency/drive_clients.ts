/**
 * The load `compare_servers` puts on a line server: many clients at once, each doing round trips
 * (a line out, the `ack:` back), timed, with one deadline for all.
 *
 * @module
 */

import { readLines, writeLine } from "../net/lines.ts";
import { isFullMessage } from "../net/line_server.ts";

/** What the clients of one run measured. */
export interface DriveResult {
  latenciesMs: number[];
  rejected: number;
  errors: number;
  elapsedMs: number;
  timedOut: boolean;
}

/**
 * Connect `clients` clients at once; each sends `rounds` lines, one at a time, waiting for each
 * reply. Stops everything at the deadline and counts who did not finish as errors.
 *
 * @param port The server's port on 127.0.0.1.
 * @param load How many clients, how many rounds, and the deadline.
 * @returns Every round trip's latency, the rejected and failed clients, the time taken.
 */
export async function driveClients(
  port: number,
  load: { clients: number; rounds: number; timeoutMs: number },
): Promise<DriveResult> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), load.timeoutMs);
  const latenciesMs: number[] = [];
  let rejected = 0, errors = 0;

  const oneClient = async (id: number) => {
    let conn: Deno.TcpConn | undefined;
    const hangUp = () => conn?.close();
    deadline.signal.addEventListener("abort", hangUp, { once: true });
    try {
      conn = await Deno.connect({ hostname: "127.0.0.1", port, signal: deadline.signal });
      const replies = readLines(conn);
      for (let round = 0; round < load.rounds; round++) {
        const sent = performance.now();
        await writeLine(conn, `client ${id} round ${round}`);
        const { value, done } = await replies.next();
        if (done) throw new Error("server closed the connection");
        if (isFullMessage(value)) {
          rejected++;
          return;
        }
        if (!value.startsWith("ack: ")) throw new Error(`unexpected reply "${value}"`);
        latenciesMs.push(performance.now() - sent);
      }
    } catch {
      errors++; // refused, reset, closed, or hung up by the deadline
    } finally {
      deadline.signal.removeEventListener("abort", hangUp);
      try {
        conn?.close();
      } catch {
        // Closed by the deadline already.
      }
    }
  };

  const start = performance.now();
  await Promise.all(Array.from({ length: load.clients }, (_, id) => oneClient(id)));
  clearTimeout(timer);
  return {
    latenciesMs,
    rejected,
    errors,
    elapsedMs: performance.now() - start,
    timedOut: deadline.signal.aborted,
  };
}
