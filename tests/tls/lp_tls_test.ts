/**
 * The LP lab over TLS, through the programs: a certificate made on the first start and kept,
 * trust on first use and the known-servers file, `--ca` and `--fingerprint`, the mixed-up ends
 * (a plain client at a TLS server and the reverse) and a server of another protocol, each ended
 * in one line. Every server listens on loopback port 0 in a temporary folder; every client keeps
 * its known servers in a temporary config folder (`XDG_CONFIG_HOME`).
 */

import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { makeCertificate } from "../../lib/tls/certificate.ts";
import { admitTls, listenTls } from "../../lib/tls/server.ts";
import { runTask } from "../_task.ts";
import { HAS_TERMINAL, TerminalProgram } from "../_terminal.ts";
import {
  errorLines,
  FINGERPRINT,
  refusedUntilRemoved,
  startServer,
  stopServer,
  tempFolder,
} from "./_tls.ts";

/** Run lp-client once against a server, with a config folder of its own. */
function client(port: number, config: string, args: string[], action = "name") {
  return runTask("lp-client", ["--connect", `127.0.0.1:${port}`, "--do", action, ...args], {
    env: { XDG_CONFIG_HOME: config },
  });
}

/** The user's known-servers file in a config folder. */
function knownServers(config: string): string {
  return join(config, "socket-labs", "known_servers");
}

Deno.test("lp-server --tls makes a certificate once, keeps its key private, and reuses it", async () => {
  await using dir = await tempFolder("lp_tls_keep_");
  const first = await startServer(dir.path, ["--tls"]);
  const made = first.server.lines.find((l) => l.startsWith("TLS: made"));
  equal(
    made,
    "TLS: made a self-signed certificate for localhost, 127.0.0.1, ::1 in storage/lp-server/tls-cert.pem",
  );
  equal(await stopServer(first.server), 0);
  const key = await Deno.stat(join(dir.path, "storage", "lp-server", "tls-key.pem"));
  if (Deno.build.os !== "windows") equal(key.mode! & 0o777, 0o600);

  const again = await startServer(dir.path, ["--tls", "--port", String(first.port)]);
  equal(again.fingerprint, first.fingerprint);
  ok(!again.server.lines.some((l) => l.startsWith("TLS: made")), again.server.lines.join("\n"));
  equal(await stopServer(again.server), 0);
});

Deno.test("lp-client trusts on first use with --trust, then knows the server without asking", async () => {
  await using dir = await tempFolder("lp_tls_tofu_");
  await using config = await tempFolder("lp_tls_config_");
  const { server, port, fingerprint } = await startServer(dir.path, ["--tls"]);
  await using _ = server;

  // Unknown, and no terminal to ask on: refused in one line that says what to do.
  const unknown = await client(port, config.path, ["--tls"]);
  equal(unknown.code, 1);
  deepStrictEqual(errorLines(unknown.stderr), [
    `lp_client: cannot connect to 127.0.0.1:${port}: its certificate ${fingerprint} is not ` +
    "known here: check that the server printed the same fingerprint, then connect again " +
    `with --trust (or --fingerprint ${fingerprint})`,
  ]);

  const trusted = await client(port, config.path, ["--trust"]);
  equal(trusted.code, 0, trusted.stderr);
  const file = knownServers(config.path);
  match(
    trusted.stdout,
    new RegExp(
      `^Trusted 127\\.0\\.0\\.1:${port} on first use \\(${
        RegExp.escape(fingerprint!)
      }\\); remembered in ${RegExp.escape(file)} line 3$`,
      "m",
    ),
  );
  match(
    trusted.stdout,
    new RegExp(
      `^Connected to 127\\.0\\.0\\.1:${port} over TLS \\(certificate ${
        RegExp.escape(fingerprint!)
      }, trusted on first use\\)$`,
      "m",
    ),
  );
  match(trusted.stdout, /^Server name: LP lab server$/m);
  match(
    await Deno.readTextFile(file),
    new RegExp(`^127\\.0\\.0\\.1:${port} ${RegExp.escape(fingerprint!)}$`, "m"),
  );

  // Restarted, the server shows the same certificate: known, so no question and no --trust.
  equal(await stopServer(server), 0);
  const again = await startServer(dir.path, ["--tls", "--port", String(port)]);
  await using _again = again.server;
  const known = await client(port, config.path, ["--tls"]);
  equal(known.code, 0, known.stderr);
  equal(known.stderr, "");
  match(
    known.stdout,
    new RegExp(
      `over TLS \\(certificate ${RegExp.escape(fingerprint!)}, known from ${
        RegExp.escape(file)
      } line 3\\)`,
    ),
  );
});

