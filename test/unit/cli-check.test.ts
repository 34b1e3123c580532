import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import { parseAllDocuments } from 'yaml';

import { runCheck } from '../../src/cli/check/run-check.js';
import type { CliIo } from '../../src/cli/io.js';

const FIXTURES = relative(
  process.cwd(),
  join(fileURLToPath(new URL('.', import.meta.url)), '..', 'fixtures', 'check'),
);
const at = (path: string) => join(FIXTURES, path);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function check(args: readonly string[], stdin?: string): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
    ...(stdin === undefined ? {} : { readStdin: () => Promise.resolve(stdin) }),
  };
  const code = await runCheck(args, io);
  return { code, stdout, stderr };
}

interface JsonResult {
  file: string;
  docIndex: number;
  itemIndex?: number;
  kind: string;
  name: string;
  namespace: string;
  operation: string;
  allowed: boolean;
  decision: string;
  denials: { rule: string | null; path: string; message: string }[];
  warnings: { rule: string; path: string; message: string; ratcheted: boolean }[];
  patch: { op: string; path: string; value?: unknown }[] | null;
  mutated?: Record<string, unknown>;
}

const json = (run: Run) => JSON.parse(run.stdout) as JsonResult[];

describe('profile-guard check: exit codes and text output', () => {
  it('allows valid manifests: exit 0, one ALLOWED line each, a summary on stderr', async () => {
    const run = await check(['-f', at('valid')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      [
        `ALLOWED  RoleBinding/user-bob-example-com-clusterrole-edit [alice]  (${at('valid/contributor.yaml')}:0)`,
        `ALLOWED  Profile/alice  (${at('valid/profile-alice.yaml')}:0)`,
        '',
      ].join('\n'),
    );
    expect(run.stderr).toBe('2 objects: 2 allowed, 0 warned, 0 denied\n');
  });

  it('denies with exit 1 and lists every failing rule under the object', async () => {
    const run = await check([
      '-f',
      at('invalid/reserved-name.yaml'),
      at('valid/profile-alice.yaml'),
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      [
        `DENIED   Profile/kube-system  (${at('invalid/reserved-name.yaml')}:0)`,
        '    profile-name-reserved: metadata.name "kube-system" is a reserved name',
        `ALLOWED  Profile/alice  (${at('valid/profile-alice.yaml')}:0)`,
        '',
      ].join('\n'),
    );
  });

  it('names the namespace and every rule of a denied RoleBinding', async () => {
    const run = await check(['-f', at('invalid/cluster-admin-binding.yaml')]);
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe(
      `DENIED   RoleBinding/everyone-admin [alice]  (${at('invalid/cluster-admin-binding.yaml')}:0)`,
    );
    expect(lines.slice(1, 3).map((line) => line.trim().split(':')[0])).toEqual([
      'binding-group',
      'binding-role',
    ]);
  });

  it('walks a directory recursively: .yaml, .yml and .json in name order; dot-entries and other files skipped', async () => {
    const run = await check(['-f', at('mixed')]);
    expect(run.code).toBe(1);
    expect(run.stdout.split('\n').filter((line) => !line.startsWith(' '))).toEqual([
      `ALLOWED  Profile/team-a  (${at('mixed/a-valid.yaml')}:0)`,
      `DENIED   Profile/Team_B  (${at('mixed/nested/b-invalid.yml')}:0)`,
      `ALLOWED  Profile/team-c  (${at('mixed/nested/c-valid.json')}:0)`,
      '',
    ]);
    expect(run.stdout).toContain('    profile-name-format: metadata.name "Team_B"');
  });

  it('reads multi-document files (empty documents keep their index) and marks warnings', async () => {
    const run = await check(['-f', at('multi-doc.yaml')]);
    expect(run.code).toBe(1);
    const file = at('multi-doc.yaml');
    expect(run.stdout.split('\n')).toEqual([
      `WARNED   Profile/carol  (${file}:0)`,
      '    warning: profile-owner-lowercase: spec.owner.name "Carol@example.com" has upper-case letters; RBAC user names are case-sensitive, use "carol@example.com"',
      `ALLOWED  ConfigMap/unrelated [carol]  (${file}:2)`,
      `DENIED   ClusterRoleBinding/all-profiles-edit  (${file}:3)`,
      expect.stringMatching(/^ {4}clusterbinding-profile-role: roleRef.name "kubeflow-edit" /),
      '',
    ]);
    expect(run.stderr).toBe('3 objects: 1 allowed, 1 warned, 1 denied\n');
  });

  it('flattens List objects, locating each item', async () => {
    const run = await check(['-f', at('list.yaml')]);
    expect(run.code).toBe(1);
    expect(run.stdout.split('\n')).toEqual([
      `ALLOWED  Profile/dave  (${at('list.yaml')}:0[0])`,
      `DENIED   Profile/erin  (${at('list.yaml')}:0[1])`,
      '    profile-quota-max: spec.resourceQuotaSpec.hard["cpu"] "1000" exceeds the maximum "64" (profiles.quota.max["cpu"])',
      '',
    ]);
  });

  it('reads standard input for -f -', async () => {
    const text = await readFile(at('valid/profile-alice.yaml'), 'utf8');
    const run = await check(['-f', '-'], text);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('ALLOWED  Profile/alice  (-:0)\n');
  });
});

describe('profile-guard check: unreadable input exits 2', () => {
  it.each([
    [
      ['-f', at('missing.yaml')],
      `profile-guard check: ${at('missing.yaml')}: no such file or directory\n`,
    ],
    [
      ['-f', at('bad-yaml.txt')],
      `profile-guard check: ${at('bad-yaml.txt')}:6:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]\n`,
    ],
    [
      ['-f', at('not-an-object.yaml')],
      `profile-guard check: ${at('not-an-object.yaml')}:7: document 1: not a Kubernetes object (apiVersion is missing)\n`,
    ],
    [
      ['-f', at('valid'), '--state', at('bad-yaml.txt')],
      `profile-guard check: ${at('bad-yaml.txt')}:6:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]\n`,
    ],
  ])('%j', async (args, message) => {
    const run = await check(args);
    expect(run).toEqual({ code: 2, stdout: '', stderr: message });
  });

  it('exits 2 when the paths hold no object at all', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'pg-check-empty-'));
    try {
      await writeFile(join(empty, 'blank.yaml'), '---\n# nothing here\n');
      expect(await check(['-f', empty])).toEqual({
        code: 2,
        stdout: '',
        stderr: `profile-guard check: no objects found in ${empty}\n`,
      });
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('refuses a bad policy, listing every error', async () => {
    const run = await check(['-f', at('valid'), '--policy', at('policies/invalid.yaml')]);
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr: [
        `profile-guard check: invalid policy ${at('policies/invalid.yaml')}:`,
        '  spec.defaultMode: must be one of Enforce, Warn, Audit',
        '  spec.profiles.name.pattern: "(" is not a valid regular expression: Unterminated group',
        '',
      ].join('\n'),
    });
  });

  it.each([
    [[], 'profile-guard check: -f PATH is required (see profile-guard check --help)\n'],
    [['-f', at('valid'), '--bogus'], 'profile-guard check: unknown flag --bogus\n'],
    [
      ['-f', at('valid'), '-o', 'yaml'],
      'profile-guard check: invalid value for --output: "yaml" (expected text or json)\n',
    ],
    [['-f', at('valid'), '--user'], 'profile-guard check: flag --user needs a value\n'],
    [
      ['-f', at('valid'), '--print-mutated=yes'],
      'profile-guard check: flag --print-mutated takes no value\n',
    ],
    [['--user', 'x', at('valid')], `profile-guard check: unexpected argument "${at('valid')}"\n`],
  ])('bad flags %j', async (args, message) => {
    const run = await check(args);
    expect(run).toEqual({ code: 2, stdout: '', stderr: message });
  });
});

