import { deepStrictEqual, equal } from "node:assert/strict";
import {
  certificateCovers,
  decideTrust,
  isIP,
  parseSubjectAltName,
  type SeenCertificate,
} from "../../lib/tls/trust.ts";

const seen: SeenCertificate = {
  fingerprint: "SHA256:now",
  names: ["localhost", "127.0.0.1"],
  systemTrusted: false,
};
const known = (fingerprint: string) => ({ server: "127.0.0.1:4579", fingerprint, line: 7 });

Deno.test("decideTrust(): --fingerprint, then the system's roots, then the known-servers file", () => {
  const host = "127.0.0.1";
  deepStrictEqual(
    decideTrust(seen, { host, fingerprint: "SHA256:now", known: known("SHA256:old") }),
    {
      kind: "pin",
      because: "fingerprint",
    },
  );
  equal(decideTrust(seen, { host, fingerprint: "SHA256:other" }).kind, "refuse");
  deepStrictEqual(
    decideTrust({ ...seen, systemTrusted: true }, { host, known: known("SHA256:old") }),
    {
      kind: "roots",
    },
  );
  deepStrictEqual(decideTrust(seen, { host, known: known("SHA256:now") }), {
    kind: "pin",
    because: "known",
  });
  deepStrictEqual(decideTrust(seen, { host }), { kind: "unknown" });
});

Deno.test("decideTrust() refuses a changed certificate loudly, naming the file and line", () => {
  deepStrictEqual(
    decideTrust(seen, {
      host: "localhost",
      known: known("SHA256:then"),
      file: "/cfg/known_servers",
    }),
    {
      kind: "refuse",
      message: "REFUSED: its certificate has changed since you trusted it (now SHA256:now, then " +
        "SHA256:then). Someone may be intercepting the connection. If you know the server has a " +
        "new certificate, remove line 7 of /cfg/known_servers and connect again",
    },
  );
});

Deno.test("decideTrust() refuses a certificate for other names before anything is asked", () => {
  deepStrictEqual(decideTrust(seen, { host: "192.0.2.7", fingerprint: "SHA256:now" }), {
    kind: "refuse",
    message: "its certificate is for localhost, 127.0.0.1, not 192.0.2.7: connect by one of " +
      "those names, or give the server a certificate for 192.0.2.7",
  });
});

Deno.test("certificateCovers() matches addresses as addresses and names as names", () => {
  equal(certificateCovers(["::1"], "0:0:0:0:0:0:0:1"), true);
  equal(certificateCovers(["fe80::1"], "FE80:0::1"), true);
  equal(certificateCovers(["127.0.0.1"], "localhost"), false);
  equal(certificateCovers(["localhost"], "127.0.0.1"), false);
  equal(certificateCovers(["Lab.Example".toLowerCase()], "lab.example."), true);
  equal(certificateCovers(["*.lab.example"], "a.b.lab.example"), false);
  equal(certificateCovers(["*.lab.example"], "lab.example"), false);
});

Deno.test("isIP() tells IPv4 and IPv6 addresses from names", () => {
  deepStrictEqual(
    [
      "0.0.0.0",
      "255.255.255.255",
      "256.1.1.1",
      "::",
      "::ffff:192.0.2.1",
      "1:2:3:4:5:6:7:8",
      "1::2::3",
      "example",
      "a:b",
    ].map(isIP),
    [4, 4, 0, 6, 6, 6, 0, 0, 6],
  );
});

Deno.test("parseSubjectAltName() reads node:tls's wording", () => {
  deepStrictEqual(parseSubjectAltName(undefined), []);
  deepStrictEqual(
    parseSubjectAltName("DNS:LocalHost, IP Address:127.0.0.1, IP Address:::1, URI:x"),
    [
      "localhost",
      "127.0.0.1",
      "::1",
    ],
  );
});