Deno.test("a server's new certificate is refused, naming the line to remove; accepted once it is gone", async () => {
  await using dir = await tempFolder("lp_tls_changed_");
  await using config = await tempFolder("lp_tls_config_");
  const first = await startServer(dir.path, ["--tls"]);
  const { port } = first;
  equal((await client(port, config.path, ["--trust"])).code, 0);
  equal(await stopServer(first.server), 0);

  // A new certificate: the old one is deleted, the server makes another.
  await Deno.remove(join(dir.path, "storage", "lp-server"), { recursive: true });
  const second = await startServer(dir.path, ["--tls", "--port", String(port)]);
  await using _ = second.server;
  ok(second.fingerprint !== first.fingerprint);
  const file = knownServers(config.path);
  // --trust accepts an unknown certificate, never a changed one; removing the line lets it.
  await refusedUntilRemoved(
    "lp_client",
    port,
    file,
    { then: first.fingerprint!, now: second.fingerprint! },
    (flags) => client(port, config.path, flags),
  );
});

Deno.test("lp-client --ca and --fingerprint trust without the known-servers file", async () => {
  await using dir = await tempFolder("lp_tls_pin_");
  await using config = await tempFolder("lp_tls_config_");
  const { server, port, fingerprint } = await startServer(dir.path, ["--tls"]);
  await using _ = server;
  const cert = join(dir.path, "storage", "lp-server", "tls-cert.pem");

  const ca = await client(port, config.path, ["--ca", cert]);
  equal(ca.code, 0, ca.stderr);
  match(ca.stdout, new RegExp(`over TLS \\(certificate signed by ${RegExp.escape(cert)}\\)`));

  const pinned = await client(port, config.path, ["--fingerprint", fingerprint!]);
  equal(pinned.code, 0, pinned.stderr);
  match(
    pinned.stdout,
    new RegExp(`over TLS \\(certificate ${RegExp.escape(fingerprint!)}, as --fingerprint says\\)`),
  );

  const other = "SHA256:" + "A".repeat(43);
  const wrong = await client(port, config.path, ["--fingerprint", other]);
  equal(wrong.code, 1);
  deepStrictEqual(errorLines(wrong.stderr), [
    `lp_client: cannot connect to 127.0.0.1:${port}: its certificate is ${fingerprint}, not ` +
    `the ${other} given with --fingerprint: refused`,
  ]);

  // --ca with another authority: TLS itself refuses the server's certificate.
  const stranger = join(dir.path, "stranger.pem");
  await Deno.writeTextFile(stranger, (await makeCertificate(["localhost"], "stranger")).cert);
  const unsigned = await client(port, config.path, ["--ca", stranger]);
  equal(unsigned.code, 1);
  deepStrictEqual(errorLines(unsigned.stderr), [
    `lp_client: cannot connect to 127.0.0.1:${port}: its certificate is not signed by ` +
    `${stranger} (nor by an authority this system trusts)`,
  ]);
  await Deno.stat(knownServers(config.path)).then(
    () => ok(false, "no known-servers file should have been written"),
    (err) => ok(err instanceof Deno.errors.NotFound),
  );
});

Deno.test("lp-server --cert and --key serve the given certificate", async () => {
  await using dir = await tempFolder("lp_tls_given_");
  await using config = await tempFolder("lp_tls_config_");
  const { cert, key } = await makeCertificate(["127.0.0.1"], "given");
  const certFile = join(dir.path, "given-cert.pem");
  const keyFile = join(dir.path, "given-key.pem");
  await Deno.writeTextFile(certFile, cert);
  await Deno.writeTextFile(keyFile, key);
  const { server, port } = await startServer(dir.path, ["--cert", certFile, "--key", keyFile]);
  await using _ = server;
  match(
    server.lines[0],
    new RegExp(
      `^TLS: certificate from ${RegExp.escape(certFile)}, valid until \\d{4}-\\d\\d-\\d\\d$`,
    ),
  );
  const ca = await client(port, config.path, ["--ca", certFile]);
  equal(ca.code, 0, ca.stderr);
  // Nothing was made: no storage folder.
  await Deno.stat(join(dir.path, "storage")).then(
    () => ok(false, "the storage folder should not exist"),
    (err) => ok(err instanceof Deno.errors.NotFound),
  );
});

Deno.test("a plain client at a TLS server, and a TLS client at a plain server, each end in one line", async () => {
  await using dir = await tempFolder("lp_tls_mixed_");
  await using config = await tempFolder("lp_tls_config_");
  const tls = await startServer(dir.path, ["--tls"]);
  await using _t = tls.server;
  const plainClient = await client(tls.port, config.path, []);
  equal(plainClient.code, 1);
  deepStrictEqual(errorLines(plainClient.stderr), [
    `lp_client: 127.0.0.1:${tls.port} speaks TLS: connect with --tls`,
  ]);
  await tls.server.waitFor(
    /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d 127\.0\.0\.1:\d+: not a TLS client \(it sent plain TCP; start it with --tls\); closing$/,
  );

  const plain = await startServer(dir.path, []);
  await using _p = plain.server;
  const tlsClient = await client(plain.port, config.path, ["--trust"]);
  equal(tlsClient.code, 1);
  equal(tlsClient.stdout, "");
  deepStrictEqual(errorLines(tlsClient.stderr), [
    `lp_client: cannot connect to 127.0.0.1:${plain.port}: it does not speak TLS (it answered ` +
    "in plain TCP): connect without --tls",
  ]);
  await plain.server.waitFor(
    /client 1 127\.0\.0\.1:\d+ sent a TLS handshake, but this server runs without --tls; closing$/,
  );
});

