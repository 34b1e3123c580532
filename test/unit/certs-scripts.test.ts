/**
 * certs-scripts/: generate.sh against the real CLI (compiled into a temporary directory), and
 * install.sh / rotate.sh against a stand-in kubectl that records what it is asked to do.
 */
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCRIPTS = join(ROOT, 'certs-scripts');

let work: string;
let cli: string;
let fakeKubectl: string;

/** Compiles src/ into work/pkg/dist, beside links to package.json, schemas/ and node_modules/. */
function buildCli(): string {
  const pkg = join(work, 'pkg');
  mkdirSync(pkg);
  for (const name of ['package.json', 'schemas', 'node_modules']) {
    symlinkSync(join(ROOT, name), join(pkg, name));
  }
  // Type errors elsewhere in a work in progress must not stop the emit; the bin's presence decides.
  spawnSync(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      join(ROOT, 'tsconfig.build.json'),
      '--outDir',
      join(pkg, 'dist'),
    ],
    { encoding: 'utf8' },
  );
  const bin = join(pkg, 'dist', 'cli', 'bin.js');
  if (!existsSync(bin)) throw new Error('tsc did not emit dist/cli/bin.js');
  return `${process.execPath} ${bin}`;
}

/**
 * A kubectl that appends each call's arguments (and stdin, for apply) to calls.log. `get` of a
 * webhook configuration prints the webhook names found in <dir>/<kind>.names, or fails.
 */