describe('profile-guard check: policy, caller and JSON output', () => {
  it('uses --policy', async () => {
    const run = await check([
      '-f',
      at('valid/profile-alice.yaml'),
      '--policy',
      at('policies/strict-domain.yaml'),
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      '    profile-owner-domain: spec.owner.name "alice@example.com" is not in an allowed e-mail domain; allowed: corp.example',
    );
  });

  it('evaluates as --user/--groups: an exempt group passes non-structural rules', async () => {
    const reserved = at('invalid/reserved-name.yaml');
    expect(
      (await check(['-f', reserved, '--user', 'root', '--groups', 'a,system:masters'])).code,
    ).toBe(0);
    expect((await check(['-f', reserved, '--user', 'root', '--groups', 'a,b'])).code).toBe(1);
  });

  it('prints JSON results with file, docIndex, operation, findings and the patch', async () => {
    const run = await check(['-f', at('list.yaml'), '-o', 'json']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
    const [dave, erin] = json(run);
    expect(dave).toMatchObject({
      file: at('list.yaml'),
      docIndex: 0,
      itemIndex: 0,
      kind: 'Profile',
      name: 'dave',
      namespace: '',
      operation: 'CREATE',
      allowed: true,
      decision: 'allowed',
      denials: [],
      warnings: [],
    });
    expect(dave!.patch).toEqual([
      {
        op: 'add',
        path: '/metadata/labels',
        value: { 'app.kubernetes.io/part-of': 'kubeflow-profile' },
      },
      {
        op: 'add',
        path: '/spec/resourceQuotaSpec',
        value: {
          hard: {
            cpu: '4',
            memory: '16Gi',
            persistentvolumeclaims: '10',
            'requests.storage': '100Gi',
          },
        },
      },
    ]);
    expect(dave).not.toHaveProperty('mutated');
    expect(erin).toMatchObject({ itemIndex: 1, allowed: false, decision: 'denied' });
    expect(erin!.denials).toEqual([
      {
        rule: 'profile-quota-max',
        mode: 'Enforce',
        path: 'spec.resourceQuotaSpec.hard["cpu"]',
        message:
          'spec.resourceQuotaSpec.hard["cpu"] "1000" exceeds the maximum "64" (profiles.quota.max["cpu"])',
        ratcheted: false,
      },
    ]);
  });

  it('answers null for the patch of an object that needs none (already mutated, or not handled)', async () => {
    const run = await check(['-f', at('multi-doc.yaml'), '-o', 'json']);
    const [, configMap] = json(run);
    expect(configMap).toMatchObject({ kind: 'ConfigMap', patch: null, allowed: true });
  });
});

describe('profile-guard check --print-mutated', () => {
  it('prints every object after mutation as multi-document YAML on stdout, the report on stderr', async () => {
    const run = await check(['-f', at('valid'), '--print-mutated']);
    expect(run.code).toBe(0);
    const documents = parseAllDocuments(run.stdout).map((document) => document.toJS() as unknown);
    expect(documents).toHaveLength(2);
    expect(documents[1]).toEqual({
      apiVersion: 'kubeflow.org/v1',
      kind: 'Profile',
      metadata: { name: 'alice', labels: { 'app.kubernetes.io/part-of': 'kubeflow-profile' } },
      spec: {
        owner: { kind: 'User', name: 'alice@example.com' },
        resourceQuotaSpec: {
          hard: {
            cpu: '4',
            memory: '16Gi',
            persistentvolumeclaims: '10',
            'requests.storage': '100Gi',
          },
        },
      },
    });
    expect(run.stderr).toContain(`ALLOWED  Profile/alice  (${at('valid/profile-alice.yaml')}:0)\n`);
  });

  it('mutation is idempotent: checking the printed output again yields no patch', async () => {
    const first = await check(['-f', at('valid/profile-alice.yaml'), '--print-mutated']);
    const second = await check(['-f', '-', '-o', 'json'], first.stdout);
    expect(json(second)[0]!.patch).toBeNull();
  });

  it('adds the mutated object to JSON output', async () => {
    const run = await check([
      '-f',
      at('valid/profile-alice.yaml'),
      '-o',
      'json',
      '--print-mutated',
    ]);
    expect(json(run)[0]!.mutated).toMatchObject({
      metadata: { labels: { 'app.kubernetes.io/part-of': 'kubeflow-profile' } },
    });
  });
});

describe('profile-guard check --state', () => {
  it('makes a manifest of an existing object an UPDATE (owner change denied, quota ratcheted)', async () => {
    const run = await check([
      '-f',
      at('update'),
      '--state',
      at('state/cluster.yaml'),
      '-o',
      'json',
    ]);
    expect(run.code).toBe(1);
    const byName = new Map(json(run).map((result) => [result.name, result]));
    expect(byName.get('alice')).toMatchObject({ operation: 'UPDATE', allowed: false });
    expect(byName.get('alice')!.denials.map((finding) => finding.rule)).toEqual([
      'profile-owner-immutable',
    ]);
    // legacy already had cpu 1000 in the cluster: the same violation is a warning on UPDATE.
    expect(byName.get('legacy')).toMatchObject({
      operation: 'UPDATE',
      allowed: true,
      decision: 'warned',
    });
    expect(byName.get('legacy')!.warnings).toEqual([
      expect.objectContaining({ rule: 'profile-quota-max', ratcheted: true }),
    ]);
    expect(byName.get('shared-data')).toMatchObject({ operation: 'CREATE', allowed: false });
    expect(byName.get('shared-data')!.denials.map((finding) => finding.rule)).toEqual([
      'profile-namespace-takeover',
    ]);
  });

  it('without --state, the same manifests are CREATEs and stateful rules skip', async () => {
    const run = await check(['-f', at('update'), '-o', 'json']);
    const byName = new Map(json(run).map((result) => [result.name, result]));
    expect(byName.get('alice')).toMatchObject({ operation: 'CREATE', allowed: true });
    expect(byName.get('legacy')).toMatchObject({ operation: 'CREATE', allowed: false });
    expect(byName.get('shared-data')).toMatchObject({ operation: 'CREATE', allowed: true });
  });

  it('gives stateful binding rules the cluster: profile owners and profile namespaces', async () => {
    const withState = await check(['-f', at('stateful'), '--state', at('state/cluster.yaml')]);
    expect(withState.stdout.split('\n').filter((line) => !line.startsWith(' '))).toEqual([
      `DENIED   RoleBinding/bob-admin [alice]  (${at('stateful/admin-for-bob.yaml')}:0)`,
      `ALLOWED  RoleBinding/reader [shared-data]  (${at('stateful/outside-profiles.yaml')}:0)`,
      '',
    ]);
    expect(withState.stdout).toContain(
      '    binding-owner-only-role: subjects[0].name "bob@example.com"',
    );
    const without = await check(['-f', at('stateful')]);
    expect(without.stdout.split('\n').filter((line) => !line.startsWith(' '))).toEqual([
      `ALLOWED  RoleBinding/bob-admin [alice]  (${at('stateful/admin-for-bob.yaml')}:0)`,
      `DENIED   RoleBinding/reader [shared-data]  (${at('stateful/outside-profiles.yaml')}:0)`,
      '',
    ]);
  });

  it('takes several --state paths after one flag', async () => {
    const run = await check([
      '-f',
      at('update/owner-transfer.yaml'),
      '--state',
      at('valid'),
      at('state/cluster.yaml'),
      '-o',
      'json',
    ]);
    expect(json(run)[0]).toMatchObject({ operation: 'UPDATE' });
  });
});
