/**
 * The chat over TLS, through the programs: a certificate made on the first start and kept
 * beside the room's database, trust on first use and the known-servers file (the same as
 * lp-client's), `--ca` and `--fingerprint`, the mixed-up ends, and a chat client at an LP
 * server told so at the handshake. Every server listens on loopback port 0 in a temporary
 * folder; every client keeps its known servers in a temporary config folder (`XDG_CONFIG_HOME`).
 */

import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import {
  chatLine,
  literal,
  startServer as startChatServer,
  type TempDir,
  tempDir,
} from "../_chat.ts";
import { type Program, runTask } from "../_task.ts";
import {
  errorLines,
  FINGERPRINT,
  refusedUntilRemoved,
  startServer as startLpServer,
  tempFolder,
} from "./_tls.ts";

/** A TLS chat server in a folder, its port, and the fingerprint it printed. */
async function startServer(
  dir: TempDir,
  args: string[] = [],
): Promise<{ server: Program; port: number; fingerprint: string }> {
  const { server, port } = await startChatServer(dir, ["--tls", ...args]);
  const m = await server.waitFor(new RegExp(`fingerprint (${FINGERPRINT.source})`));
  return { server, port, fingerprint: m[1] };
}

/** Join the room as `name`, say `said`, and leave at the end of input. */
function client(port: number, config: string, args: string[], name = "ann", said = "hello") {
  return runTask("chat-client", ["--port", String(port), "--name", name, ...args], {
    env: { XDG_CONFIG_HOME: config },
    input: `${said}\n`,
  });
}

/** The user's known-servers file in a config folder. */
function knownServers(config: string): string {
  return join(config, "socket-labs", "known_servers");
}

/** The server's stored certificate. */
function storedCert(dir: { path: string }): string {
  return join(dir.path, "storage", "server", "tls-cert.pem");
}

Deno.test("chat-server --tls makes a certificate once beside its database, and serves https", async () => {
  await using dir = await tempDir();
  const first = await startServer(dir);
  equal(
    first.server.lines[0],
    "TLS: made a self-signed certificate for localhost, 127.0.0.1, ::1 in storage/server/tls-cert.pem",
  );
  await first.server.waitFor(/^Open https:\/\/127\.0\.0\.1:\d+\/ in a browser$/);
  first.server.kill("SIGINT");
  equal(await first.server.exit(), 0);
  const key = await Deno.stat(join(dir.path, "storage", "server", "tls-key.pem"));
  if (Deno.build.os !== "windows") equal(key.mode! & 0o777, 0o600);
  await Deno.stat(join(dir.path, "storage", "server", ".chat.db"));

  const again = await startServer(dir, ["--port", String(first.port), "--no-web"]);
  await using _ = again.server;
  equal(again.fingerprint, first.fingerprint);
  ok(!again.server.lines.some((l) => l.startsWith("TLS: made")), again.server.lines.join("\n"));
});

Deno.test("a TLS chat session: pinned on first use, known after a restart, a new certificate refused until its line is removed", async () => {
  await using dir = await tempDir();
  await using config = await tempFolder("chat_tls_config_");
  const first = await startServer(dir, ["--no-web"]);
  const { port } = first;
  {
    await using _ = first.server;
    // Unknown, and no terminal to ask on: refused in one line that says what to do.
    const unknown = await client(port, config.path, ["--tls"]);
    equal(unknown.code, 1);
    deepStrictEqual(errorLines(unknown.stderr), [
      `chat_client: cannot connect to 127.0.0.1:${port}: its certificate ${first.fingerprint} ` +
      "is not known here: check that the server printed the same fingerprint, then connect " +
      `again with --trust (or --fingerprint ${first.fingerprint})`,
    ]);

    const trusted = await client(port, config.path, ["--trust"], "ann", "over TLS, hello");
    equal(trusted.code, 0, trusted.stderr);
    const file = knownServers(config.path);
    match(
      trusted.stdout,
      new RegExp(
        `^Trusted 127\\.0\\.0\\.1:${port} on first use \\(${
          literal(first.fingerprint)
        }\\); remembered in ${literal(file)} line 3$`,
        "m",
      ),
    );
    match(
      trusted.stdout,
      new RegExp(
        `^Connected to 127\\.0\\.0\\.1:${port} over TLS \\(certificate ${
          literal(first.fingerprint)
        }, trusted on first use\\)$`,
        "m",
      ),
    );
    // The room heard it, and said it back.
    ok(trusted.stdout.split("\n").some((l) => chatLine("ann", "over TLS, hello").test(l)));
    await first.server.waitFor(chatLine("ann", "over TLS, hello"));
    first.server.kill("SIGINT");
    equal(await first.server.exit(), 0);
  }

  // Restarted, the server shows the same certificate: known, so no question and no --trust.
  const file = knownServers(config.path);
  {
    const again = await startServer(dir, ["--port", String(port), "--no-web"]);
    await using _ = again.server;
    const known = await client(port, config.path, ["--tls"], "bob", "known");
    equal(known.code, 0, known.stderr);
    equal(known.stderr, "");
    match(
      known.stdout,
      new RegExp(
        `over TLS \\(certificate ${literal(first.fingerprint)}, known from ${
          literal(file)
        } line 3\\)`,
      ),
    );
    again.server.kill("SIGINT");
    equal(await again.server.exit(), 0);
  }

  // A new certificate: the stored one is deleted (the database stays), the server makes another.
  await Deno.remove(storedCert(dir));
  await Deno.remove(join(dir.path, "storage", "server", "tls-key.pem"));
  const second = await startServer(dir, ["--port", String(port), "--no-web"]);
  await using _ = second.server;
  ok(second.fingerprint !== first.fingerprint);
  // --trust accepts an unknown certificate, never a changed one; removing the line lets it.
  await refusedUntilRemoved(
    "chat_client",
    port,
    file,
    { then: first.fingerprint, now: second.fingerprint },
    (flags) => client(port, config.path, flags),
  );
});

