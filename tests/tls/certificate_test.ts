import { deepStrictEqual, equal, match, ok, rejects, throws } from "node:assert/strict";
import { join } from "node:path";
import {
  CERT_FILE,
  KEY_FILE,
  listenNames,
  makeCertificate,
  readCredentials,
  storedCredentials,
  VALID_DAYS,
} from "../../lib/tls/certificate.ts";
import { tempFolder } from "./_tls.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

Deno.test("storedCredentials() makes a certificate once, with a private key file, then keeps it", async () => {
  await using dir = await tempFolder("certificate_test_");
  const folder = join(dir.path, "storage", "lp-server");
  const names = ["localhost", "127.0.0.1", "::1"];
  const made = await storedCredentials(folder, names, "lp-server");
  equal(made.how, "made");
  deepStrictEqual(made.credentials.names, names);
  match(made.credentials.fingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);
  equal(made.credentials.certFile, join(folder, CERT_FILE));
  if (Deno.build.os !== "windows") {
    equal((await Deno.stat(join(folder, KEY_FILE))).mode! & 0o777, 0o600);
  }
  const days = (made.credentials.notAfter.getTime() - Date.now()) / DAY_MS;
  ok(days > VALID_DAYS - 1 && days <= VALID_DAYS, String(days));

  const kept = await storedCredentials(folder, names, "lp-server");
  equal(kept.how, "kept");
  equal(kept.credentials.fingerprint, made.credentials.fingerprint);
  deepStrictEqual(kept.missing, []);

  // Listening on more names later: the certificate is kept, and what it lacks is said.
  const wider = await storedCredentials(folder, [...names, "192.0.2.7", "lab"], "lp-server");
  equal(wider.how, "kept");
  deepStrictEqual(wider.missing, ["192.0.2.7", "lab"]);
});

Deno.test("storedCredentials() makes a new certificate once the old one has expired", async () => {
  await using dir = await tempFolder("certificate_test_");
  const old = await storedCredentials(dir.path, ["localhost"], "lp-server");
  const later = new Date(old.credentials.notAfter.getTime() + DAY_MS);
  const renewed = await storedCredentials(dir.path, ["localhost"], "lp-server", later);
  equal(renewed.how, "renewed");
  deepStrictEqual(renewed.expired, old.credentials.notAfter);
  ok(renewed.credentials.fingerprint !== old.credentials.fingerprint);
  if (Deno.build.os !== "windows") {
    equal((await Deno.stat(join(dir.path, KEY_FILE))).mode! & 0o777, 0o600);
  }
});

Deno.test("makeCertificate() makes a certificate Deno's TLS serves and trusts for its names", async () => {
  const credentials = await makeCertificate(["localhost", "127.0.0.1"], "test");
  using listener = Deno.listenTls({ hostname: "127.0.0.1", port: 0, ...credentials });
  const served = (async () => {
    using conn = await listener.accept();
    await conn.write(new TextEncoder().encode("hi"));
  })();
  {
    using conn = await Deno.connectTls({
      hostname: "127.0.0.1",
      port: listener.addr.port,
      caCerts: [credentials.cert],
    });
    equal(await conn.read(new Uint8Array(2)), 2);
  }
  await served;
});

Deno.test("readCredentials() says in one line what is wrong with --cert and --key", async () => {
  await using dir = await tempFolder("certificate_test_");
  const { cert, key } = await makeCertificate(["localhost"], "test");
  const certFile = join(dir.path, "cert.pem");
  const keyFile = join(dir.path, "key.pem");
  await Deno.writeTextFile(certFile, cert);
  await Deno.writeTextFile(keyFile, key);
  const read = await readCredentials(certFile, keyFile);
  deepStrictEqual(read.names, ["localhost"]);
  await rejects(readCredentials(keyFile, keyFile), {
    message: `${keyFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
  });
  await rejects(readCredentials(certFile, certFile), {
    message: `${certFile} holds no PEM private key (-----BEGIN PRIVATE KEY-----)`,
  });
  const missing = join(dir.path, "missing.pem");
  await rejects(readCredentials(missing, keyFile), {
    message: `cannot read ${missing}: not found`,
  });
});

Deno.test("listenNames() names loopback always, and every address for 0.0.0.0", () => {
  const machine = { addresses: () => ["127.0.0.1", "::1", "192.0.2.7"], hostname: () => "Lab-PC" };
  deepStrictEqual(listenNames("127.0.0.1", machine), ["localhost", "127.0.0.1", "::1"]);
  deepStrictEqual(listenNames("::", machine), [
    "localhost",
    "127.0.0.1",
    "::1",
    "192.0.2.7",
    "lab-pc",
  ]);
  deepStrictEqual(listenNames("192.0.2.7", machine), [
    "localhost",
    "127.0.0.1",
    "::1",
    "192.0.2.7",
  ]);
  const noPermission = {
    addresses: (): string[] => {
      throw new Error("no");
    },
    hostname: () => undefined,
  };
  throws(() => listenNames("0.0.0.0", noPermission), /no/);
});
