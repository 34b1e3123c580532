import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';

import forge from 'node-forge';

/** A PEM-encoded certificate and its private key. */
export interface PemPair {
  readonly certPem: string;
  readonly keyPem: string;
}

/** A certificate authority that can sign serving certificates. */
export type CertificateAuthority = PemPair;

/** A serving pair plus the PEM of the CA that signed it (what a client must trust). */
export interface ServingCertificate extends PemPair {
  readonly caPem: string;
}

/** What the serving certificate is valid for. */
export interface ServingCertificateOptions {
  /** DNS subjectAltNames; the first one is also the subject's common name. */
  readonly dnsNames: readonly string[];
  /** IP subjectAltNames (IPv4 or IPv6 literals). */
  readonly ipAddresses: readonly string[];
  readonly validityDays: number;
}

/** The CA's options; both have defaults. */
export interface CertificateAuthorityOptions {
  readonly commonName?: string;
  readonly validityDays?: number;
}

/** Names a locally run webhook answers on: `https://localhost`, `https://127.0.0.1`, `https://[::1]`. */
export const LOCAL_DNS_NAMES: readonly string[] = Object.freeze(['localhost']);
/** See {@link LOCAL_DNS_NAMES}. */
export const LOCAL_IP_ADDRESSES: readonly string[] = Object.freeze(['127.0.0.1', '::1']);

const KEY_BITS = 2048;
const DEFAULT_CA_DAYS = 3650;
/** Validity starts a little in the past so a client with a slightly late clock accepts it. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Generates a self-signed CA (RSA 2048, SHA-256, `basicConstraints cA` critical, keyCertSign).
 * Key generation goes through Node's native `generateKeyPairSync` (node-forge picks it when
 * available), so this takes a fraction of a second, not the seconds of pure-JS RSA.
 */
export function generateCertificateAuthority(
  options: CertificateAuthorityOptions = {},
): CertificateAuthority {
  const keys = forge.pki.rsa.generateKeyPair({ bits: KEY_BITS });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = randomSerial();
  setValidity(cert, options.validityDays ?? DEFAULT_CA_DAYS);
  const subject = [{ name: 'commonName', value: options.commonName ?? 'profile-guard-ca' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return {
    certPem: forge.pki.certificateToPem(cert),
    keyPem: forge.pki.privateKeyToPem(keys.privateKey),
  };
}

/**
 * Generates a serving certificate signed by `ca`: RSA 2048, SHA-256, EKU serverAuth, a
 * subjectAltName for every DNS name and IP address, a random positive serial. Throws when no name
 * is given or an IP address is not an IP literal.
 */
export function generateServingCertificate(
  ca: CertificateAuthority,
  options: ServingCertificateOptions,
): ServingCertificate {
  if (options.dnsNames.length === 0 && options.ipAddresses.length === 0) {
    throw new Error('a serving certificate needs at least one DNS name or IP address');
  }
  for (const ip of options.ipAddresses) {
    if (isIP(ip) === 0) throw new Error(`not an IP address: ${JSON.stringify(ip)}`);
  }
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  const keys = forge.pki.rsa.generateKeyPair({ bits: KEY_BITS });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = randomSerial();
  setValidity(cert, options.validityDays);
  const commonName = options.dnsNames[0] ?? options.ipAddresses[0] ?? 'profile-guard';
  cert.setSubject([{ name: 'commonName', value: commonName }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        ...options.dnsNames.map((value) => ({ type: 2, value })),
        ...options.ipAddresses.map((ip) => ({ type: 7, ip })),
      ],
    },
    { name: 'subjectKeyIdentifier' },
    {
      name: 'authorityKeyIdentifier',
      keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes(),
    },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return {
    certPem: forge.pki.certificateToPem(cert),
    keyPem: forge.pki.privateKeyToPem(keys.privateKey),
    caPem: ca.certPem,
  };
}

/**
 * 16 random bytes as hex, first byte in 0x01..0x7f: DER INTEGERs are signed, so a set high bit
 * would make the serial negative, and a leading zero byte would not be minimal.
 */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = 0x01 + ((bytes[0] ?? 0) % 0x7f);
  return bytes.toString('hex');
}

function setValidity(cert: forge.pki.Certificate, days: number): void {
  if (!Number.isInteger(days) || days <= 0) {
    throw new Error(`validity must be a positive number of days, got ${days}`);
  }
  const now = Date.now();
  cert.validity.notBefore = new Date(now - CLOCK_SKEW_MS);
  cert.validity.notAfter = new Date(now + days * DAY_MS);
}
