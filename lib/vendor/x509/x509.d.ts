/**
 * Types for the part of x509.js (@peculiar/x509 2.2.0, bundled) this project uses, written by
 * hand from the package's own `build/index.d.ts`: that file imports the types of a dozen other
 * packages, so it cannot stand alone next to the bundle. Only what lib/tls/certificate.ts calls
 * is declared; the signatures are the package's, narrowed where it takes more than we pass.
 *
 * @module
 */

/** A certificate extension. */
export declare class Extension {
  /** The extension's object identifier. */
  readonly type: string;
  /** Whether a verifier that does not know it must refuse the certificate. */
  readonly critical: boolean;
}

/** A name in a Subject Alternative Name: a DNS name or an IP address, for our certificates. */
export interface JsonGeneralName {
  type: "dns" | "ip" | "dn" | "email" | "guid" | "url" | "upn" | "id";
  value: string;
}

/** The Subject Alternative Name extension: the names a server certificate is valid for. */
export declare class SubjectAlternativeNameExtension extends Extension {
  readonly names: { readonly items: readonly JsonGeneralName[] };
  constructor(raw: BufferSource);
  constructor(data?: JsonGeneralName[], critical?: boolean);
}

/** The Basic Constraints extension: whether the certificate may sign others. */
export declare class BasicConstraintsExtension extends Extension {
  readonly ca: boolean;
  constructor(raw: BufferSource);
  constructor(ca: boolean, pathLength?: number, critical?: boolean);
}

/** The Extended Key Usage extension: what the key is for, such as `serverAuth`. */
export declare class ExtendedKeyUsageExtension extends Extension {
  readonly usages: string[];
  constructor(raw: BufferSource);
  constructor(usages: string[], critical?: boolean);
}

/** Key usage bits. */
export declare enum KeyUsageFlags {
  digitalSignature = 1,
  nonRepudiation = 2,
  keyEncipherment = 4,
  dataEncipherment = 8,
  keyAgreement = 16,
  keyCertSign = 32,
  cRLSign = 64,
  encipherOnly = 128,
  decipherOnly = 256,
}

/** The Key Usage extension. */
export declare class KeyUsagesExtension extends Extension {
  readonly usages: KeyUsageFlags;
  constructor(raw: BufferSource);
  constructor(usages: KeyUsageFlags, critical?: boolean);
}

/** A parsed X.509 certificate. */
export declare class X509Certificate {
  /** @param raw DER bytes, or text: PEM, hex, base64. */
  constructor(raw: BufferSource | string);
  readonly subject: string;
  readonly issuer: string;
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The DER encoding. */
  readonly rawData: ArrayBuffer;
  getExtension<T extends Extension>(type: new (raw: BufferSource) => T): T | null;
  /** @param format `pem` (the default), `hex`, `base64`, `base64url`, `text`. */
  toString(format?: "pem" | "hex" | "base64" | "base64url" | "text"): string;
}

/** What a self-signed certificate is made of. */
export interface X509CertificateCreateSelfSignedParams {
  /** Hexadecimal; random when not given. */
  serialNumber?: string;
  /** Subject and issuer, such as `CN=lp-server`. */
  name?: string;
  notBefore?: Date;
  notAfter?: Date;
  extensions?: Extension[];
  signingAlgorithm?: Algorithm | EcdsaParams;
  keys: CryptoKeyPair;
}

/** Makes certificates. */
export declare class X509CertificateGenerator {
  static createSelfSigned(params: X509CertificateCreateSelfSignedParams): Promise<X509Certificate>;
}
