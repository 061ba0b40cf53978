/**
 * Password hashing for chat accounts: Argon2id (memory-hard, so a stolen database costs an
 * attacker memory as well as time per guess), stored as a PHC string that carries its own
 * algorithm, parameters and salt, so they can be raised later without breaking old accounts.
 *
 * @module
 */

import { scrypt, timingSafeEqual } from "node:crypto";

/**
 * Argon2id parameters for new hashes: OWASP's minimum (19 MiB, two passes, one lane), about
 * 50 ms per hash here; a login that costs that much is fine, a million guesses is not.
 */
export const ARGON2ID = { memory: 19456, passes: 2, parallelism: 1 } as const;

/**
 * scrypt parameters, used only where this Deno's WebCrypto has no Argon2id: OWASP's
 * N = 2^17 (128 MiB), r = 8, p = 1.
 */
export const SCRYPT = { logN: 17, r: 8, p: 1 } as const;

/** Bytes of random salt per hash (RFC 9106 recommends 16). */
const SALT_BYTES = 16;

/** Bytes of derived hash (RFC 9106 recommends 32). */
const HASH_BYTES = 32;

/**
 * Largest parameters accepted from a stored string: a damaged or hostile value must not make
 * one login allocate gigabytes.
 */
const MAX_MEMORY_KIB = 1 << 20, MAX_PASSES = 64, MAX_LANES = 16, MAX_LOG_N = 20;

/** A parsed PHC string. */
type Phc =
  | { algorithm: "argon2id"; memory: number; passes: number; parallelism: number } & Salted
  | { algorithm: "scrypt"; logN: number; r: number; p: number } & Salted;

interface Salted {
  salt: Uint8Array<ArrayBuffer>;
  hash: Uint8Array<ArrayBuffer>;
}

/** WebCrypto's Argon2 parameters (not yet in TypeScript's DOM types). */
interface Argon2Params extends Algorithm {
  nonce: BufferSource;
  memory: number;
  passes: number;
  parallelism: number;
}

const ARGON2_PHC =
  /^\$argon2id\$v=19\$m=(\d{1,8}),t=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;
const SCRYPT_PHC =
  /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/**
 * Hash a password for storing.
 *
 * @remarks
 * The password is normalised to Unicode NFC first, so "é" typed as one code point or as "e"
 * plus an accent is the same password on every keyboard.
 *
 * @param password The password as typed.
 * @param algorithm `argon2id` (default; falls back to scrypt when WebCrypto lacks it) or `scrypt`.
 * @returns `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>` (base64 without padding), or
 *   `$scrypt$ln=17,r=8,p=1$<salt>$<hash>`.
 *
 * @example
 * ```ts
 * import { ok } from "node:assert/strict";
 * const stored = await hashPassword("correct horse");
 * ok(stored.startsWith("$argon2id$v=19$m=19456,t=2,p=1$"));
 * ok(await verifyPassword(stored, "correct horse"));
 * ok(!await verifyPassword(stored, "Correct horse"));
 * ```
 */
export async function hashPassword(
  password: string,
  algorithm: "argon2id" | "scrypt" = "argon2id",
): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  if (algorithm === "argon2id") {
    try {
      const hash = await argon2id(password, { ...ARGON2ID, salt, length: HASH_BYTES });
      const { memory, passes, parallelism } = ARGON2ID;
      return `$argon2id$v=19$m=${memory},t=${passes},p=${parallelism}$${b64(salt)}$${b64(hash)}`;
    } catch (error) {
      if (!(error instanceof DOMException && error.name === "NotSupportedError")) throw error;
    }
  }
  const hash = await scryptHash(password, { ...SCRYPT, salt, length: HASH_BYTES });
  return `$scrypt$ln=${SCRYPT.logN},r=${SCRYPT.r},p=${SCRYPT.p}$${b64(salt)}$${b64(hash)}`;
}

/**
 * Check a password against a stored hash, in time that does not depend on where they differ.
 *
 * @param stored A PHC string from {@linkcode hashPassword} (or any Argon2id v19 or scrypt one).
 * @param password The password as typed.
 * @returns Whether it is the password.
 * @throws {TypeError} When `stored` is not a PHC string this module can read.
 *
 * @example Argon2's reference test vector
 * ```ts
 * import { ok } from "node:assert/strict";
 * const reference = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$" +
 *   "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
 * ok(await verifyPassword(reference, "password"));
 * ```
 */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  const phc = parsePhc(stored);
  const options = { salt: phc.salt, length: phc.hash.length };
  const derived = phc.algorithm === "argon2id"
    ? await argon2id(password, { ...phc, ...options })
    : await scryptHash(password, { ...phc, ...options });
  return timingSafeEqual(derived, phc.hash);
}

