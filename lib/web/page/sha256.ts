/**
 * A streaming SHA-256 for uploads, from the vendored @noble/hashes (lib/web/page/vendor/): the
 * page hashes each chunk as it sends it, so a file of any size is verified end to end without
 * ever being held in memory. WebCrypto's `crypto.subtle.digest` needs the whole input at once.
 *
 * @module
 */

import { sha256 } from "./vendor/noble-hashes/sha2.js";
import { bytesToHex } from "./vendor/noble-hashes/utils.js";

/** A hash fed piece by piece. */
export interface StreamingHash {
  /** @param bytes The next piece. */
  update(bytes: Uint8Array): unknown;
  /** @returns The digest of everything fed in. */
  digest(): Uint8Array;
}

/**
 * Start a SHA-256.
 *
 * @returns The hash, empty.
 */
export function createSha256(): StreamingHash {
  return sha256.create() as StreamingHash;
}

/**
 * A digest as the chat protocol writes it.
 *
 * @param digest The digest bytes.
 * @returns Lower-case hex.
 */
export function toHex(digest: Uint8Array): string {
  return bytesToHex(digest) as string;
}
