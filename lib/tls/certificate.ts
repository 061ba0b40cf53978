/**
 * A TLS server's certificate and private key: made once (self-signed, ECDSA P-256, SHA-256),
 * kept in the server's storage folder and reused; or read from the files `--cert` and `--key`
 * name. The X.509 work is @peculiar/x509's (bundled in lib/vendor/x509/), never hand-made DER.
 *
 * @module
 */

import { join } from "node:path";
import { errorMessage } from "../cli/cli.ts";
import { derToPem, fingerprintOf, pemBlocks } from "./fingerprint.ts";
import { tlsText as text } from "./text.ts";
import { isIP } from "./trust.ts";

/** The certificate's file in the storage folder. */
export const CERT_FILE = "tls-cert.pem";
/** The private key's file in the storage folder: readable by its owner only (mode 0600). */
export const KEY_FILE = "tls-key.pem";

/**
 * How long a made certificate is valid. 825 days is the longest Apple's systems accept for a
 * TLS server certificate; a course is over well before.
 */
export const VALID_DAYS = 825;

/**
 * How far back a made certificate's validity starts: a client whose clock is a little behind
 * the server's must not find it "not yet valid".
 */
const BACKDATE_MS = 60 * 60 * 1000;

/** ECDSA on P-256 with SHA-256: small keys, fast handshakes, and every TLS stack accepts it. */
const ALGORITHM: EcKeyGenParams & EcdsaParams = {
  name: "ECDSA",
  namedCurve: "P-256",
  hash: "SHA-256",
};

/** A certificate and its key, ready for `Deno.listenTls`. */
export interface Credentials {
  /** The certificate chain, PEM, the server's own certificate first. */
  cert: string;
  /** The private key, PEM. */
  key: string;
  /** The server's certificate's fingerprint (lib/tls/fingerprint.ts). */
  fingerprint: string;
  /** The DNS names and IP addresses it is valid for. */
  names: string[];
  /** When it expires. */
  notAfter: Date;
  /** Where it was read from. */
  certFile: string;
  keyFile: string;
}

/** What {@linkcode storedCredentials} found or did. */
export interface Stored {
  credentials: Credentials;
  /** `made`: there was none; `renewed`: the old one had expired; `kept`: reused. */
  how: "made" | "renewed" | "kept";
  /** When `renewed`, when the old one expired. */
  expired?: Date;
  /** Names the server listens on that a kept certificate lacks. */
  missing: string[];
}

/**
 * Make a self-signed certificate for a server.
 *
 * @param names The DNS names and IP addresses clients will use to reach it.
 * @param commonName The subject's name, shown by browsers, such as `lp-server`.
 * @param now The time it is made (validity starts an hour before).
 * @returns The certificate and the private key, PEM.
 *
 * @example
 * ```ts
 * import { match } from "node:assert/strict";
 * const { cert, key } = await makeCertificate(["localhost", "127.0.0.1"], "test");
 * match(cert, /^-----BEGIN CERTIFICATE-----\n/);
 * match(key, /^-----BEGIN PRIVATE KEY-----\n/);
 * ```
 */
export async function makeCertificate(
  names: readonly string[],
  commonName: string,
  now = new Date(),
): Promise<{ cert: string; key: string }> {
  const x509 = await loadX509();
  const keys = await crypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"]);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=${commonName.replace(/[,+="\\<>;#]/g, " ")}`,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + VALID_DAYS * 24 * 60 * 60 * 1000),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.SubjectAlternativeNameExtension(
        names.map((name) => ({ type: isIP(name) ? "ip" as const : "dns" as const, value: name })),
      ),
      // A server's own certificate, not an authority: TLS clients (rustls among them) refuse an
      // authority's certificate as a server's.
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension(["1.3.6.1.5.5.7.3.1"]), // serverAuth
    ],
  });
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", keys.privateKey));
  return { cert: certificate.toString("pem") + "\n", key: derToPem(pkcs8, "PRIVATE KEY") };
}

/**
 * Read a certificate and key that the user gave (`--cert`, `--key`).
 *
 * @param certFile The certificate chain, PEM.
 * @param keyFile The private key, PEM.
 * @returns The credentials.
 * @throws {Error} When a file cannot be read or holds no such PEM block (message in one line).
 */
export async function readCredentials(certFile: string, keyFile: string): Promise<Credentials> {
  const cert = await readText(certFile);
  const key = await readText(keyFile);
  const [der] = pemBlocks(cert, "CERTIFICATE");
  if (!der) throw new Error(text("notACertificate", { file: certFile }));
  if (!/-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/.test(key)) {
    throw new Error(text("notAKey", { file: keyFile }));
  }
  return { cert, key, certFile, keyFile, ...await facts(der) };
}

