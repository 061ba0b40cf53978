/**
 * The bundled X.509 library (lib/vendor/x509/) with its types, for lib/tls/certificate.ts to
 * load on first use: half a megabyte of JavaScript that only a TLS server needs.
 *
 * @module
 */

// @ts-types="../vendor/x509/x509.d.ts"
export * from "../vendor/x509/x509.js";
