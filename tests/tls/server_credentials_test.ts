import { deepStrictEqual, rejects, throws } from "node:assert/strict";
import { join } from "node:path";
import { UsageError } from "../../lib/cli/cli.ts";
import { StartError } from "../../lib/net/server_main.ts";
import { readTlsFlags, serverCredentials } from "../../lib/tls/server_credentials.ts";
import { tempFolder } from "./_tls.ts";

Deno.test("readTlsFlags(): --cert and --key imply --tls, and go together", () => {
  deepStrictEqual(readTlsFlags({}), { tls: false, certFile: undefined, keyFile: undefined });
  deepStrictEqual(readTlsFlags({ tls: true }), {
    tls: true,
    certFile: undefined,
    keyFile: undefined,
  });
  throws(() => readTlsFlags({ cert: "c.pem" }), UsageError);
  throws(() => readTlsFlags({ tls: true, key: "k.pem" }), UsageError);
});

Deno.test("serverCredentials() says what it made, and fails to start in one line", async () => {
  await using dir = await tempFolder("server_credentials_test_");
  const storage = join(dir.path, "storage");
  const lines: string[] = [];
  const flags = { tls: true, host: "127.0.0.1", storage };
  const made = await serverCredentials(flags, "test", (l) => lines.push(l));
  deepStrictEqual(lines, [
    `TLS: made a self-signed certificate for localhost, 127.0.0.1, ::1 in ${made.certFile}`,
  ]);
  await serverCredentials(flags, "test", (l) => lines.push(l));
  deepStrictEqual(lines.length, 1); // kept: nothing to say until the fingerprint

  const missing = join(dir.path, "missing.pem");
  await rejects(
    serverCredentials({ ...flags, certFile: missing, keyFile: missing }, "test", () => {}),
    (err: Error) =>
      err instanceof StartError && err.message === `cannot read ${missing}: not found`,
  );
});
