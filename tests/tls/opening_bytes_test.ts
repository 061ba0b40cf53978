import { deepStrictEqual, equal } from "node:assert/strict";
import { looksLikeTls, OpeningBytes } from "../../lib/tls/opening_bytes.ts";

/** A stream that reads the given chunks, one per read. */
function chunks(...parts: number[][]) {
  return {
    read(p: Uint8Array) {
      const next = parts.shift();
      if (next === undefined) return Promise.resolve(null);
      p.set(next);
      return Promise.resolve(next.length);
    },
    write: (p: Uint8Array) => Promise.resolve(p.length),
    close() {},
  };
}

Deno.test("OpeningBytes keeps the first three bytes, across reads, and passes everything on", async () => {
  const input = new OpeningBytes(chunks([0x16], [0x03, 0x01, 0x02], [9]));
  const buffer = new Uint8Array(8);
  equal(await input.read(buffer), 1);
  equal(input.looksLikeTls(), false); // one byte says nothing yet
  equal(await input.read(buffer), 3);
  deepStrictEqual([...buffer.subarray(0, 3)], [0x03, 0x01, 0x02]);
  deepStrictEqual([...input.bytes], [0x16, 0x03, 0x01]);
  equal(input.looksLikeTls(), true);
  equal(await input.read(buffer), 1);
  equal(await input.read(buffer), null);
  deepStrictEqual([...input.bytes], [0x16, 0x03, 0x01]);
});

Deno.test("looksLikeTls() knows a TLS hello and alert from an LP frame", () => {
  equal(looksLikeTls(new Uint8Array([0x15, 0x03, 0x03])), true);
  equal(looksLikeTls(new Uint8Array([0x4c, 0x50, 0x01])), false);
  equal(looksLikeTls(new Uint8Array([0x16, 0x02])), false);
});
