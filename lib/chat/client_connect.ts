/**
 * How chat-client reaches the server: over TCP, or over TLS once the server's certificate is
 * trusted, in the same order and with the same known-servers file as lp-client
 * (lib/tls/client.ts, docs/TLS.md).
 *
 * @module
 */

import { LP_ALPN } from "../lp/protocol.ts";
import { connectTls, type TlsClientOptions, WrongProtocolError } from "../tls/client.ts";
import { CHAT_ALPN } from "./protocol.ts";
import { chatText as text } from "./text.ts";

/** Whom a TLS client trusts, and how it asks: lib/tls/client.ts, for the chat protocol. */
export type ChatTlsOptions = Omit<TlsClientOptions, "protocol">;

/** A connection to the chat server, and over TLS why its certificate was trusted. */
export interface ChatConnection {
  conn: Deno.TcpConn | Deno.TlsConn;
  /** Worded for "Connected to … over TLS (…)"; undefined over TCP. */
  trust?: string;
}

/**
 * Connect to a chat server.
 *
 * @param hostname The server's address or name.
 * @param port Its port.
 * @param tls With `--tls`: whom to trust; absent, plain TCP.
 * @returns The connection.
 * @throws {Error} When it cannot connect, the certificate is not trusted, or (told by ALPN at
 *   the handshake) the server speaks another protocol: a message in one line.
 */
export async function connectChat(
  hostname: string,
  port: number,
  tls?: ChatTlsOptions,
): Promise<ChatConnection> {
  if (!tls) {
    const conn = await Deno.connect({ hostname, port });
    // Chat lines are small: do not let Nagle's algorithm hold them back. (Over TLS it is
    // turned off on the socket before TLS starts: lib/tls/client.ts.)
    conn.setNoDelay(true);
    conn.setKeepAlive(true);
    return { conn };
  }
  try {
    return await connectTls(hostname, port, { ...tls, protocol: CHAT_ALPN });
  } catch (err) {
    if (!(err instanceof WrongProtocolError) || err.theirs !== LP_ALPN) throw err;
    throw new Error(text("lpServerTls"));
  }
}
