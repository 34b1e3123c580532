import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { runCerts, serviceDnsNames } from '../../src/cli/certs/run-certs.js';
import type { CliIo } from '../../src/cli/io.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pg-certs-cli-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function certs(args: readonly string[]) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
  };
  const code = await runCerts(args, io);
  return { code, stdout, stderr };
}

const read = (path: string) => readFile(path, 'utf8');

describe('profile-guard certs', () => {
  it('writes a CA and a serving pair for the Service names, keys readable by the owner only', async () => {
    const out = join(dir, 'out');
    const run = await certs([
      '--service',
      'profile-guard',
      '--namespace',
      'kubeflow',
      '--out',
      out,
      '--ip',
      '127.0.0.1',
      '--dns',
      'webhook.example.com',
      '--days',
      '30',
    ]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect((await readdir(out)).sort()).toEqual(['ca.crt', 'ca.key', 'tls.crt', 'tls.key']);
    expect((await stat(join(out, 'tls.key'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(out, 'ca.key'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(out, 'tls.crt'))).mode & 0o777).toBe(0o644);

    const ca = new X509Certificate(await read(join(out, 'ca.crt')));
    const leaf = new X509Certificate(await read(join(out, 'tls.crt')));
    expect(ca.ca).toBe(true);
    expect(ca.checkPrivateKey(createPrivateKey(await read(join(out, 'ca.key'))))).toBe(true);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkPrivateKey(createPrivateKey(await read(join(out, 'tls.key'))))).toBe(true);
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(leaf.subjectAltName).toBe(
      'DNS:profile-guard, DNS:profile-guard.kubeflow, DNS:profile-guard.kubeflow.svc, DNS:profile-guard.kubeflow.svc.cluster.local, DNS:webhook.example.com, IP Address:127.0.0.1',
    );
    expect(Math.round((new Date(leaf.validTo).getTime() - Date.now()) / 86_400_000)).toBe(30);
    expect(run.stdout).toBe(
      [
        `wrote ${join(out, 'ca.crt')}, ${join(out, 'ca.key')}, ${join(out, 'tls.key')}, ${join(out, 'tls.crt')}`,
        'CA: new',
        `subjectAltName: ${leaf.subjectAltName}`,
        `expires: ${new Date(leaf.validTo).toISOString()}`,
        '',
      ].join('\n'),
    );
    // No temporary files are left behind by the atomic writes.
    expect((await readdir(out)).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('reuses the CA of --ca-dir, so the caBundle stays valid across renewals', async () => {
    const first = join(dir, 'first');
    expect((await certs(['--service', 'svc', '--namespace', 'ns', '--out', first])).code).toBe(0);
    const second = join(dir, 'second');
    const run = await certs([
      '--service',
      'svc',
      '--namespace',
      'ns',
      '--out',
      second,
      '--ca-dir',
      first,
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('CA: reused from ');
    expect((await readdir(second)).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
    expect(await read(join(second, 'ca.crt'))).toBe(await read(join(first, 'ca.crt')));
    const ca = new X509Certificate(await read(join(first, 'ca.crt')));
    const renewed = new X509Certificate(await read(join(second, 'tls.crt')));
    const original = new X509Certificate(await read(join(first, 'tls.crt')));
    expect(renewed.checkIssued(ca)).toBe(true);
    expect(renewed.verify(ca.publicKey)).toBe(true);
    expect(renewed.serialNumber).not.toBe(original.serialNumber);
  });

  it('renews in place when --ca-dir is --out', async () => {
    const out = join(dir, 'out');
    await certs(['--service', 'svc', '--namespace', 'ns', '--out', out]);
    const caBefore = await read(join(out, 'ca.crt'));
    const leafBefore = await read(join(out, 'tls.crt'));
    expect(
      (await certs(['--service', 'svc', '--namespace', 'ns', '--out', out, '--ca-dir', out])).code,
    ).toBe(0);
    expect(await read(join(out, 'ca.crt'))).toBe(caBefore);
    expect(await read(join(out, 'tls.crt'))).not.toBe(leafBefore);
  });

  it.each([
    [[], 'profile-guard certs: --service is required (see profile-guard certs --help)\n'],
    [
      ['--service', 'svc', '--out', 'x'],
      'profile-guard certs: --namespace is required (see profile-guard certs --help)\n',
    ],
    [
      ['--service', 'svc', '--namespace', 'ns'],
      'profile-guard certs: --out is required (see profile-guard certs --help)\n',
    ],
    [
      ['--service', 'Svc', '--namespace', 'ns', '--out', 'x'],
      'profile-guard certs: invalid value for --service: "Svc" (expected a DNS-1123 label)\n',
    ],
    [
      ['--service', 'svc', '--namespace', 'ns', '--out', 'x', '--ip', 'localhost'],
      'profile-guard certs: invalid value for --ip: "localhost" (expected an IP address)\n',
    ],
    [
      ['--service', 'svc', '--namespace', 'ns', '--out', 'x', '--days', '0'],
      'profile-guard certs: invalid value for --days: "0" (expected a positive whole number)\n',
    ],
    [
      ['--service', 'svc', '--namespace', 'ns', '--out', 'x', '--bits', '4096'],
      'profile-guard certs: unknown flag --bits\n',
    ],
  ])('exits 2 on %j', async (args, message) => {
    expect(await certs(args)).toEqual({ code: 2, stdout: '', stderr: message });
  });

  it('exits 2 when --ca-dir holds no usable CA', async () => {
    const out = join(dir, 'out');
    await certs(['--service', 'svc', '--namespace', 'ns', '--out', out]);
    const missing = await certs([
      '--service',
      'svc',
      '--namespace',
      'ns',
      '--out',
      join(dir, 'x'),
      '--ca-dir',
      dir,
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      `profile-guard certs: invalid value for --ca-dir: cannot read ${join(dir, 'ca.crt')}: ENOENT: no such file or directory\n`,
    );
    // A serving certificate is not a CA.
    await rename(join(out, 'tls.crt'), join(out, 'ca.crt'));
    await rename(join(out, 'tls.key'), join(out, 'ca.key'));
    const notCa = await certs([
      '--service',
      'svc',
      '--namespace',
      'ns',
      '--out',
      join(dir, 'y'),
      '--ca-dir',
      out,
    ]);
    expect(notCa).toEqual({
      code: 2,
      stdout: '',
      stderr: `profile-guard certs: invalid value for --ca-dir: ${out}: ca.crt is not a CA certificate\n`,
    });
  });

  it('knows the in-cluster names of a Service', () => {
    expect(serviceDnsNames('a', 'b')).toEqual(['a', 'a.b', 'a.b.svc', 'a.b.svc.cluster.local']);
  });
});
