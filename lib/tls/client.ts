/**
 * A TLS client's side: connect, deciding first whether to trust the server's certificate.
 *
 * `Deno.connectTls` only ever shows a certificate it has already accepted, so a client that
 * must decide for itself (trust on first use) first fetches the certificate without checking it,
 * through `node:tls` (the probe: a handshake, then hang up), decides (lib/tls/trust.ts), and only
 * then connects for real, with that very certificate as the one it trusts: the real connection
 * is checked by TLS itself against exactly what the user accepted. With `--ca FILE` there is no
 * probe: TLS checks the certificate against that authority.
 *
 * Every failure is an `Error` whose message is one line that follows "cannot connect to
 * HOST:PORT: " (lib/tls/text.ts).
 *
 * @module
 */

import { formatHostPort } from "../net/host_port.ts";
import { derToPem, fingerprintOf, parseFingerprint } from "./fingerprint.ts";
import { findKnownServer, knownServersFile, rememberServer } from "./known_servers.ts";
import { HANDSHAKE_TIMEOUT_MS, PROBE_SUFFIX, type Protocol, PROTOCOLS } from "./server.ts";
import { tlsText as text } from "./text.ts";
import { decideTrust, isIP, parseSubjectAltName, type SeenCertificate } from "./trust.ts";

/** How a TLS client connects and whom it trusts. */
export interface TlsClientOptions {
  /** The protocol's ALPN name, such as `lp/1`. */
  protocol: Protocol;
  /** `--ca FILE`: trust certificates this authority signed (and the system's authorities). */
  caFile?: string;
  /** `--fingerprint`, in our form (see lib/tls/fingerprint.ts): trust that certificate only. */
  fingerprint?: string;
  /** `--trust`: trust an unknown certificate without asking, and remember it. */
  trust?: boolean;
  /** The known-servers file (default: the user's, lib/tls/known_servers.ts). */
  knownServers?: string;
  /** Ask the user a question on a terminal; absent, the client never asks. */
  ask?: (question: string) => Promise<string | null>;
  /** Where the lines around a question, and "remembered", go. */
  say?: (line: string) => void;
  /** Longest wait for a handshake (default {@linkcode HANDSHAKE_TIMEOUT_MS}). */
  timeoutMs?: number;
}

/** A TLS connection, and why the client trusted it. */
export interface TlsConnection {
  conn: Deno.TlsConn;
  /** Why the certificate was trusted, worded for "Connected to … over TLS (…)". */
  trust: string;
}

/** The server speaks another protocol than ours inside TLS (ALPN told us). */
export class WrongProtocolError extends Error {
  /** The protocol it speaks, when it told us (one of ours); undefined when it only said no. */
  readonly theirs: string | undefined;

  /**
   * @param ours What we asked for.
   * @param theirs What it speaks, if known.
   */
  constructor(ours: string, theirs?: string) {
    super(
      theirs === undefined
        ? text("noCommonProtocol", { ours })
        : text("otherProtocol", { ours, theirs }),
    );
    this.name = "WrongProtocolError";
    this.theirs = theirs;
  }
}

/** How a client's flags say to trust a server: `--ca`, `--fingerprint`, `--trust`. */
export type TrustFlags = Pick<TlsClientOptions, "caFile" | "fingerprint" | "trust">;

/**
 * Read a client's TLS flags. `--ca`, `--fingerprint` and `--trust` each say how to trust a TLS
 * server, so each implies `--tls`.
 *
 * @param values The parsed flags.
 * @returns How to trust the server, or `undefined` for plain TCP.
 * @throws {RangeError} When `--fingerprint` is not a SHA-256 fingerprint.
 */
export function readTrustFlags(
  values: { tls?: boolean; ca?: string; fingerprint?: string; trust?: boolean },
): TrustFlags | undefined {
  const { ca, trust } = values;
  const fingerprint = values.fingerprint === undefined
    ? undefined
    : parseFingerprint(values.fingerprint);
  return values.tls || ca !== undefined || fingerprint !== undefined || trust === true
    ? { caFile: ca, fingerprint, trust }
    : undefined;
}

/**
 * Connect to a TLS server, trusting its certificate only as the user allows (lib/tls/trust.ts).
 *
 * @param hostname The server's address or name.
 * @param port Its port.
 * @param options The protocol, and whom to trust.
 * @returns The connection, its handshake done, and why it was trusted.
 * @throws {WrongProtocolError} When the server speaks another protocol.
 * @throws {Error} When it cannot connect or the certificate is not trusted (one line).
 */
