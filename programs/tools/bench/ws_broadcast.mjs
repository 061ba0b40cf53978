/**
 * The WebSocket fan-out's peer: a broadcast server on Node.js and the `ws` package, the de facto
 * standard WebSocket server for Node. Every message a client sends goes to every other client as
 * it is: the broadcast example of the package's own README, and nothing more.
 *
 * The benchmark (programs/tools/bench.ts) starts it with the machine's `node`. Nothing installs
 * `ws` for it, since running a program must need no registry; once, in the project folder:
 *
 *   npm install --prefix .bench/peers --no-save ws@8.23.0
 *
 * Run it:   node programs/tools/bench/ws_broadcast.mjs [PEERS]
 *
 * PEERS is the folder whose node_modules holds `ws` (default: .bench/peers). The server listens
 * on 127.0.0.1, on a free port, and says where as our servers do, in English: first
 * "ws VERSION on Node.js VERSION", then "Listening on 127.0.0.1:PORT". Without `ws` it says so
 * on stderr and exits with code 3. Ctrl-C (SIGINT) or SIGTERM stops it.
 *
 * @module
 */

import { createRequire } from "node:module";
import { resolve } from "node:path";
import process from "node:process";

/** The exit code that tells the benchmark `ws` is not installed. */
const NO_WS = 3;

// `ws` is found from the peers folder, not from this file's: createRequire takes the name of a
// file there, which need not exist.
const peers = resolve(process.argv[2] ?? ".bench/peers");
const require = createRequire(resolve(peers, "package.json"));
let ws;
try {
  ws = require("ws");
} catch (err) {
  if (err?.code !== "MODULE_NOT_FOUND") throw err;
  console.error(`ws_broadcast: no ws package in ${resolve(peers, "node_modules")}`);
  process.exit(NO_WS);
}
const { version } = require("ws/package.json");
const { WebSocket, WebSocketServer } = ws;

const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });

server.on("connection", (socket) => {
  // A client gone mid-message is no reason to stop serving the others.
  socket.on("error", () => {});
  socket.on("message", (data, isBinary) => {
    for (const client of server.clients) {
      if (client !== socket && client.readyState === WebSocket.OPEN) {
        client.send(data, { binary: isBinary });
      }
    }
  });
});

server.on("listening", () => {
  console.log(`ws ${version} on Node.js ${process.version}`);
  console.log(`Listening on 127.0.0.1:${server.address().port}`);
});

// Stopped by the benchmark: nothing to save, so leave at once, connections and all.
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(0));
