/**
 * A TLS server's side: listen with a certificate and an ALPN name, and finish each client's
 * handshake before the server sees the client, so that whoever fails it (a plain-TCP client, a
 * client of another protocol, one that does not trust the certificate) costs one log line and
 * never becomes a client.
 *
 * ALPN (Application-Layer Protocol Negotiation) lets the client say in its hello which protocol
 * it wants to speak inside TLS (`lp/1`, `chat/1`); the server picks one it speaks, or ends the
 * handshake with an alert. Each server also answers `NAME+probe`: the name a client offers when
 * it only fetches the certificate to decide whether to trust it (lib/tls/client.ts), so that
 * look is not counted as a client, and so that it tells the client which protocol it reached.
 *
 * @module
 */

import { errorMessage } from "../cli/cli.ts";
import { formatHostPort } from "../net/host_port.ts";
import type { Credentials } from "./certificate.ts";
import { tlsText as text } from "./text.ts";

/** What a client adds to a protocol's ALPN name when it only fetches the certificate. */
export const PROBE_SUFFIX = "+probe";

/**
 * How long a client may take to finish its handshake. A real client needs a few round trips;
 * a plain-TCP client that waits for the server to speak first would otherwise hold a socket
 * for ever.
 */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

/** The ALPN protocol names of this project's servers, each with what it is. */
export const PROTOCOLS = { "lp/1": "LP", "chat/1": "chat" } as const;

/** One of {@linkcode PROTOCOLS}. */
export type Protocol = keyof typeof PROTOCOLS;

/**
 * Listen for TLS clients of one protocol.
 *
 * @param options Where, the certificate and key, and the protocol's ALPN name.
 * @returns The listener; each accepted connection still has its handshake to do (see
 *   {@linkcode admitTls}).
 * @throws {Error} As `Deno.listenTls` does: the address is taken, the key does not fit.
 */
export function listenTls(options: {
  hostname: string;
  port: number;
  credentials: Pick<Credentials, "cert" | "key">;
  protocol: Protocol;
}): Deno.TlsListener {
  const { hostname, port, credentials, protocol } = options;
  return Deno.listenTls({
    hostname,
    port,
    cert: credentials.cert,
    key: credentials.key,
    // Our protocol first: rustls picks the first of ours that the client offers.
    alpnProtocols: [protocol, protocol + PROBE_SUFFIX],
  });
}

/** What {@linkcode admitTls} needs. */
export interface AdmitOptions {
  /** Where the one line about a failed handshake goes. */
  log: (line: string) => void;
  /** The server's end: a handshake in progress is abandoned, without a log line. */
  signal?: AbortSignal;
  /** See {@linkcode HANDSHAKE_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** The protocol the server speaks, for the log line about a client of another. */
  protocol: Protocol;
}

/**
 * Finish a connection's TLS handshake before it is served. A plain TCP connection passes at
 * once; a TLS one passes when its handshake succeeds for our protocol. A connection that does
 * not pass is closed here, after one log line (none for a client that only fetched the
 * certificate, or when the server is stopping).
 *
 * @param conn An accepted connection.
 * @param options The log, the server's signal, the timeout.
 * @returns Whether to serve it.
 */
export async function admitTls(
  conn: Deno.Conn,
  options: AdmitOptions,
): Promise<boolean> {
  if (!isTls(conn)) return true;
  const peer = formatHostPort(conn.remoteAddr as Deno.NetAddr);
  const timeoutMs = options.timeoutMs ?? HANDSHAKE_TIMEOUT_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort = () => {};
  const stop = new Promise<"timeout" | "stopped">((resolve) => {
    timer = setTimeout(resolve, timeoutMs, "timeout");
    onAbort = () => resolve("stopped");
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
  });
  const handshake = conn.handshake().then((info) => info, (err: unknown) => ({ err }));
  try {
    const outcome = await Promise.race([handshake, stop]);
    if (outcome === "timeout" || outcome === "stopped") {
      if (outcome === "timeout") {
        options.log(text("hsTimeout", { peer, seconds: timeoutMs / 1000 }));
      }
      return closed(conn);
    }
    if ("err" in outcome) {
      options.log(handshakeFailure(peer, outcome.err, options.protocol));
      return closed(conn);
    }
    // A client that only looked at the certificate: it has closed, or is about to.
    if (outcome.alpnProtocol?.endsWith(PROBE_SUFFIX)) return closed(conn);
    return true;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  }
}

/**
 * The log line for a handshake that failed, in the server's language.
 *
 * @param peer The client, as `HOST:PORT`.
 * @param err What the handshake failed with.
 * @param protocol The protocol the server speaks.
 * @returns One line.
 */
export function handshakeFailure(peer: string, err: unknown, protocol: Protocol): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/InvalidContentType|corrupt message/i.test(message)) return text("hsPlain", { peer });
  if (/doesn't support any known protocol|NoApplicationProtocol/i.test(message)) {
    return text("hsProtocol", { peer, protocol });
  }
  const alert = /received fatal alert: (\w+)/.exec(message);
  if (alert && /Unknown(CA)?|BadCertificate|CertificateUnknown/i.test(alert[1])) {
    return text("hsUntrusted", { peer, why: alert[1] });
  }
  if (
    err instanceof Deno.errors.UnexpectedEof || err instanceof Deno.errors.ConnectionReset ||
    /unexpected end of file|connection reset/i.test(message)
  ) {
    return text("hsClosed", { peer });
  }
  return text("hsFailed", { peer, why: errorMessage(err) });
}

function isTls(conn: Deno.Conn): conn is Deno.TlsConn {
  return typeof (conn as Partial<Deno.TlsConn>).handshake === "function";
}

/** Close a connection that may already be closed; @returns false, for "do not serve it". */
function closed(conn: Deno.Conn): false {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
  return false;
}
