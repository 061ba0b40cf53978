/**
 * The upload's SHA-256, computed off the page's main thread (lib/web/page/hasher.ts starts it):
 * hashing in JavaScript is slower than sending on a fast network, so the page sends one block
 * while this worker hashes the one before. Each message is a block of the file (an
 * `ArrayBuffer`, transferred, not copied), answered with `{ hashed: bytes }`; the string
 * `"digest"` is answered with `{ digest: hex }`.
 *
 * @module
 */

import { createSha256, toHex } from "./sha256.ts";

/** What this worker's global scope offers (the DOM's types describe a window, not a worker). */
const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
};

const hash = createSha256();
scope.onmessage = (event) => {
  const data: unknown = event.data;
  if (data instanceof ArrayBuffer) {
    hash.update(new Uint8Array(data));
    scope.postMessage({ hashed: data.byteLength });
  } else if (data === "digest") {
    scope.postMessage({ digest: toHex(hash.digest()) });
  }
};
