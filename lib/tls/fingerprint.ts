/**
 * A certificate's fingerprint, as this project writes it everywhere: `SHA256:` and the SHA-256
 * of the certificate's DER bytes in base64 without padding, the way ssh shows a host key
 * (`SHA256:8Kq…`, 50 characters). And PEM, the text form of DER that TLS libraries read.
 *
 * @module
 */

import { tlsText as text } from "./text.ts";

/** The prefix of every fingerprint. */
export const FINGERPRINT_PREFIX = "SHA256:";

/**
 * The fingerprint of a certificate.
 *
 * @param der The certificate's DER bytes.
 * @returns `SHA256:` and 43 base64 characters.
 *
 * @example
 * ```ts
 * import { match } from "node:assert/strict";
 * match(await fingerprintOf(new Uint8Array([1, 2, 3])), /^SHA256:[A-Za-z0-9+/]{43}$/);
 * ```
 */
export async function fingerprintOf(der: BufferSource): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", der));
  return FINGERPRINT_PREFIX + toBase64(digest).replace(/=+$/, "");
}

/**
 * Read a fingerprint as a user may type it: ours (`SHA256:` and 43 base64 characters), or the
 * 32 hex bytes with colons that browsers and `openssl x509 -fingerprint -sha256` show.
 *
 * @param value As typed.
 * @returns The fingerprint in our form.
 * @throws {RangeError} When it is neither.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * const hex = Array.from({ length: 32 }, () => "00").join(":");
 * equal(parseFingerprint(hex), "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
 * ```
 */
export function parseFingerprint(value: string): string {
  const typed = value.trim();
  const ours = /^sha256:([A-Za-z0-9+/]{43})=?$/i.exec(typed);
  if (ours) return FINGERPRINT_PREFIX + ours[1];
  const hex = typed.replace(/^sha256 fingerprint=/i, "");
  if (/^[0-9a-f]{2}(?::[0-9a-f]{2}){31}$/i.test(hex)) {
    const bytes = new Uint8Array(hex.split(":").map((h) => parseInt(h, 16)));
    return FINGERPRINT_PREFIX + toBase64(bytes).replace(/=+$/, "");
  }
  throw new RangeError(text("badFingerprint", { text: value }));
}

/**
 * DER bytes as PEM text.
 *
 * @param der The bytes.
 * @param label Such as `CERTIFICATE` or `PRIVATE KEY`.
 * @returns The PEM block, ending in a newline.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * equal(derToPem(new Uint8Array([1, 2, 3]), "CERTIFICATE"),
 *   "-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----\n");
 * ```
 */
export function derToPem(der: Uint8Array, label: string): string {
  const lines = toBase64(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/**
 * The DER bytes of each PEM block with this label, in order: a certificate file holds the
 * server's certificate first, then the chain.
 *
 * @param pem The file's text.
 * @param label Such as `CERTIFICATE`.
 * @returns The blocks' bytes; none when there is no such block.
 */
export function pemBlocks(pem: string, label: string): Uint8Array<ArrayBuffer>[] {
  const pattern = new RegExp(`-----BEGIN ${label}-----([^-]*)-----END ${label}-----`, "g");
  return [...pem.matchAll(pattern)].map((m) => fromBase64(m[1].replace(/\s+/g, "")));
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}
