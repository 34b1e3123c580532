import { X509Certificate } from 'node:crypto';
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';

import {
  LOCAL_DNS_NAMES,
  LOCAL_IP_ADDRESSES,
  generateCertificateAuthority,
  generateServingCertificate,
} from './self-signed.js';

const ca = generateCertificateAuthority();
const serving = generateServingCertificate(ca, {
  dnsNames: [...LOCAL_DNS_NAMES, 'svc.ns.svc'],
  ipAddresses: LOCAL_IP_ADDRESSES,
  validityDays: 30,
});

describe('generateCertificateAuthority', () => {
  it('is a self-signed CA certificate with its key', () => {
    const cert = new X509Certificate(ca.certPem);
    expect(cert.ca).toBe(true);
    expect(cert.subject).toBe('CN=profile-guard-ca');
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(ca.keyPem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
  });

  it('uses an RSA 2048 key', () => {
    const cert = new X509Certificate(ca.certPem);
    expect(cert.publicKey.asymmetricKeyType).toBe('rsa');
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });
});

describe('generateServingCertificate', () => {
  const cert = new X509Certificate(serving.certPem);
  const caCert = new X509Certificate(ca.certPem);

  it('is a leaf signed by the CA, for server authentication', () => {
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(serving.caPem).toBe(ca.certPem);
  });

  it('names every DNS name and IP address', () => {
    expect(cert.subjectAltName).toBe(
      'DNS:localhost, DNS:svc.ns.svc, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    );
    expect(cert.subject).toBe('CN=localhost');
  });

  it('is valid from a little before now for the given number of days', () => {
    const now = Date.now();
    const from = new Date(cert.validFrom).getTime();
    const to = new Date(cert.validTo).getTime();
    expect(from).toBeLessThan(now);
    expect(now - from).toBeLessThan(10 * 60 * 1000);
    expect(Math.round((to - now) / 86_400_000)).toBe(30);
  });

  it('has a random positive serial', () => {
    const other = generateServingCertificate(ca, {
      dnsNames: ['a'],
      ipAddresses: [],
      validityDays: 1,
    });
    const serials = [cert.serialNumber, new X509Certificate(other.certPem).serialNumber];
    expect(serials[0]).not.toBe(serials[1]);
    for (const serial of serials) {
      expect(serial).toMatch(/^[0-7][0-9A-F]{31}$/);
      expect(serial).not.toMatch(/^00/);
    }
  });

  it('refuses a certificate without names, a bad IP or a bad validity', () => {
    expect(() =>
      generateServingCertificate(ca, { dnsNames: [], ipAddresses: [], validityDays: 1 }),
    ).toThrow('at least one DNS name or IP address');
    expect(() =>
      generateServingCertificate(ca, { dnsNames: ['a'], ipAddresses: ['1.2.3'], validityDays: 1 }),
    ).toThrow('not an IP address: "1.2.3"');
    expect(() =>
      generateServingCertificate(ca, { dnsNames: ['a'], ipAddresses: [], validityDays: 0 }),
    ).toThrow('validity must be a positive number of days, got 0');
  });

  it.each(['localhost', '127.0.0.1', '::1'])(
    'serves TLS that a client trusting only the CA accepts via %s',
    async (host) => {
      const server = createServer({ cert: serving.certPem, key: serving.keyPem }, (_req, res) => {
        res.end('ok');
      });
      await new Promise<void>((resolve) => server.listen(0, host, resolve));
      try {
        const { port } = server.address() as AddressInfo;
        const body = await new Promise<string>((resolve, reject) => {
          const req = request({ host, port, ca: ca.certPem, path: '/' }, (res) => {
            let text = '';
            res.on('data', (chunk: Buffer) => (text += chunk.toString()));
            res.on('end', () => {
              resolve(text);
            });
          });
          req.on('error', reject);
          req.end();
        });
        expect(body).toBe('ok');
      } finally {
        server.close();
      }
    },
  );
});
