/**
 * Whether a TLS client trusts a server's certificate, decided from what it knows before it
 * connects for real: no I/O here. The order is the one the user sees in docs/TLS.md:
 *
 * 1. `--ca FILE`: decided before any of this (lib/tls/client.ts), by TLS itself.
 * 2. `--fingerprint`: exactly that certificate, nothing else.
 * 3. The system's roots: a certificate signed by an authority this system trusts, for the name
 *    the client used, is trusted without a question.
 * 4. Trust on first use: a server in the known-servers file must show the certificate it
 *    showed the first time; a server not in it is unknown, and the client asks (or `--trust`).
 *
 * @module
 */

import type { KnownServer } from "./known_servers.ts";
import { tlsText as text } from "./text.ts";

/** What a client learned about a server's certificate before trusting it. */
export interface SeenCertificate {
  /** Its fingerprint (lib/tls/fingerprint.ts). */
  fingerprint: string;
  /** The DNS names and IP addresses it is valid for, lowercase. */
  names: string[];
  /** Whether it chains to an authority this system trusts (its name aside). */
  systemTrusted: boolean;
}

/** What the user said, and what the known-servers file says. */
export interface TrustInputs {
  /** The host the client connects to, as typed. */
  host: string;
  /** `--fingerprint`, in our form. */
  fingerprint?: string;
  /** The server's line in the known-servers file, if it has one. */
  known?: KnownServer;
  /** The known-servers file, for the explanation. */
  file?: string;
}

/** What to do with a certificate. */
export type Decision =
  /** Connect checking the certificate against the system's roots, as any TLS client does. */
  | { kind: "roots" }
  /** Connect trusting exactly this certificate; `known` when the file said so. */
  | { kind: "pin"; because: "fingerprint" | "known" }
  /** Nobody vouches for it: ask the user, or take `--trust`. */
  | { kind: "unknown" }
  /** Do not connect, for the reason in `message` (one line). */
  | { kind: "refuse"; message: string };

/**
 * Decide whether to trust a server's certificate.
 *
 * @param seen The certificate, as the client saw it.
 * @param inputs The host, `--fingerprint`, and the known-servers line.
 * @returns The decision.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * const seen = { fingerprint: "SHA256:new", names: ["127.0.0.1"], systemTrusted: false };
 * const known = { server: "127.0.0.1:4579", fingerprint: "SHA256:new", line: 3 };
 * deepStrictEqual(decideTrust(seen, { host: "127.0.0.1", known }), { kind: "pin", because: "known" });
 * deepStrictEqual(decideTrust(seen, { host: "127.0.0.1" }), { kind: "unknown" });
 * ```
 */
export function decideTrust(seen: SeenCertificate, inputs: TrustInputs): Decision {
  const { host, fingerprint, known } = inputs;
  // The connection will check the name whatever else is decided: say so now, not after asking.
  if (!certificateCovers(seen.names, host)) {
    const names = seen.names.join(", ");
    return { kind: "refuse", message: text("notForName", { names, host }) };
  }
  if (fingerprint !== undefined) {
    if (seen.fingerprint === fingerprint) return { kind: "pin", because: "fingerprint" };
    const message = text("fingerprintMismatch", {
      actual: seen.fingerprint,
      expected: fingerprint,
    });
    return { kind: "refuse", message };
  }
  if (seen.systemTrusted) return { kind: "roots" };
  if (known === undefined) return { kind: "unknown" };
  if (known.fingerprint === seen.fingerprint) return { kind: "pin", because: "known" };
  const message = text("changed", {
    now: seen.fingerprint,
    then: known.fingerprint,
    line: known.line,
    file: inputs.file ?? "",
  });
  return { kind: "refuse", message };
}

/**
 * Whether a certificate's names include the host a client connects to: an address must be
 * listed as an address, a name as a name or under a wildcard (`*.lab.example` covers
 * `pc1.lab.example`, not `lab.example`).
 *
 * @param names The certificate's names, lowercase.
 * @param host The host, as typed.
 * @returns Whether it is covered.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * equal(certificateCovers(["localhost", "127.0.0.1"], "LOCALHOST"), true);
 * equal(certificateCovers(["*.lab.example"], "pc1.lab.example"), true);
 * equal(certificateCovers(["localhost"], "192.0.2.7"), false);
 * ```
 */
export function certificateCovers(names: readonly string[], host: string): boolean {
  const wanted = host.toLowerCase().replace(/\.$/, "");
  if (isIP(wanted)) return names.some((n) => isIP(n) && sameAddress(n, wanted));
  return names.some((n) => {
    if (isIP(n)) return false;
    if (n === wanted) return true;
    if (!n.startsWith("*.")) return false;
    const dot = wanted.indexOf(".");
    return dot > 0 && wanted.slice(dot) === n.slice(1);
  });
}

/**
 * The names in a certificate's Subject Alternative Name, as `node:tls` words them
 * (`DNS:localhost, IP Address:127.0.0.1, IP Address:::1`).
 *
 * @param subjectAltName The `subjectaltname` of `getPeerCertificate()`.
 * @returns The DNS names and IP addresses, lowercase.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(parseSubjectAltName("DNS:localhost, IP Address:::1, email:a@b"),
 *   ["localhost", "::1"]);
 * ```
 */
export function parseSubjectAltName(subjectAltName: string | undefined): string[] {
  return (subjectAltName ?? "").split(/,\s*/).flatMap((entry) => {
    const m = /^(?:DNS|IP Address):(.+)$/.exec(entry.trim());
    return m ? [m[1].toLowerCase()] : [];
  });
}

/**
 * Whether a host is an IP address, and which version (as `node:net`'s `isIP` answers, without
 * loading `node:net`, which costs a program's start a few tens of milliseconds).
 *
 * @param host A host name or address.
 * @returns 4, 6, or 0 for a name.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(["10.0.0.1", "::1", "fe80::1%eth0", "lab.example", "1.2.3"].map(isIP), [4, 6, 6, 0, 0]);
 * ```
 */
export function isIP(host: string): 0 | 4 | 6 {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4) return v4.slice(1).every((n) => Number(n) <= 255) ? 4 : 0;
  const [address] = host.split("%");
  const groups = address.split(":");
  const ok = address.includes(":") && groups.length <= 8 &&
    (address.match(/::/g) ?? []).length <= 1 &&
    groups.every((g, i) =>
      /^[0-9a-f]{0,4}$/i.test(g) || (i === groups.length - 1 && isIP(g) === 4)
    );
  return ok ? 6 : 0;
}

/** Two IP addresses, compared as addresses: `::1` is `0:0:0:0:0:0:0:1`. */
function sameAddress(a: string, b: string): boolean {
  return expand(a) === expand(b);
}

function expand(address: string): string {
  if (isIP(address) !== 6) return address;
  const [head, tail = ""] = address.split("::");
  const left = head ? head.split(":") : [];
  const right = address.includes("::") && tail ? tail.split(":") : [];
  const middle = address.includes("::") ? 8 - left.length - right.length : 0;
  const groups = [...left, ...Array(middle).fill("0"), ...right];
  return groups.map((g) => g.replace(/^0+(?=.)/, "").toLowerCase()).join(":");
}