/**
 * Whether a stored hash is weaker than what {@linkcode hashPassword} makes now: then, after a
 * successful login, hash the password again and store the new string.
 *
 * @remarks
 * Compared within its algorithm: an scrypt hash at today's scrypt parameters is kept, so a
 * server on a Deno without Argon2id does not rehash at every login.
 *
 * @param stored A PHC string.
 * @returns `true` when its parameters, salt or hash length are below today's, or it is
 *   unreadable.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * equal(needsRehash("$argon2id$v=19$m=4096,t=1,p=1$c29tZXNhbHQ$c29tZWhhc2g"), true);
 * ```
 */
export function needsRehash(stored: string): boolean {
  let phc: Phc;
  try {
    phc = parsePhc(stored);
  } catch {
    return true;
  }
  if (phc.salt.length < SALT_BYTES || phc.hash.length < HASH_BYTES) return true;
  return phc.algorithm === "argon2id"
    ? phc.memory < ARGON2ID.memory || phc.passes < ARGON2ID.passes
    : phc.logN < SCRYPT.logN || phc.r < SCRYPT.r;
}

/**
 * Spend what a real check costs and answer no: for a name that has no account, so that an
 * unknown name and a wrong password take the same time and get the same answer.
 *
 * @param password The password as typed.
 * @returns Always `false`.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * equal(await dummyVerify("anything"), false);
 * ```
 */
export async function dummyVerify(password: string): Promise<false> {
  // One derivation with today's parameters: the same work verifyPassword does for a real user.
  await hashPassword(password);
  return false;
}

/** Read a PHC string, with every parameter in its sane range. */
function parsePhc(stored: string): Phc {
  const argon = ARGON2_PHC.exec(stored);
  if (argon) {
    const [memory, passes, parallelism] = argon.slice(1, 4).map(Number);
    const phc = {
      algorithm: "argon2id" as const,
      memory,
      passes,
      parallelism,
      ...salted(argon[4], argon[5]),
    };
    if (
      parallelism >= 1 && parallelism <= MAX_LANES && memory >= 8 * parallelism &&
      memory <= MAX_MEMORY_KIB && passes >= 1 && passes <= MAX_PASSES && phc.salt.length >= 8 &&
      phc.hash.length >= 4
    ) return phc;
  }
  const sc = SCRYPT_PHC.exec(stored);
  if (sc) {
    const [logN, r, p] = sc.slice(1, 4).map(Number);
    const phc = { algorithm: "scrypt" as const, logN, r, p, ...salted(sc[4], sc[5]) };
    if (
      logN >= 1 && logN <= MAX_LOG_N && r >= 1 && p >= 1 && p <= MAX_LANES &&
      128 * 2 ** logN * r <= MAX_MEMORY_KIB * 1024 && phc.salt.length >= 8 && phc.hash.length >= 4
    ) return phc;
  }
  throw new TypeError(`Unreadable password hash "${stored.slice(0, 40)}"`);
}

function salted(salt: string, hash: string): Salted {
  try {
    return { salt: Uint8Array.fromBase64(salt), hash: Uint8Array.fromBase64(hash) };
  } catch {
    return { salt: new Uint8Array(), hash: new Uint8Array() }; // a bad length: refused below
  }
}

function b64(bytes: Uint8Array): string {
  return bytes.toBase64({ omitPadding: true });
}

function utf8(password: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(password.normalize("NFC"));
}

async function argon2id(
  password: string,
  p: { memory: number; passes: number; parallelism: number; salt: BufferSource; length: number },
): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", utf8(password), "Argon2id", false, [
    "deriveBits",
  ]);
  const params: Argon2Params = {
    name: "Argon2id",
    nonce: p.salt,
    memory: p.memory,
    passes: p.passes,
    parallelism: p.parallelism,
  };
  return new Uint8Array(await crypto.subtle.deriveBits(params, key, p.length * 8));
}

function scryptHash(
  password: string,
  p: { logN: number; r: number; p: number; salt: Uint8Array; length: number },
): Promise<Uint8Array> {
  const N = 2 ** p.logN;
  // scrypt needs 128·N·r bytes; node's default cap (32 MiB) is below OWASP's N.
  const maxmem = 256 * N * p.r;
  return new Promise((resolve, reject) => {
    scrypt(utf8(password), p.salt, p.length, { N, r: p.r, p: p.p, maxmem }, (error, key) => {
      if (error) reject(error);
      else resolve(new Uint8Array(key));
    });
  });
}