function writeFakeKubectl(dir: string): string {
  const path = join(dir, 'kubectl');
  writeFileSync(
    path,
    `#!/usr/bin/env bash
set -euo pipefail
dir="${dir}"
echo "ARGS $*" >>"$dir/calls.log"
args=("$@")
for ((i = 0; i < \${#args[@]}; i++)); do
  case "\${args[i]}" in
    get) kind="\${args[i+1]}"
         [[ -f "$dir/$kind.names" ]] || { echo "Error from server (NotFound)" >&2; exit 1; }
         cat "$dir/$kind.names"; exit 0 ;;
    apply) echo "STDIN-BEGIN" >>"$dir/calls.log"; cat >>"$dir/calls.log"; echo "STDIN-END" >>"$dir/calls.log"
           echo "secret/x configured"; exit 0 ;;
    patch) [[ ! -f "$dir/patch.fails" ]] || { echo "The request is invalid: test operation failed" >&2; exit 1; }
           echo "patched"; exit 0 ;;
  esac
done
exit 0
`,
  );
  chmodSync(path, 0o755);
  return path;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** generate.sh for service profile-guard in namespace pg, into `out`, with `extra` flags. */
function generate(out: string, ...extra: string[]): Run {
  return run('generate.sh', [
    '--service',
    'profile-guard',
    '--namespace',
    'pg',
    '--out',
    out,
    ...extra,
  ]);
}

function run(script: string, args: string[], env: Record<string, string> = {}): Run {
  const result = spawnSync(join(SCRIPTS, script), args, {
    encoding: 'utf8',
    cwd: work,
    env: { ...process.env, PROFILE_GUARD_BIN: cli, KUBECTL: fakeKubectl, ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const calls = () => readFileSync(join(work, 'kube', 'calls.log'), 'utf8');
const pem = (dir: string, name: string) => readFileSync(join(dir, name), 'utf8');
const cert = (dir: string, name: string) => new X509Certificate(pem(dir, name));

/** The JSON patch given to `kubectl patch <kind>`, parsed. */
function patchesOf(log: string, kind: string): { op: string; path: string; value: string }[][] {
  return log
    .split('\n')
    .filter((line) => line.startsWith(`ARGS patch ${kind} profile-guard --type=json -p `))
    .map(
      (line) =>
        JSON.parse(line.slice(line.indexOf(' -p ') + 4)) as {
          op: string;
          path: string;
          value: string;
        }[],
    );
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'certs-scripts-'));
  cli = buildCli();
  mkdirSync(join(work, 'kube'));
  fakeKubectl = writeFakeKubectl(join(work, 'kube'));
}, 120_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

beforeEach(() => {
  rmSync(join(work, 'kube', 'calls.log'), { force: true });
  for (const file of readdirSync(join(work, 'kube'))) {
    if (file !== 'kubectl') rmSync(join(work, 'kube', file));
  }
});

describe.each(['generate.sh', 'install.sh', 'rotate.sh'])('%s', (script) => {
  it('prints its usage with --help and exits 0', () => {
    const result = run(script, ['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`Usage: ${script} --service NAME --namespace NS`);
  });

  it.each<[string[], string]>([
    [['--namespace', 'ns'], '--service is required'],
    [['--service', 'svc'], '--namespace is required'],
    [
      ['--service', 'Svc', '--namespace', 'ns'],
      'invalid value for --service: "Svc" (expected a DNS-1123 label: lower-case letters, digits, \'-\')',
    ],
    [['--service', 'svc', '--namespace', 'ns', '--bogus'], 'unknown argument: --bogus'],
    [['--service'], '--service needs a value'],
  ])('exits 2 naming the problem for %j', (args, message) => {
    const result = run(script, args);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`${script}: error: ${message} (see ${script} --help)\n`);
  });
});

describe('generate.sh', () => {
  const out = () => join(work, 'gen');

  it('writes a CA and a serving certificate for the Service, keys readable by the owner only', () => {
    const result = generate(out(), '--ip', '127.0.0.1');
    expect(result.status).toBe(0);
    const leaf = cert(out(), 'tls.crt');
    const ca = cert(out(), 'ca.crt');
    expect(ca.ca).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkHost('profile-guard.pg.svc')).toBe('profile-guard.pg.svc');
    expect(leaf.checkHost('profile-guard.pg.svc.cluster.local')).toBe(
      'profile-guard.pg.svc.cluster.local',
    );
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(statSync(join(out(), 'tls.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(out(), 'ca.key')).mode & 0o777).toBe(0o600);
  });

  it('is idempotent: a second run changes nothing', () => {
    const before = ['ca.crt', 'ca.key', 'tls.crt', 'tls.key'].map((name) => pem(out(), name));
    const result = generate(out(), '--ip', '127.0.0.1');
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('up to date');
    expect(['ca.crt', 'ca.key', 'tls.crt', 'tls.key'].map((name) => pem(out(), name))).toEqual(
      before,
    );
  });

  it('keeps the CA when the requested names change, and re-issues the serving certificate', () => {
    const ca = pem(out(), 'ca.crt');
    const leaf = pem(out(), 'tls.crt');
    const result = generate(out(), '--dns', 'webhook.example.com');
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('keeping the CA');
    expect(pem(out(), 'ca.crt')).toBe(ca);
    expect(pem(out(), 'tls.crt')).not.toBe(leaf);
    expect(cert(out(), 'tls.crt').checkHost('webhook.example.com')).toBe('webhook.example.com');
    expect(cert(out(), 'tls.crt').verify(cert(out(), 'ca.crt').publicKey)).toBe(true);
  });

  it('re-issues a serving certificate that expires within --renew-days', () => {
    const leaf = pem(out(), 'tls.crt');
    const result = generate(out(), '--dns', 'webhook.example.com', '--renew-days', '400');
    expect(result.status).toBe(0);
    expect(pem(out(), 'tls.crt')).not.toBe(leaf);
  });

  it('replaces the CA with --force', () => {
    const ca = pem(out(), 'ca.crt');
    const result = generate(out(), '--force');
    expect(result.status).toBe(0);
    expect(pem(out(), 'ca.crt')).not.toBe(ca);
    expect(cert(out(), 'tls.crt').verify(cert(out(), 'ca.crt').publicKey)).toBe(true);
  });

  it('says how to provide the CLI when PROFILE_GUARD_BIN is not runnable', () => {
    const result = run('generate.sh', ['--service', 'a', '--namespace', 'b'], {
      PROFILE_GUARD_BIN: '/nonexistent/profile-guard',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'generate.sh: error: PROFILE_GUARD_BIN=/nonexistent/profile-guard: /nonexistent/profile-guard is not an executable\n',
    );
  });

  it('rejects --days that is not a positive whole number', () => {
    const result = run('generate.sh', ['--service', 'a', '--namespace', 'b', '--days', '0']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('invalid value for --days: "0"');
  });
});

describe('install.sh', () => {
  const dir = () => join(work, 'inst');

  beforeAll(() => {
    const result = generate(dir());
    expect(result.status).toBe(0);
  });

  it('names every missing file', () => {
    const result = run('install.sh', [
      '--service',
      'profile-guard',
      '--namespace',
      'pg',
      '--dir',
      join(work, 'empty'),
    ]);
    expect(result.status).toBe(1);
    const empty = join(work, 'empty');
    expect(result.stderr).toBe(
      `install.sh: error: missing ${empty}/tls.crt ${empty}/tls.key ${empty}/ca.crt (run certs-scripts/generate.sh first)\n`,
    );
  });

  it('refuses a certificate issued for another Service', () => {
    const result = run('install.sh', ['--service', 'other', '--namespace', 'pg', '--dir', dir()]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${dir()}/tls.crt is not valid for other.pg.svc`);
  });

  it('applies the TLS Secret and patches the CA into every webhook, guarded by name', () => {
    writeFileSync(
      join(work, 'kube', 'mutatingwebhookconfiguration.names'),
      'profiles.mutate.profile-guard.io\nnamespaces.mutate.profile-guard.io\n',
    );
    writeFileSync(
      join(work, 'kube', 'validatingwebhookconfiguration.names'),
      'profiles.validate.profile-guard.io\n',
    );
    const result = run('install.sh', [
      '--service',
      'profile-guard',
      '--namespace',
      'pg',
      '--dir',
      dir(),
      '--kubeconfig',
      '/k/config',
      '--context',
      'prod',
    ]);
    expect(result.status).toBe(0);
    const log = calls();
    const b64 = (name: string) => readFileSync(join(dir(), name)).toString('base64');
    expect(log).toContain('ARGS --kubeconfig /k/config --context prod apply -f -\nSTDIN-BEGIN\n');
    const secret = log.slice(log.indexOf('STDIN-BEGIN') + 12, log.indexOf('STDIN-END'));
    expect(secret).toContain(
      'kind: Secret\nmetadata:\n  name: profile-guard-tls\n  namespace: pg\n',
    );
    expect(secret).toContain('type: kubernetes.io/tls\n');
    expect(secret).toContain(
      `  tls.crt: ${b64('tls.crt')}\n  tls.key: ${b64('tls.key')}\n  ca.crt: ${b64('ca.crt')}\n`,
    );
    const bundle = b64('ca.crt');
    expect(
      patchesOf(
        log.replaceAll('ARGS --kubeconfig /k/config --context prod ', 'ARGS '),
        'mutatingwebhookconfiguration',
      ),
    ).toEqual([
      [
        { op: 'test', path: '/webhooks/0/name', value: 'profiles.mutate.profile-guard.io' },
        { op: 'add', path: '/webhooks/0/clientConfig/caBundle', value: bundle },
        { op: 'test', path: '/webhooks/1/name', value: 'namespaces.mutate.profile-guard.io' },
        { op: 'add', path: '/webhooks/1/clientConfig/caBundle', value: bundle },
      ],
    ]);
    expect(
      patchesOf(
        log.replaceAll('ARGS --kubeconfig /k/config --context prod ', 'ARGS '),
        'validatingwebhookconfiguration',
      ),
    ).toEqual([
      [
        { op: 'test', path: '/webhooks/0/name', value: 'profiles.validate.profile-guard.io' },
        { op: 'add', path: '/webhooks/0/clientConfig/caBundle', value: bundle },
      ],
    ]);
  });

  it('skips a webhook configuration that does not exist, with a notice', () => {
    const result = run('install.sh', [
      '--service',
      'profile-guard',
      '--namespace',
      'pg',
      '--dir',
      dir(),
      '--secret',
      'certs',
    ]);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain(
      'mutatingwebhookconfiguration profile-guard not found: nothing to patch',
    );
    expect(calls()).not.toContain('ARGS patch');
    expect(calls()).toContain('  name: certs\n');
  });

  it('fails when a patch fails (a configuration changed since it was read)', () => {
    writeFileSync(
      join(work, 'kube', 'mutatingwebhookconfiguration.names'),
      'profiles.mutate.profile-guard.io\n',
    );
    writeFileSync(join(work, 'kube', 'patch.fails'), '');
    const result = run('install.sh', [
      '--service',
      'profile-guard',
      '--namespace',
      'pg',
      '--dir',
      dir(),
    ]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('test operation failed');
  });

  it('--dry-run changes nothing and never prints the private key', () => {
    writeFileSync(
      join(work, 'kube', 'validatingwebhookconfiguration.names'),
      'profiles.validate.profile-guard.io\n',
    );
    const result = run('install.sh', [
      '--service',
      'profile-guard',
      '--namespace',
      'pg',
      '--dir',
      dir(),
      '--dry-run',
    ]);
    expect(result.status).toBe(0);
    expect(calls()).not.toMatch(/ARGS (apply|patch)/);
    expect(result.stdout + result.stderr).toContain('  tls.key: <redacted>');
    expect(result.stdout + result.stderr).not.toContain(
      readFileSync(join(dir(), 'tls.key')).toString('base64'),
    );
    expect(result.stderr).toContain('would patch caBundle');
    expect(result.stderr).toContain(
      'into 1 webhook(s) of validatingwebhookconfiguration profile-guard',
    );
  });
});

describe('rotate.sh', () => {
  const dir = () => join(work, 'rot');

  beforeAll(() => {
    const result = generate(dir(), '--ip', '127.0.0.1', '--dns', 'webhook.example.com');
    expect(result.status).toBe(0);
  });

  it('renews the serving certificate from the same CA, keeping its names, without touching caBundle', () => {
    const ca = pem(dir(), 'ca.crt');
    const leaf = cert(dir(), 'tls.crt');
    const result = run('rotate.sh', [
      '--service',
      'profile-guard',
      '--namespace',
      'pg',
      '--dir',
      dir(),
    ]);
    expect(result.status).toBe(0);
    expect(pem(dir(), 'ca.crt')).toBe(ca);
    const renewed = cert(dir(), 'tls.crt');
    expect(renewed.serialNumber).not.toBe(leaf.serialNumber);
    expect(renewed.subjectAltName).toBe(leaf.subjectAltName);
    expect(renewed.verify(cert(dir(), 'ca.crt').publicKey)).toBe(true);
    expect(calls()).toContain('ARGS apply -f -');
    expect(calls()).not.toContain('ARGS patch');
  });

  it('--new-ca trusts old and new CA before switching the Secret, then the new CA only', () => {
    writeFileSync(
      join(work, 'kube', 'validatingwebhookconfiguration.names'),
      'profiles.validate.profile-guard.io\n',
    );
    const oldCa = pem(dir(), 'ca.crt');
    const result = run('rotate.sh', [
      '--service',
      'profile-guard',
      '--namespace',
      'pg',
      '--dir',
      dir(),
      '--new-ca',
      '--grace',
      '0',
    ]);
    expect(result.status).toBe(0);
    const newCa = pem(dir(), 'ca.crt');
    expect(newCa).not.toBe(oldCa);
    expect(cert(dir(), 'tls.crt').verify(new X509Certificate(newCa).publicKey)).toBe(true);
    expect(cert(dir(), 'tls.crt').checkIP('127.0.0.1')).toBe('127.0.0.1');

    const log = calls();
    const patches = patchesOf(log, 'validatingwebhookconfiguration');
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    expect(patches.map((p) => p[1]!.value)).toEqual([b64(oldCa + newCa), b64(newCa)]);
    // Order: both CAs trusted, then the Secret, then the new CA only.
    const firstPatch = log.indexOf('ARGS patch');
    const apply = log.indexOf('ARGS apply');
    const secondPatch = log.indexOf('ARGS patch', firstPatch + 1);
    expect(firstPatch).toBeLessThan(apply);
    expect(apply).toBeLessThan(secondPatch);
    const secret = log.slice(log.indexOf('STDIN-BEGIN'), log.indexOf('STDIN-END'));
    expect(secret).toContain(`ca.crt: ${b64(newCa)}`);

    const previous = readdirSync(dir()).filter((name) => name.startsWith('previous-'));
    expect(previous).toHaveLength(1);
    expect(pem(join(dir(), previous[0]!), 'ca.crt')).toBe(oldCa);
    expect(existsSync(join(dir(), 'next'))).toBe(false);
  });

  it('refuses to start a second CA rotation while one is in progress, and --finish completes it', () => {
    mkdirSync(join(dir(), 'next'));
    for (const name of ['ca.crt', 'ca.key', 'tls.crt', 'tls.key']) {
      writeFileSync(join(dir(), 'next', name), pem(dir(), name));
    }
    const refused = run('rotate.sh', [
      '--service',
      'profile-guard',
      '--namespace',
      'pg',
      '--dir',
      dir(),
      '--new-ca',
    ]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('a CA rotation is already in progress');
    const finished = run('rotate.sh', [
      '--service',
      'profile-guard',
      '--namespace',
      'pg',
      '--dir',
      dir(),
      '--finish',
    ]);
    expect(finished.status).toBe(0);
    expect(existsSync(join(dir(), 'next'))).toBe(false);
  });

  it('--finish without a rotation in progress fails', () => {
    const result = run('rotate.sh', [
      '--service',
      'profile-guard',
      '--namespace',
      'pg',
      '--dir',
      dir(),
      '--finish',
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('no CA rotation in progress');
  });

  it('--dry-run changes no file and calls no mutating kubectl', () => {
    const before = ['ca.crt', 'tls.crt'].map((name) => pem(dir(), name));
    const result = run('rotate.sh', [
      '--service',
      'profile-guard',
      '--namespace',
      'pg',
      '--dir',
      dir(),
      '--new-ca',
      '--dry-run',
    ]);
    expect(result.status).toBe(0);
    expect(['ca.crt', 'tls.crt'].map((name) => pem(dir(), name))).toEqual(before);
    expect(existsSync(join(dir(), 'next'))).toBe(false);
    expect(existsSync(join(work, 'kube', 'calls.log')) ? calls() : '').not.toMatch(
      /ARGS (apply|patch)/,
    );
  });
});
