/**
 * The real binary in a child process (dist/, built by test/global-setup.mjs): signals, exit
 * codes, and certificate rotation under load.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { eventually, httpsCall, profileReview } from './cli-support.js';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const BIN = join(ROOT, 'dist', 'cli', 'bin.js');

let dir: string;
const children: ChildProcess[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pg-process-'));
});
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  await rm(dir, { recursive: true, force: true });
});

const env = () => ({ ...process.env, TMPDIR: dir, HOME: join(dir, 'home'), KUBECONFIG: '' });

interface Served {
  child: ChildProcess;
  port: number;
  stderr: () => string;
  exit: Promise<number | null>;
}

/** Starts `profile-guard serve` on free ports; resolves once it announced its port. */
async function serve(args: readonly string[]): Promise<Served> {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--port', '0', '--metrics-port', '0', ...args],
    {
      env: env(),
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  children.push(child);
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const exit = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      resolve(code);
    });
  });
  await eventually(
    () => /serving https:\/\/localhost:\d+/.test(stderr) || child.exitCode !== null,
    20_000,
  );
  const port = Number(/serving https:\/\/localhost:(\d+)/.exec(stderr)?.[1]);
  if (!port) throw new Error(`serve did not start: ${stderr}`);
  return { child, port, stderr: () => stderr, exit };
}

function cli(args: readonly string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { env: env(), encoding: 'utf8' });
}

describe('profile-guard (process)', () => {
  it('prints --version and --help, and exits 2 on an unknown command', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(cli(['--version'])).toMatchObject({ status: 0, stdout: `${pkg.version}\n` });
    const help = cli(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: profile-guard <command>/);
    expect(cli(['launch'])).toMatchObject({
      status: 2,
      stderr: 'profile-guard: unknown command "launch" (see profile-guard --help)\n',
    });
    expect(cli([])).toMatchObject({ status: 2 });
  });

  it('serve: exits 2 on bad flags, a bad policy or an unreadable kubeconfig', async () => {
    expect(cli(['serve', '--prot', '1'])).toMatchObject({
      status: 2,
      stderr: 'profile-guard serve: unknown flag --prot\n',
    });
    const policy = join(dir, 'policy.yaml');
    await writeFile(policy, 'kind: [\n');
    const bad = cli([
      'serve',
      '--policy',
      policy,
      '--no-cluster',
      '--port',
      '0',
      '--metrics-port',
      '0',
    ]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(
      new RegExp(`^profile-guard serve: invalid policy ${policy}:\\n  ${policy}:\\d+:\\d+: `),
    );
    const kubeconfig = cli([
      'serve',
      '--kubeconfig',
      join(dir, 'nope'),
      '--port',
      '0',
      '--metrics-port',
      '0',
    ]);
    expect(kubeconfig.status).toBe(2);
    expect(kubeconfig.stderr).toMatch(
      /^profile-guard serve: cannot read kubeconfig .*nope \(--kubeconfig\)/,
    );
  });

  it('check: exit codes 0, 1 and 2 from the binary', () => {
    const fixtures = join(ROOT, 'test', 'fixtures', 'check');
    expect(cli(['check', '-f', join(fixtures, 'valid')]).status).toBe(0);
    expect(cli(['check', '-f', join(fixtures, 'invalid')]).status).toBe(1);
    expect(cli(['check', '-f', join(fixtures, 'bad-yaml.txt')]).status).toBe(2);
  });

  it('serve: SIGTERM lets an in-flight review finish, then exits 0', async () => {
    const served = await serve(['--no-cluster']);
    const ca = await readFile(join(dir, `profile-guard-${served.port}`, 'ca.crt'), 'utf8');
    const body = JSON.stringify(profileReview('kube-system'));
    // Send the headers and half the body, so the request is in flight when the signal arrives.
    const answer = new Promise<{ status: number; body: string; connection: string | undefined }>(
      (resolve, reject) => {
        const req = request(
          {
            host: 'localhost',
            port: served.port,
            ca,
            method: 'POST',
            path: '/validate',
            headers: {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
            },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (text += chunk));
            res.on('end', () => {
              resolve({
                status: res.statusCode ?? 0,
                body: text,
                connection: res.headers.connection,
              });
            });
          },
        );
        req.on('error', reject);
        req.write(body.slice(0, 40));
        void eventually(() => served.stderr().includes('SIGTERM: shutting down')).then(() => {
          // The listener is closed by now; the open request still completes.
          setTimeout(() => req.end(body.slice(40)), 200);
        });
        setTimeout(() => served.child.kill('SIGTERM'), 200);
      },
    );
    const result = await answer;
    expect(result.status).toBe(200);
    expect(result.connection).toBe('close');
    expect(JSON.parse(result.body)).toMatchObject({
      response: { uid: 'uid-kube-system', allowed: false, status: { code: 403 } },
    });
    expect(await served.exit).toBe(0);
    await expect(httpsCall(served.port, ca, { path: '/healthz' })).rejects.toThrow(/ECONNREFUSED/);
  });

  it('serve --cert-dir: a rotated pair is served to new connections while keep-alive requests never fail', async () => {
    const certs = join(dir, 'certs');
    await mkdir(certs);
    // The kubelet's Secret volume layout: files are symlinks through `..data` to a versioned dir.
    const issue = (version: string, extra: readonly string[]) =>
      cli([
        'certs',
        '--service',
        'profile-guard',
        '--namespace',
        'kubeflow',
        '--out',
        join(certs, version),
        '--dns',
        'localhost',
        ...extra,
      ]);
    expect(issue('..v1', []).status).toBe(0);
    await symlink('..v1', join(certs, '..data'));
    await symlink('..data/tls.crt', join(certs, 'tls.crt'));
    await symlink('..data/tls.key', join(certs, 'tls.key'));
    const ca = await readFile(join(certs, '..v1', 'ca.crt'), 'utf8');
    const serialOf = async (version: string) =>
      new X509Certificate(await readFile(join(certs, version, 'tls.crt'), 'utf8')).serialNumber;

    const served = await serve(['--cert-dir', certs, '--no-cluster']);
    expect(served.stderr()).not.toContain('CA written');
    expect((await httpsCall(served.port, ca, { path: '/healthz' })).serial).toBe(
      await serialOf('..v1'),
    );

    const agent = new Agent({ keepAlive: true, maxSockets: 2 });
    let requests = 0;
    const failures: string[] = [];
    const load = { stop: false };
    const loop = (async () => {
      while (!load.stop) {
        try {
          const answer = await httpsCall(served.port, ca, { path: '/healthz', agent });
          if (answer.status !== 200) failures.push(`status ${answer.status}`);
          requests += 1;
        } catch (error) {
          failures.push(String(error));
        }
      }
    })();

    try {
      await eventually(() => requests > 20);
      // Rotate with the same CA, the way the kubelet publishes a Secret update.
      expect(issue('..v2', ['--ca-dir', join(certs, '..v1')]).status).toBe(0);
      await symlink('..v2', join(certs, '..data_tmp'));
      await rename(join(certs, '..data_tmp'), join(certs, '..data'));
      const rotated = await serialOf('..v2');
      await eventually(
        async () => (await httpsCall(served.port, ca, { path: '/healthz' })).serial === rotated,
        15_000,
      );
      const before = requests;
      await eventually(() => requests > before + 20);
    } finally {
      load.stop = true;
      await loop;
      agent.destroy();
    }
    expect(failures).toEqual([]);
    served.child.kill('SIGTERM');
    expect(await served.exit).toBe(0);
  });
});