/**
 * The server's own certificate from its storage folder, made there on the first start and
 * made anew once it has expired. A certificate that lacks some of the names is kept (a new
 * one would make every client that trusted it refuse the server) and the names reported.
 *
 * @param folder The server's storage folder; created if missing.
 * @param names The names the server listens on (see {@linkcode listenNames}).
 * @param commonName The subject's name, for a new certificate.
 * @param now The time.
 * @returns The credentials and what was done.
 * @throws {Error} When the folder cannot be read or written (message in one line).
 */
export async function storedCredentials(
  folder: string,
  names: readonly string[],
  commonName: string,
  now = new Date(),
): Promise<Stored> {
  const certFile = join(folder, CERT_FILE);
  const keyFile = join(folder, KEY_FILE);
  let expired: Date | undefined;
  if (await exists(certFile) && await exists(keyFile)) {
    const credentials = await readCredentials(certFile, keyFile);
    if (credentials.notAfter > now) {
      const missing = names.filter((n) => !credentials.names.includes(n.toLowerCase()));
      return { credentials, how: "kept", missing };
    }
    expired = credentials.notAfter;
  }
  const { cert, key } = await makeCertificate(names, commonName, now);
  try {
    await Deno.mkdir(folder, { recursive: true });
    await writePrivate(keyFile, key);
    await Deno.writeTextFile(certFile, cert);
  } catch (err) {
    throw new Error(text("cannotStore", { folder, why: errorMessage(err) }));
  }
  const credentials = await readCredentials(certFile, keyFile);
  return { credentials, how: expired ? "renewed" : "made", expired, missing: [] };
}

/**
 * The names a certificate should carry for a server that listens on `host`: `localhost`,
 * `127.0.0.1` and `::1` always; every address of this machine (and its host name) when it
 * listens on all of them (`0.0.0.0`, `::`); else the host it was given.
 *
 * @param host The `--host` value.
 * @param machine This machine's addresses and name (default: asked of the system).
 * @returns The names, without repeats.
 * @throws {Error} When the addresses are needed and may not be listed (one line, with the flag).
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(listenNames("127.0.0.1"), ["localhost", "127.0.0.1", "::1"]);
 * deepStrictEqual(
 *   listenNames("0.0.0.0", { addresses: () => ["127.0.0.1", "192.0.2.7"], hostname: () => "lab" }),
 *   ["localhost", "127.0.0.1", "::1", "192.0.2.7", "lab"],
 * );
 * ```
 */
export function listenNames(
  host: string,
  machine: { addresses(): string[]; hostname(): string | undefined } = thisMachine,
): string[] {
  const names = ["localhost", "127.0.0.1", "::1"];
  if (host === "0.0.0.0" || host === "::") {
    names.push(...machine.addresses());
    const hostname = machine.hostname();
    if (hostname) names.push(hostname);
  } else {
    names.push(host);
  }
  return [...new Set(names.map((n) => n.toLowerCase()))];
}

/** This machine, as {@linkcode listenNames} asks about it. */
const thisMachine = {
  addresses(): string[] {
    const { state } = Deno.permissions.querySync({ name: "sys", kind: "networkInterfaces" });
    if (state !== "granted") throw new Error(text("needInterfaces"));
    // Link-local IPv6 addresses need a zone (`%eth0`) to be used, which no URL or name carries.
    return Deno.networkInterfaces()
      .filter((i) => !(i.family === "IPv6" && /^fe80:/i.test(i.address)))
      .map((i) => i.address);
  },
  hostname(): string | undefined {
    // The machine's name is a bonus (a LAN peer may know it); without the permission, skip it.
    const { state } = Deno.permissions.querySync({ name: "sys", kind: "hostname" });
    return state === "granted" ? Deno.hostname() : undefined;
  },
};

/** The fingerprint, names and expiry of a certificate. */
async function facts(der: Uint8Array<ArrayBuffer>) {
  const x509 = await loadX509();
  const certificate = new x509.X509Certificate(der);
  const san = certificate.getExtension(x509.SubjectAlternativeNameExtension);
  const names = (san?.names.items ?? [])
    .filter((n) => n.type === "dns" || n.type === "ip")
    .map((n) => n.value.toLowerCase());
  return { fingerprint: await fingerprintOf(der), names, notAfter: certificate.notAfter };
}

/**
 * The X.509 library, loaded when a certificate is first made or read: a program that never
 * does (a client, a server without TLS) does not pay for parsing it.
 */
function loadX509() {
  return import("./_x509.ts");
}

/** Write a file that only its owner may read, whatever mode an older copy had. */
async function writePrivate(path: string, data: string): Promise<void> {
  await Deno.writeTextFile(path, data, { mode: 0o600 });
  if (Deno.build.os !== "windows") await Deno.chmod(path, 0o600);
}

/** A serial number: 16 random bytes, the first below 0x80 so that it reads as positive. */
function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] & 0x7f) | 0x01;
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function readText(file: string): Promise<string> {
  try {
    return await Deno.readTextFile(file);
  } catch (err) {
    throw new Error(text("cannotRead", { file, why: errorMessage(err) }));
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await Deno.stat(file);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw new Error(text("cannotRead", { file, why: errorMessage(err) }));
  }
}