export async function connectTls(
  hostname: string,
  port: number,
  options: TlsClientOptions,
): Promise<TlsConnection> {
  const timeoutMs = options.timeoutMs ?? HANDSHAKE_TIMEOUT_MS;
  const open = (caCerts?: string[]) =>
    openTls(hostname, port, { protocol: options.protocol, caCerts, timeoutMs }, options.caFile);
  if (options.caFile !== undefined) {
    const ca = await readCa(options.caFile);
    return { conn: await open([ca]), trust: text("trustCa", { file: options.caFile }) };
  }

  const seen = await probe(hostname, port, options.protocol, timeoutMs);
  const server = formatHostPort({ hostname, port });
  let file: string | undefined;
  try {
    file = options.knownServers ?? knownServersFile();
  } catch (err) {
    if (options.fingerprint === undefined && !seen.systemTrusted) throw err;
  }
  const known = file && options.fingerprint === undefined && !seen.systemTrusted
    ? await findKnownServer(file, server)
    : undefined;
  const decision = decideTrust(seen, {
    host: hostname,
    fingerprint: options.fingerprint,
    known,
    file,
  });
  const { fingerprint } = seen;
  switch (decision.kind) {
    case "refuse":
      throw new Error(decision.message);
    case "roots":
      return { conn: await open(), trust: text("trustRoots") };
    case "pin": {
      const trust = decision.because === "fingerprint"
        ? text("trustFingerprint", { fingerprint })
        : text("trustKnown", { fingerprint, file: file!, line: known!.line });
      return { conn: await open([seen.pem]), trust };
    }
    case "unknown": {
      await agreeToTrust(server, fingerprint, file!, options);
      const line = await rememberServer(file!, server, fingerprint);
      options.say?.(text("remembered", { server, fingerprint, file: file!, line }));
      return { conn: await open([seen.pem]), trust: text("trustFirstUse", { fingerprint }) };
    }
  }
}

/** `--trust`, or the user's yes on a terminal; anything else ends here. */
async function agreeToTrust(
  server: string,
  fingerprint: string,
  file: string,
  options: TlsClientOptions,
): Promise<void> {
  if (options.trust) return;
  if (!options.ask) throw new Error(text("unknownNoTerminal", { fingerprint }));
  options.say?.(text("unknownIntro", { server }));
  options.say?.(text("unknownFingerprint", { fingerprint }));
  const answer = await options.ask(text("askTrust", { file }));
  if (!/^(?:y|yes|是|好)$/i.test(answer?.trim() ?? "")) throw new Error(text("declined"));
}

/** The certificate as the probe saw it, with its PEM. */
interface Probed extends SeenCertificate {
  pem: string;
}

/**
 * Fetch the server's certificate without trusting it: a `node:tls` handshake that accepts any
 * certificate, then hang up. The ALPN names offered are the probe names of every protocol we
 * know, ours first, so the server's choice tells which one it speaks.
 */
async function probe(
  hostname: string,
  port: number,
  protocol: Protocol,
  timeoutMs: number,
): Promise<Probed> {
  const offers = [protocol, ...Object.keys(PROTOCOLS).filter((p) => p !== protocol)]
    .map((p) => p + PROBE_SUFFIX);
  // Loaded here, not at the top: only a client that probes pays for loading node:tls.
  const { connect: nodeTlsConnect } = await import("node:tls");
  const { raw, subjectAltName, authorized, chosen } = await new Promise<{
    raw: Uint8Array<ArrayBuffer>;
    subjectAltName?: string;
    authorized: boolean;
    chosen: string | false | null;
  }>((resolve, reject) => {
    let outcome: { ok: Parameters<typeof resolve>[0] } | { err: unknown } | undefined;
    const socket = nodeTlsConnect({
      host: hostname,
      port,
      rejectUnauthorized: false,
      ALPNProtocols: offers,
      ...(isIP(hostname) ? {} : { servername: hostname }),
    });
    const timer = setTimeout(() => {
      outcome ??= { err: new Error(text("noTlsAnswer", { seconds: timeoutMs / 1000 })) };
      socket.destroy();
    }, timeoutMs);
    socket.once("secureConnect", () => {
      const cert = socket.getPeerCertificate(true);
      outcome ??= {
        ok: {
          raw: new Uint8Array(cert.raw),
          subjectAltName: cert.subjectaltname,
          authorized: socket.authorized,
          chosen: socket.alpnProtocol,
        },
      };
      socket.destroy();
    });
    socket.once("error", (err) => {
      outcome ??= { err };
      socket.destroy();
    });
    // Settled only once the socket is closed: nothing of it outlives the probe.
    socket.once("close", () => {
      clearTimeout(timer);
      if (outcome && "ok" in outcome) resolve(outcome.ok);
      else reject(outcome?.err ?? new Error(text("closedInHandshake")));
    });
  }).catch((err) => {
    throw explain(err, { protocol });
  });
  if (typeof chosen === "string" && chosen !== protocol + PROBE_SUFFIX) {
    throw new WrongProtocolError(protocol, chosen.slice(0, -PROBE_SUFFIX.length));
  }
  return {
    pem: derToPem(raw, "CERTIFICATE"),
    fingerprint: await fingerprintOf(raw),
    names: parseSubjectAltName(subjectAltName),
    systemTrusted: authorized,
  };
}