Deno.test("chat-client --ca and --fingerprint trust without the known-servers file", async () => {
  await using dir = await tempDir();
  await using config = await tempFolder("chat_tls_config_");
  const { server, port, fingerprint } = await startServer(dir, ["--no-web"]);
  await using _ = server;
  const cert = storedCert(dir);

  const ca = await client(port, config.path, ["--ca", cert]);
  equal(ca.code, 0, ca.stderr);
  match(ca.stdout, new RegExp(`over TLS \\(certificate signed by ${literal(cert)}\\)`));
  match(ca.stdout, /You joined as ann/);

  const pinned = await client(port, config.path, ["--fingerprint", fingerprint], "bob");
  equal(pinned.code, 0, pinned.stderr);
  match(
    pinned.stdout,
    new RegExp(`over TLS \\(certificate ${literal(fingerprint)}, as --fingerprint says\\)`),
  );

  const other = "SHA256:" + "A".repeat(43);
  const wrong = await client(port, config.path, ["--fingerprint", other]);
  equal(wrong.code, 1);
  deepStrictEqual(errorLines(wrong.stderr), [
    `chat_client: cannot connect to 127.0.0.1:${port}: its certificate is ${fingerprint}, not ` +
    `the ${other} given with --fingerprint: refused`,
  ]);
  await Deno.stat(knownServers(config.path)).then(
    () => ok(false, "no known-servers file should have been written"),
    (err) => ok(err instanceof Deno.errors.NotFound),
  );
});

Deno.test("a plain chat client at a TLS server, and a TLS one at a plain server, each end in one line", async () => {
  await using dir = await tempDir();
  await using config = await tempFolder("chat_tls_config_");
  const tls = await startServer(dir, ["--no-web"]);
  {
    await using _ = tls.server;
    const plainClient = await client(tls.port, config.path, []);
    equal(plainClient.code, 1);
    deepStrictEqual(errorLines(plainClient.stderr), [
      `chat_client: 127.0.0.1:${tls.port} speaks TLS: connect with --tls`,
    ]);
    await tls.server.waitFor(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d 127\.0\.0\.1:\d+: not a TLS client \(it sent plain TCP; start it with --tls\); closing$/,
    );
    tls.server.kill("SIGINT");
    equal(await tls.server.exit(), 0);
  }

  const plain = await startChatServer(dir, ["--no-web"]);
  await using _p = plain.server;
  const tlsClient = await client(plain.port, config.path, ["--trust"]);
  equal(tlsClient.code, 1);
  equal(tlsClient.stdout, "");
  deepStrictEqual(errorLines(tlsClient.stderr), [
    `chat_client: cannot connect to 127.0.0.1:${plain.port}: it does not speak TLS (it answered ` +
    "in plain TCP): connect without --tls",
  ]);
  await plain.server.waitFor(
    /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d 127\.0\.0\.1:\d+ sent a TLS handshake, but this server runs without --tls; closing$/,
  );
  ok(!plain.server.lines.some((l) => /malformed/.test(l)), plain.server.lines.join("\n"));
});

Deno.test("a chat client at an LP server over TLS, and an LP client at a chat server, are told at the handshake", async () => {
  await using dir = await tempDir();
  await using config = await tempFolder("chat_tls_config_");
  const lp = await startLpServer(dir.path, ["--tls"]);
  await using _lp = lp.server;
  const chat = await client(lp.port, config.path, ["--trust"]);
  equal(chat.code, 1);
  deepStrictEqual(errorLines(chat.stderr), [
    `chat_client: cannot connect to 127.0.0.1:${lp.port}: it is an LP server, not a chat ` +
    "server (try deno task lp-client --tls)",
  ]);
  // The probe only looked: the LP server logged no client.
  ok(!lp.server.lines.some((l) => /client 1/.test(l)), lp.server.lines.join("\n"));

  const chatServer = await startServer(dir, ["--no-web"]);
  await using _c = chatServer.server;
  const lpClient = await runTask(
    "lp-client",
    ["--connect", `127.0.0.1:${chatServer.port}`, "--do", "name", "--trust"],
    { env: { XDG_CONFIG_HOME: config.path } },
  );
  equal(lpClient.code, 1);
  deepStrictEqual(errorLines(lpClient.stderr), [
    `lp_client: cannot connect to 127.0.0.1:${chatServer.port}: it is a chat server, not an LP ` +
    "server (try deno task chat-client --tls)",
  ]);
});