Deno.test("lp-client at a TLS server of another protocol is told at the handshake", async () => {
  await using config = await tempFolder("lp_tls_config_");
  // A stand-in for the chat server over TLS: its protocol's ALPN name, and nothing else.
  const credentials = await makeCertificate(["127.0.0.1"], "chat-server");
  using listener = listenTls({ hostname: "127.0.0.1", port: 0, credentials, protocol: "chat/1" });
  const logged: string[] = [];
  const serving = (async () => {
    const admitted: Promise<boolean>[] = [];
    try {
      for await (const conn of listener) {
        const log = (line: string) => logged.push(line);
        admitted.push(
          admitTls(conn, { log, protocol: "chat/1" }).then((ok) => (ok && conn.close(), ok)),
        );
      }
    } catch {
      // The listener was closed.
    }
    return Promise.all(admitted);
  })();
  const { port } = listener.addr;
  const caFile = join(config.path, "chat.pem");
  await Deno.writeTextFile(caFile, credentials.cert);

  // The probe's answer names the other protocol.
  const probed = await client(port, config.path, ["--trust"]);
  equal(probed.code, 1);
  deepStrictEqual(errorLines(probed.stderr), [
    `lp_client: cannot connect to 127.0.0.1:${port}: it is a chat server, not an LP server ` +
    "(try deno task chat-client --tls)",
  ]);
  // With --ca there is no probe: the handshake itself fails, and the server logs it.
  const direct = await client(port, config.path, ["--ca", caFile]);
  equal(direct.code, 1);
  deepStrictEqual(errorLines(direct.stderr), [
    `lp_client: cannot connect to 127.0.0.1:${port}: it is not an LP server: it does not ` +
    "speak lp/1 over TLS",
  ]);
  listener.close();
  deepStrictEqual(await serving, [false, false]);
  equal(logged.length, 1, logged.join("\n"));
  match(
    logged[0],
    /^127\.0\.0\.1:\d+: a TLS client of another protocol \(this server speaks chat\/1\); closing$/,
  );
});

Deno.test({
  name:
    "lp-client on a terminal asks once whether to trust a new certificate, from the menu and --do",
  ignore: !HAS_TERMINAL,
  async fn() {
    await using dir = await tempFolder("lp_tls_ask_");
    await using config = await tempFolder("lp_tls_config_");
    const { server, port, fingerprint } = await startServer(dir.path, ["--tls"]);
    await using _ = server;
    const env = { XDG_CONFIG_HOME: config.path };

    // Scripted: a "no" ends it in one line, and nothing is remembered.
    {
      await using no = new TerminalProgram(
        "lp-client",
        ["--tls", "--connect", `127.0.0.1:${port}`, "--do", "time"],
        { env },
      );
      await no.waitFor(new RegExp(`Its fingerprint is ${RegExp.escape(fingerprint!)}`));
      await no.waitFor(/\? \[y\/N\]/);
      await no.type("n\r");
      await no.waitFor(/not trusted, so not connected/);
      equal(await no.exit(), 1);
    }

    // The menu: "y" connects, and the next connection does not ask.
    await using menu = new TerminalProgram("lp-client", ["--tls"], { env });
    const connect = async (after: string) => {
      await menu.type("1\r");
      await menu.waitFor(new RegExp(`${after}[^]*Server IP \\[127\\.0\\.0\\.1\\]: `));
      await menu.type("\r");
      await menu.waitFor(new RegExp(`${after}[^]*Port \\[4579\\]: `));
      await menu.type(`${port}\r`);
    };
    await menu.waitFor(/Choose 1-7: /);
    await connect("");
    await menu.waitFor(new RegExp(`The certificate of 127\\.0\\.0\\.1:${port} is not signed`));
    await menu.waitFor(/remember it in .*known_servers\? \[y\/N\] /);
    await menu.type("y\r");
    await menu.waitFor(/trusted on first use\)[^]*you are client \d+/);
    await menu.type("2\r");
    await menu.waitFor(/Disconnected from/);
    await connect("Disconnected from");
    await menu.waitFor(/known from .*known_servers line 3\)/);
    await menu.type("7\r");
    equal(await menu.exit(), 0);
    ok(!/not signed[^]*not signed/.test(menu.output), "asked twice");
    match(await Deno.readTextFile(knownServers(config.path)), FINGERPRINT);
  },
});
