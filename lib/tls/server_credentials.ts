/**
 * A TLS server's command line: `--tls`, `--cert FILE`, `--key FILE`, and the certificate they
 * lead to, said in a line or two at start. Any server with a storage folder uses these (the LP
 * server; the chat server).
 *
 * @module
 */

import { errorMessage, UsageError } from "../cli/cli.ts";
import { StartError } from "../net/server_main.ts";
import {
  type Credentials,
  listenNames,
  readCredentials,
  storedCredentials,
} from "./certificate.ts";
import { tlsText as text } from "./text.ts";

/** The flags, as `parseArgs` takes them. */
export const TLS_FLAGS = {
  tls: { type: "boolean" },
  cert: { type: "string" },
  key: { type: "string" },
} as const;

/** What the flags say. */
export interface TlsFlags {
  /** Whether to speak TLS: `--tls`, or `--cert` and `--key`. */
  tls: boolean;
  certFile?: string;
  keyFile?: string;
}

/**
 * Read `--tls`, `--cert` and `--key`.
 *
 * @param values The parsed values.
 * @returns Whether to speak TLS, and the files if given.
 * @throws {UsageError} When only one of `--cert` and `--key` is given.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(readTlsFlags({ cert: "c.pem", key: "k.pem" }),
 *   { tls: true, certFile: "c.pem", keyFile: "k.pem" });
 * ```
 */
export function readTlsFlags(values: { tls?: boolean; cert?: string; key?: string }): TlsFlags {
  const { cert, key } = values;
  if ((cert === undefined) !== (key === undefined)) throw new UsageError(text("certNeedsKey"));
  return { tls: values.tls === true || cert !== undefined, certFile: cert, keyFile: key };
}

/**
 * The certificate a TLS server starts with: `--cert` and `--key`, or the one kept in its storage
 * folder (made on the first start, made anew once expired). Says what it did; the fingerprint is
 * for the server to say once it listens.
 *
 * @param flags The files, the storage folder, and the `--host` the server listens on.
 * @param commonName The name a new certificate's subject gets, such as `lp-server`.
 * @param log Where the lines go.
 * @returns The credentials.
 * @throws {StartError} When they cannot be read or made (one line).
 */
export async function serverCredentials(
  flags: TlsFlags & { host: string; storage: string },
  commonName: string,
  log: (line: string) => void,
): Promise<Credentials> {
  try {
    if (flags.certFile !== undefined && flags.keyFile !== undefined) {
      const credentials = await readCredentials(flags.certFile, flags.keyFile);
      log(text("certFrom", { file: flags.certFile, date: day(credentials.notAfter) }));
      return credentials;
    }
    const stored = await storedCredentials(flags.storage, listenNames(flags.host), commonName);
    const { certFile, keyFile, names } = stored.credentials;
    if (stored.how === "made") log(text("certMade", { names: names.join(", "), file: certFile }));
    if (stored.how === "renewed") {
      const date = day(stored.expired!);
      log(text("certRenewed", { file: certFile, date, names: names.join(", ") }));
      log(text("certRenewedHint"));
    }
    if (stored.missing.length > 0) {
      log(text("certMissing", { file: certFile, keyFile, names: stored.missing.join(", ") }));
    }
    return stored.credentials;
  } catch (err) {
    throw new StartError(errorMessage(err));
  }
}

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}
