import { X509Certificate } from 'node:crypto';
import { mkdtemp, mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { Agent, createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';

import {
  CertificateStore,
  loadFromDir,
  validatePair,
  watchCertDir,
  type CertificatePair,
} from './certificate-store.js';
import { generateCertificateAuthority, generateServingCertificate } from './self-signed.js';

const ca = generateCertificateAuthority();
const issue = () =>
  generateServingCertificate(ca, { dnsNames: ['localhost'], ipAddresses: [], validityDays: 5 });
const first = issue();
const second = issue();
const serialOf = (pem: string) => new X509Certificate(pem).serialNumber;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pg-certs-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Publishes a pair the way the kubelet updates a Secret volume: a new dir, then a `..data` swap. */
async function publish(pair: { certPem: string; keyPem: string }, version: string) {
  const target = join(dir, `..${version}`);
  await mkdir(target);
  await writeFile(join(target, 'tls.crt'), pair.certPem);
  await writeFile(join(target, 'tls.key'), pair.keyPem);
  await symlink(`..${version}`, join(dir, '..data_tmp'));
  await rename(join(dir, '..data_tmp'), join(dir, '..data'));
}

async function kubeletLayout(pair: { certPem: string; keyPem: string }) {
  await publish(pair, 'v1');
  await symlink('..data/tls.crt', join(dir, 'tls.crt'));
  await symlink('..data/tls.key', join(dir, 'tls.key'));
}

describe('validatePair', () => {
  it('reads the serial, expiry and names of a matching pair', () => {
    const pair = validatePair(first.certPem, first.keyPem);
    expect(pair.serialNumber).toBe(serialOf(first.certPem));
    expect(pair.notAfter.toISOString()).toBe(
      new Date(new X509Certificate(first.certPem).validTo).toISOString(),
    );
    expect(pair.subjectAltName).toBe('DNS:localhost');
  });

  it('refuses a key of another certificate, and garbage', () => {
    expect(() => validatePair(first.certPem, second.keyPem)).toThrow(
      'tls.key does not belong to the certificate in tls.crt',
    );
    expect(() => validatePair('nope', first.keyPem)).toThrow(/^tls.crt is not a PEM certificate/);
    expect(() => validatePair(first.certPem, 'nope')).toThrow(/^tls.key is not a PEM private key/);
  });
});

describe('loadFromDir', () => {
  it('loads tls.crt and tls.key through the kubelet symlinks', async () => {
    await kubeletLayout(first);
    const pair = await loadFromDir(dir);
    expect(pair.serialNumber).toBe(serialOf(first.certPem));
  });

  it('names the missing file', async () => {
    await writeFile(join(dir, 'tls.crt'), first.certPem);
    await expect(loadFromDir(dir)).rejects.toThrow(
      `cannot read ${join(dir, 'tls.key')}: ENOENT: no such file or directory`,
    );
  });

  it('prefixes a validation problem with the directory', async () => {
    await writeFile(join(dir, 'tls.crt'), first.certPem);
    await writeFile(join(dir, 'tls.key'), second.keyPem);
    await expect(loadFromDir(dir)).rejects.toThrow(
      `${dir}: tls.key does not belong to the certificate in tls.crt`,
    );
  });
});

describe('watchCertDir', () => {
  const until = async (condition: () => boolean) => {
    for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 25));
    expect(condition()).toBe(true);
  };

  it('reports a new pair once after a ..data swap, found through fs.watch', async () => {
    await kubeletLayout(first);
    const seen: CertificatePair[] = [];
    // The poll is far away: only the directory watch can find the change in time.
    const watch = watchCertDir(dir, (pair) => seen.push(pair), {
      pollIntervalMs: 3_600_000,
      initial: await loadFromDir(dir),
    });
    try {
      await publish(second, 'v2');
      await until(() => seen.length === 1);
      expect(seen[0]!.serialNumber).toBe(serialOf(second.certPem));
      await watch.check();
      expect(seen).toHaveLength(1);
    } finally {
      watch.close();
    }
  });

  it('finds a change by polling too', async () => {
    await writeFile(join(dir, 'tls.crt'), first.certPem);
    await writeFile(join(dir, 'tls.key'), first.keyPem);
    const seen: string[] = [];
    const watch = watchCertDir(dir, (pair) => seen.push(pair.serialNumber), {
      pollIntervalMs: 20,
      debounceMs: 3_600_000,
    });
    try {
      await until(() => seen.length === 1);
      expect(seen).toEqual([serialOf(first.certPem)]);
    } finally {
      watch.close();
    }
  });

  it('keeps quiet about an unusable pair (reported once) and picks up the next good one', async () => {
    await kubeletLayout(first);
    const seen: string[] = [];
    const invalid: string[] = [];
    const watch = watchCertDir(dir, (pair) => seen.push(pair.serialNumber), {
      pollIntervalMs: 3_600_000,
      initial: await loadFromDir(dir),
      onInvalid: (error) => invalid.push(error.message),
    });
    try {
      await publish({ certPem: second.certPem, keyPem: first.keyPem }, 'bad');
      await watch.check();
      await watch.check();
      expect(seen).toEqual([]);
      expect(invalid).toEqual([`${dir}: tls.key does not belong to the certificate in tls.crt`]);
      await publish(second, 'v2');
      await watch.check();
      expect(seen).toEqual([serialOf(second.certPem)]);
    } finally {
      watch.close();
    }
  });

  it('reports nothing after close', async () => {
    await kubeletLayout(first);
    const seen: string[] = [];
    const watch = watchCertDir(dir, (pair) => seen.push(pair.serialNumber), {
      pollIntervalMs: 10,
      initial: await loadFromDir(dir),
    });
    watch.close();
    await publish(second, 'v2');
    await new Promise((r) => setTimeout(r, 200));
    await watch.check();
    expect(seen).toEqual([]);
  });
});

describe('CertificateStore', () => {
  let server: Server;
  afterEach(() => {
    server.closeAllConnections();
    server.close();
  });

  const get = (port: number, agent: Agent) =>
    new Promise<{ serial: string; socket: unknown }>((resolve, reject) => {
      const req = request({ host: 'localhost', port, ca: ca.certPem, agent, path: '/' }, (res) => {
        const socket = res.socket;
        const serial =
          (socket as Partial<TLSSocket>).getPeerX509Certificate?.()?.serialNumber ?? '';
        res.resume();
        res.on('end', () => {
          resolve({ serial, socket });
        });
      });
      req.on('error', reject);
      req.end();
    });

  it('serves new handshakes with the updated pair while open connections go on', async () => {
    const store = new CertificateStore(validatePair(first.certPem, first.keyPem));
    const expiries: Date[] = [];
    store.onUpdate((pair) => expiries.push(pair.notAfter));
    server = createServer(store.serverOptions(), (_req, res) => res.end('ok'));
    store.attach(server);
    await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
    const { port } = server.address() as AddressInfo;
    const kept = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const before = await get(port, kept);
      expect(before.serial).toBe(serialOf(first.certPem));
      store.update(validatePair(second.certPem, second.keyPem));
      expect(store.current.serialNumber).toBe(serialOf(second.certPem));
      expect(expiries).toHaveLength(1);
      // The kept-alive connection goes on serving requests...
      const again = await get(port, kept);
      expect(again.socket).toBe(before.socket);
      // ...and a new connection (no session resumption) gets the new certificate.
      const fresh = new Agent({ keepAlive: false, maxCachedSessions: 0 });
      expect((await get(port, fresh)).serial).toBe(serialOf(second.certPem));
      fresh.destroy();
    } finally {
      kept.destroy();
    }
  });
});
