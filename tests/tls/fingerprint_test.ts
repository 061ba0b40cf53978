import { deepStrictEqual, equal, throws } from "node:assert/strict";
import { derToPem, fingerprintOf, parseFingerprint, pemBlocks } from "../../lib/tls/fingerprint.ts";

Deno.test("fingerprintOf() is SHA256: and the digest in base64 without padding, as ssh writes it", async () => {
  // SHA-256 of no bytes, e3b0c442…, is 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU= in base64.
  equal(
    await fingerprintOf(new Uint8Array()),
    "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU",
  );
});

Deno.test("parseFingerprint() takes ours and the hex a browser shows, and refuses the rest", () => {
  const ours = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU";
  const hex = "E3:B0:C4:42:98:FC:1C:14:9A:FB:F4:C8:99:6F:B9:24:" +
    "27:AE:41:E4:64:9B:93:4C:A4:95:99:1B:78:52:B8:55";
  equal(parseFingerprint(ours), ours);
  equal(parseFingerprint(` sha256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU= `), ours);
  equal(parseFingerprint(hex), ours);
  equal(parseFingerprint(`sha256 Fingerprint=${hex.toLowerCase()}`), ours);
  for (const bad of ["", "SHA256:abc", "MD5:" + "a".repeat(43), hex.slice(3)]) {
    throws(
      () => parseFingerprint(bad),
      (e: Error) => e instanceof RangeError && e.message.includes(`"${bad}"`),
    );
  }
});

Deno.test("derToPem() and pemBlocks() are each other's inverse, block by block", () => {
  const a = new Uint8Array(100).map((_, i) => i);
  const b = new Uint8Array([255, 0, 7]);
  const pem = derToPem(a, "CERTIFICATE") + derToPem(b, "CERTIFICATE") + derToPem(b, "PRIVATE KEY");
  deepStrictEqual(pemBlocks(pem, "CERTIFICATE"), [a, b]);
  deepStrictEqual(pemBlocks(pem, "PRIVATE KEY"), [b]);
  equal(derToPem(a, "CERTIFICATE").split("\n")[1].length, 64);
});