/**
 * The real connection: TCP without Nagle's delay (a TLS connection has no `setNoDelay`, so it
 * is set on the socket before TLS starts), then TLS, checked against `caCerts` and the system's
 * roots, for our protocol only.
 */
async function openTls(
  hostname: string,
  port: number,
  options: { protocol: Protocol; caCerts?: string[]; timeoutMs: number },
  caFile?: string,
): Promise<Deno.TlsConn> {
  const tcp = await Deno.connect({ hostname, port });
  tcp.setNoDelay(true);
  const conn = await Deno.startTls(tcp, {
    hostname,
    caCerts: options.caCerts,
    alpnProtocols: [options.protocol],
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) =>
    timer = setTimeout(resolve, options.timeoutMs, "late")
  );
  try {
    const done = await Promise.race([conn.handshake().catch((err: unknown) => ({ err })), late]);
    if (done === "late") {
      throw new Error(text("noTlsAnswer", { seconds: options.timeoutMs / 1000 }));
    }
    if ("err" in done) throw explain(done.err, { caFile, protocol: options.protocol, hostname });
    return conn;
  } catch (err) {
    try {
      conn.close();
    } catch {
      // Already closed.
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A handshake's failure as one line for the user: what `node:tls` and rustls say, worded for
 * what the user can do about it. Errors that are not about TLS (connection refused, no such
 * host) keep their kind, which lib/cli/cli.ts words.
 */
function explain(
  err: unknown,
  context: { caFile?: string; protocol: Protocol; hostname?: string },
): Error {
  if (!(err instanceof Error)) return new Error(String(err));
  const code = (err as { code?: string }).code ?? "";
  const message = err.message;
  if (code === "ECONNREFUSED") return new Deno.errors.ConnectionRefused(message);
  if (code === "ETIMEDOUT") return new Deno.errors.TimedOut(message);
  if (
    /WRONG_VERSION_NUMBER/.test(code) || /InvalidContentType|wrong version number/.test(message)
  ) {
    return new Error(text("notTls"));
  }
  if (/NoApplicationProtocol|NO_APPLICATION_PROTOCOL/.test(message + code)) {
    return new WrongProtocolError(context.protocol);
  }
  if (
    code === "ECONNRESET" || err instanceof Deno.errors.UnexpectedEof ||
    err instanceof Deno.errors.ConnectionReset || /unexpected end of file/i.test(message)
  ) {
    return new Error(text("closedInHandshake"));
  }
  const refused = /invalid peer certificate: (\w+)/.exec(message);
  if (refused) {
    const why = refused[1];
    if (why === "UnknownIssuer" && context.caFile) {
      return new Error(text("notSignedByCa", { file: context.caFile }));
    }
    if (why === "NotValidForName") {
      return new Error(text("notForNameUnknown", { host: context.hostname ?? "" }));
    }
    if (why === "Expired") return new Error(text("certExpired"));
    return new Error(text("certRefused", { why }));
  }
  return err;
}

async function readCa(file: string): Promise<string> {
  try {
    return await Deno.readTextFile(file);
  } catch (err) {
    const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new Error(text("cannotRead", { file, why }));
  }
}
