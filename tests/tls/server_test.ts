import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { makeCertificate } from "../../lib/tls/certificate.ts";
import { connectTls } from "../../lib/tls/client.ts";
import { admitTls, handshakeFailure, listenTls } from "../../lib/tls/server.ts";
import { tempFolder } from "./_tls.ts";

const credentials = await makeCertificate(["127.0.0.1"], "test");

/** An LP-like TLS server that admits each connection as lp-server does, and logs. */
function server(timeoutMs?: number) {
  const listener = listenTls({ hostname: "127.0.0.1", port: 0, credentials, protocol: "lp/1" });
  const log: string[] = [];
  const stop = new AbortController();
  const admitted: Promise<boolean>[] = [];
  const first = Promise.withResolvers<boolean>();
  const done = (async () => {
    try {
      for await (const conn of listener) {
        const signal = stop.signal;
        const outcome = admitTls(conn, {
          log: (l) => log.push(l),
          protocol: "lp/1",
          timeoutMs,
          signal,
        })
          .then(async (ok) => {
            if (ok) {
              await conn.write(new TextEncoder().encode("hello"));
              conn.close();
            }
            return ok;
          });
        if (admitted.length === 0) first.resolve(outcome);
        admitted.push(outcome);
      }
    } catch {
      // Closed.
    }
    return await Promise.all(admitted);
  })();
  return {
    port: listener.addr.port,
    log,
    /** The first connection's outcome, once decided. */
    first: first.promise,
    /** Stop, and the outcome of every connection. */
    async close() {
      stop.abort();
      listener.close();
      return await done;
    },
  };
}

Deno.test("admitTls() lets a plain TCP connection through untouched", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  using _client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  using conn = await listener.accept();
  equal(await admitTls(conn, { log: () => {}, protocol: "lp/1" }), true);
});

Deno.test("admitTls() admits our protocol, drops a certificate probe quietly, logs a plain client", async () => {
  await using dir = await tempFolder("server_test_");
  const s = server();
  const { conn } = await connectTls("127.0.0.1", s.port, {
    protocol: "lp/1",
    knownServers: `${dir.path}/known_servers`,
    trust: true,
  });
  const buffer = new Uint8Array(5);
  equal(await conn.read(buffer), 5);
  conn.close();

  const plain = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
  await plain.write(new TextEncoder().encode("LP\x01\x01H\x00\x00\x01\x00\x00\x00\x00"));
  // The server's answer is a TLS alert, then the end.
  const alert = new Uint8Array(64);
  const n = await plain.read(alert);
  equal(alert[0], 0x15);
  while ((n !== null) && (await plain.read(alert)) !== null) {
    // Until the server has closed.
  }
  plain.close();

  deepStrictEqual(await s.close(), [false, true, false]); // the probe, the client, the plain one
  equal(s.log.length, 1, s.log.join("\n"));
  match(
    s.log[0],
    /^127\.0\.0\.1:\d+: not a TLS client \(it sent plain TCP; start it with --tls\); closing$/,
  );
});

Deno.test("admitTls() stops waiting for a silent client after the timeout, and on shutdown says nothing", async () => {
  // Deno cannot close a TLS connection whose handshake is pending: the socket stays open until
  // the client closes it (docs/TLS.md). So here the client closes, once the server gave up.
  const s = server(50);
  const silent = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
  equal(await s.first, false);
  silent.close();
  deepStrictEqual(await s.close(), [false]);
  deepStrictEqual(s.log.length, 1);
  match(s.log[0], /^127\.0\.0\.1:\d+: no TLS handshake within 0\.05 s; closing$/);

  const s2 = server();
  const waiting = await Deno.connect({ hostname: "127.0.0.1", port: s2.port });
  const closing = s2.close();
  waiting.close();
  ok((await closing).every((admitted) => !admitted));
  deepStrictEqual(s2.log, []);
});

Deno.test("handshakeFailure() words what rustls says", () => {
  const line = (message: string, err: Error = new Error(message)) =>
    handshakeFailure("127.0.0.1:5", err, "lp/1");
  equal(
    line("received corrupt message of type InvalidContentType"),
    "127.0.0.1:5: not a TLS client (it sent plain TCP; start it with --tls); closing",
  );
  equal(
    line("peer doesn't support any known protocol"),
    "127.0.0.1:5: a TLS client of another protocol (this server speaks lp/1); closing",
  );
  equal(
    line("received fatal alert: UnknownCA"),
    "127.0.0.1:5: the client refused this server's certificate (UnknownCA)",
  );
  equal(
    line("", new Deno.errors.UnexpectedEof("unexpected end of file")),
    "127.0.0.1:5: closed the connection during the TLS handshake",
  );
  equal(line("something new"), "127.0.0.1:5: TLS handshake failed: something new");
});
