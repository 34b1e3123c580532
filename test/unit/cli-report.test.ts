import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { CliIo } from '../../src/cli/io.js';
import { runReport, type ReportDeps } from '../../src/cli/report/run-report.js';
import { MAIN_USAGE, runCli } from '../../src/cli/run-cli.js';
import { OPENREPORTS_API, REPORT_APIS, WGPOLICY_API } from '../../src/kube/report-apis.js';

const FIXTURES = relative(
  process.cwd(),
  join(fileURLToPath(new URL('.', import.meta.url)), '..', 'fixtures', 'report'),
);
const LOG = join(FIXTURES, 'serve.log');
const NOW = Date.parse('2025-03-04T06:00:00.000Z');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function report(
  args: readonly string[],
  options: { stdin?: string; deps?: ReportDeps; env?: Record<string, string> } = {},
): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: options.env ?? {},
    ...(options.stdin === undefined
      ? {}
      : { readStdin: () => Promise.resolve(options.stdin ?? '') }),
  };
  const code = await runReport(args, io, { now: () => NOW, ...options.deps });
  return { code, stdout, stderr };
}

interface Item {
  apiVersion: string;
  kind: string;
  metadata: { namespace?: string };
}

async function fixture(name: string): Promise<Item[]> {
  return (JSON.parse(await readFile(join(FIXTURES, name), 'utf8')) as { items: Item[] }).items;
}

/**
 * A cluster holding fixture reports (by default the wgpolicyk8s.io ones only); records what was
 * asked for. An API is served when it has items.
 */
async function fixtureCluster(items: { openreports?: Item[]; wgpolicy?: Item[] } = {}): Promise<{
  deps: ReportDeps;
  asked: { kubeconfig: string | undefined; api: string; namespace: string | undefined }[];
}> {
  const byApi: Record<string, Item[]> = {
    [OPENREPORTS_API.apiVersion]: items.openreports ?? [],
    [WGPOLICY_API.apiVersion]:
      items.wgpolicy ??
      (items.openreports === undefined ? await fixture('policy-reports.json') : []),
  };
  const asked: { kubeconfig: string | undefined; api: string; namespace: string | undefined }[] =
    [];
  const deps: ReportDeps = {
    openReader: (kubeconfig) => {
      return Promise.resolve({
        servedApis: () =>
          Promise.resolve(REPORT_APIS.filter((api) => (byApi[api.apiVersion] ?? []).length > 0)),
        async *reports(api, namespace: string | undefined) {
          await Promise.resolve();
          asked.push({ kubeconfig, api: api.apiVersion, namespace });
          for (const item of byApi[api.apiVersion] ?? []) {
            if (namespace === undefined || item.metadata.namespace === namespace) yield item;
          }
        },
      });
    },
  };
  return { deps, asked };
}

const TABLES = [
  '',
  'By rule:',
  '  RULE                     MODE     DENIED  WARNED  AUDITED',
  '  binding-group            Enforce       2       0        0',
  '  binding-role             Enforce       1       0        0',
  '  binding-user-domain      Audit         0       0        1',
  '  profile-name-reserved    Enforce       1       0        0',
  '  profile-owner-format     Enforce       0       1        0',
  '  profile-owner-immutable  Enforce       1       0        0',
  '  profile-owner-lowercase  Warn          0       1        0',
  '',
  'By namespace:',
  '  NAMESPACE  DENIED  WARNED  AUDITED',
  '  (cluster)       2       1        0',
  '  alice           1       0        0',
  '  bob             1       0        1',
  '',
  'By user:',
  '  USER               DENIED  WARNED  AUDITED',
  '  alice@example.com       2       0        0',
  '  bob@example.com         2       1        1',
  '',
  'Latest denials (newest first):',
  '  TIME                      USER               OPERATION  NAMESPACE  OBJECT                FINDINGS',
  '  2025-03-04T05:55:00.000Z  bob@example.com    CREATE     bob        RoleBinding/everyone  binding-group: subjects[0].name "system:authenticated" is a forbidden group',
  '  2025-03-04T05:50:00.000Z  bob@example.com    UPDATE     -          Profile/alice         profile-owner-immutable: spec.owner cannot change (transfers are not allowed)',
  '  2025-03-04T05:20:00.000Z  alice@example.com  CREATE     alice      RoleBinding/evil      binding-group: subjects[0].name "system:authenticated" is a forbidden group; subjects[1].name "system:serviceaccounts" is a forbidden group; binding-role: roleRef.name "cluster-admin" is not an allowed role',
  '  2025-03-04T05:10:00.000Z  alice@example.com  CREATE     -          Profile/kubeflow      profile-name-reserved: metadata.name "kubeflow" is a reserved name',
  '',
];

describe('profile-guard report --from-log', () => {
  it('summarizes decision log lines: totals, rules with modes, namespaces, latest denials', async () => {
    const run = await report(['--from-log', LOG]);
    expect(run).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        'profile-guard report: 6 decisions (denied 4, warned 1, audited 1)',
        `source: log ${LOG} (6 decision lines, 1 dry run skipped, 4 other lines)`,
        'window: 2025-03-04T05:10:00.000Z .. 2025-03-04T05:55:00.000Z',
        ...TABLES,
      ].join('\n'),
    });
  });

  it('reads standard input with -', async () => {
    const text = await readFile(LOG, 'utf8');
    const run = await report(['--from-log', '-'], { stdin: text });
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n').slice(0, 3)).toEqual([
      'profile-guard report: 6 decisions (denied 4, warned 1, audited 1)',
      'source: log standard input (6 decision lines, 1 dry run skipped, 4 other lines)',
      'window: 2025-03-04T05:10:00.000Z .. 2025-03-04T05:55:00.000Z',
    ]);
    expect(run.stdout.split('\n').slice(3)).toEqual(TABLES);
  });

  it('writes JSON, filtered by --since, with --latest denials', async () => {
    const run = await report(['--from-log', LOG, '-o', 'json', '--since', '15m', '--latest', '1']);
    expect(run.code).toBe(0);
    expect(run.stdout.endsWith('}\n')).toBe(true);
    expect(JSON.parse(run.stdout)).toEqual({
      source: {
        type: 'log',
        file: LOG,
        decisionLines: 6,
        dryRunLines: 1,
        otherLines: 4,
      },
      filter: { since: '2025-03-04T05:45:00.000Z', namespace: null },
      window: { from: '2025-03-04T05:50:00.000Z', to: '2025-03-04T05:55:00.000Z' },
      decisions: { total: 2, denied: 2, warned: 0, audited: 0 },
      rules: [
        { rule: 'binding-group', mode: 'Enforce', denied: 1, warned: 0, audited: 0 },
        { rule: 'profile-owner-format', mode: 'Enforce', denied: 0, warned: 1, audited: 0 },
        { rule: 'profile-owner-immutable', mode: 'Enforce', denied: 1, warned: 0, audited: 0 },
      ],
      namespaces: [
        { namespace: '', denied: 1, warned: 0, audited: 0 },
        { namespace: 'bob', denied: 1, warned: 0, audited: 0 },
      ],
      users: [{ user: 'bob@example.com', denied: 2, warned: 0, audited: 0 }],
      policies: [
        {
          policy: 'default',
          generation: '1',
          decisions: 2,
          first: '2025-03-04T05:50:00.000Z',
          last: '2025-03-04T05:55:00.000Z',
        },
      ],
      // One-minute buckets from the first decision: 05:50 (immutable denied, format warned in
      // the same decision) to 05:55 (binding-group denied).
      timeline: {
        start: '2025-03-04T05:50:00.000Z',
        bucketSeconds: 60,
        buckets: 6,
        series: [
          {
            rule: 'binding-group',
            denied: [0, 0, 0, 0, 0, 1],
            warned: [0, 0, 0, 0, 0, 0],
            audited: [0, 0, 0, 0, 0, 0],
          },
          {
            rule: 'profile-owner-format',
            denied: [0, 0, 0, 0, 0, 0],
            warned: [1, 0, 0, 0, 0, 0],
            audited: [0, 0, 0, 0, 0, 0],
          },
          {
            rule: 'profile-owner-immutable',
            denied: [1, 0, 0, 0, 0, 0],
            warned: [0, 0, 0, 0, 0, 0],
            audited: [0, 0, 0, 0, 0, 0],
          },
        ],
      },
      latestDenials: [
        {
          time: '2025-03-04T05:55:00.000Z',
          uid: 'uid-9',
          user: 'bob@example.com',
          operation: 'CREATE',
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          namespace: 'bob',
          name: 'everyone',
          policy: 'default',
          findings: [
            {
              rule: 'binding-group',
              mode: 'Enforce',
              message: 'subjects[0].name "system:authenticated" is a forbidden group',
            },
          ],
        },
      ],
    });
  });

  it('prints empty sections for a log without decisions', async () => {
    const run = await report(['--from-log', '-', '--namespace', 'carol', '--since', '1h'], {
      stdin: 'not a log line\n',
    });
    expect(run).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        'profile-guard report: 0 decisions (denied 0, warned 0, audited 0)',
        'source: log standard input (0 decision lines, 0 dry runs skipped, 1 other line)',
        'only: since 2025-03-04T05:00:00.000Z, namespace carol',
        '',
        'By rule:',
        '  (none)',
        '',
        'By namespace:',
        '  (none)',
        '',
        'By user:',
        '  (none)',
        '',
        'Latest denials (newest first):',
        '  (none)',
        '',
      ].join('\n'),
    });
  });
});

describe('profile-guard report (cluster)', () => {
  it('summarizes the PolicyReports exactly as the log of the same decisions', async () => {
    const cluster = await fixtureCluster();
    const run = await report(['--kubeconfig', '/tmp/kubeconfig'], { deps: cluster.deps });
    expect(run).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        'profile-guard report: 6 decisions (denied 4, warned 1, audited 1)',
        'source: cluster (2 PolicyReports, 1 ClusterPolicyReport, 8 results)',
        'window: 2025-03-04T05:10:00.000Z .. 2025-03-04T05:55:00.000Z',
        ...TABLES,
      ].join('\n'),
    });
    expect(cluster.asked).toEqual([
      { kubeconfig: '/tmp/kubeconfig', api: 'wgpolicyk8s.io/v1alpha2', namespace: undefined },
    ]);
  });

  it('summarizes OpenReports exactly as the PolicyReports of the same decisions', async () => {
    const cluster = await fixtureCluster({ openreports: await fixture('openreports.json') });
    const run = await report([], { deps: cluster.deps });
    expect(run).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        'profile-guard report: 6 decisions (denied 4, warned 1, audited 1)',
        'source: cluster (2 Reports, 1 ClusterReport, 8 results)',
        'window: 2025-03-04T05:10:00.000Z .. 2025-03-04T05:55:00.000Z',
        ...TABLES,
      ].join('\n'),
    });
  });

  it('reads both APIs when both are served, counting a decision found in both once', async () => {
    // Some reports were written before the OpenReports CRDs appeared, some after; the
    // ClusterReport repeats the ClusterPolicyReport's decisions (two replicas that switched apart).
    const wgpolicy = await fixture('policy-reports.json');
    const openreports = await fixture('openreports.json');
    const cluster = await fixtureCluster({
      wgpolicy: wgpolicy.filter((item) => item.metadata.namespace !== 'bob'),
      openreports: openreports.filter((item) => item.metadata.namespace !== 'alice'),
    });
    const run = await report(['-o', 'json'], { deps: cluster.deps });
    expect(run.code).toBe(0);
    const body = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(body.source).toEqual({
      type: 'cluster',
      apis: ['openreports.io/v1alpha1', 'wgpolicyk8s.io/v1alpha2'],
      reports: 1,
      clusterReports: 1,
      policyReports: 1,
      clusterPolicyReports: 1,
      results: 12,
    });
    expect(body.decisions).toEqual({ total: 6, denied: 4, warned: 1, audited: 1 });
    expect(cluster.asked.map((entry) => entry.api)).toEqual([
      'openreports.io/v1alpha1',
      'wgpolicyk8s.io/v1alpha2',
    ]);
  });

  it('exits 2 when the cluster serves neither report API', async () => {
    const cluster = await fixtureCluster({ openreports: [], wgpolicy: [] });
    const run = await report([], { deps: cluster.deps });
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'profile-guard report: cannot read reports: the API server serves neither ' +
        'openreports.io/v1alpha1 nor wgpolicyk8s.io/v1alpha2 (are the OpenReports or ' +
        "PolicyReport CRDs installed?) (--from-log FILE reads serve's log instead)\n",
    });
  });

  it('reads one namespace’s report with --namespace', async () => {
    const cluster = await fixtureCluster();
    const run = await report(['-n', 'bob', '-o', 'json'], { deps: cluster.deps });
    expect(run.code).toBe(0);
    const body = JSON.parse(run.stdout);
    expect(body.source).toEqual({
      type: 'cluster',
      apis: ['wgpolicyk8s.io/v1alpha2'],
      reports: 0,
      clusterReports: 0,
      policyReports: 1,
      clusterPolicyReports: 0,
      results: 2,
    });
    expect(body.decisions).toEqual({ total: 2, denied: 1, warned: 0, audited: 1 });
    expect(body.namespaces).toEqual([{ namespace: 'bob', denied: 1, warned: 0, audited: 1 }]);
    expect(cluster.asked).toEqual([
      { kubeconfig: undefined, api: 'wgpolicyk8s.io/v1alpha2', namespace: 'bob' },
    ]);
  });

  it('exits 2 when the reports cannot be read', async () => {
    const failing: ReportDeps = {
      openReader: () =>
        Promise.resolve({
          servedApis: () => Promise.resolve([WGPOLICY_API]),
          // eslint-disable-next-line require-yield
          async *reports() {
            await Promise.resolve();
            throw new Error('not allowed to list policyreports.wgpolicyk8s.io: forbidden');
          },
        }),
    };
    const run = await report([], { deps: failing });
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'profile-guard report: cannot read reports: not allowed to list ' +
        "policyreports.wgpolicyk8s.io: forbidden (--from-log FILE reads serve's log instead)\n",
    });
  });

  it('exits 2 without any Kubernetes configuration', async () => {
    const run = await report([], { env: { HOME: FIXTURES } });
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'profile-guard report: cannot read reports: no Kubernetes configuration found ' +
        '(no --kubeconfig, KUBECONFIG, in-cluster service account or ~/.kube/config) ' +
        "(--from-log FILE reads serve's log instead)\n",
    });
  });

  it('exits 2 naming an unreadable --kubeconfig', async () => {
    const missing = join(FIXTURES, 'no-such-kubeconfig');
    const run = await report(['--kubeconfig', missing]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`cannot read kubeconfig ${missing} (--kubeconfig)`);
  });
});

describe('profile-guard report: usage', () => {
  it.each([
    [['--bogus'], 'unknown flag --bogus'],
    [['stray'], 'unexpected argument "stray"'],
    [
      ['-o', 'yaml', '--from-log', LOG],
      'invalid value for --output: "yaml" (expected text or json or html)',
    ],
    [
      ['--since', '3 days', '--from-log', LOG],
      'invalid value for --since: "3 days" (expected a duration such as 90s, 30m, 12h, 7d or 1h30m)',
    ],
    [
      ['--since', '0s', '--from-log', LOG],
      'invalid value for --since: "0s" (expected a duration such as 90s, 30m, 12h, 7d or 1h30m)',
    ],
    [
      ['--latest', '0', '--from-log', LOG],
      'invalid value for --latest: "0" (expected a positive whole number)',
    ],
    [['--from-log', ''], 'invalid value for --from-log: must not be empty'],
    [['--from-log'], 'flag --from-log needs a value'],
    [['--from-log', LOG, '--kubeconfig', 'x'], '--from-log and --kubeconfig exclude each other'],
  ])('%j exits 2: %s', async (args, message) => {
    const run = await report(args);
    expect(run).toEqual({ code: 2, stdout: '', stderr: `profile-guard report: ${message}\n` });
  });

  it('exits 2 naming a --from-log file that cannot be read', async () => {
    const missing = join(FIXTURES, 'missing.log');
    const run = await report(['--from-log', missing]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      new RegExp(`^profile-guard report: cannot read --from-log ${missing}: ENOENT`),
    );
    const directory = await report(['--from-log', FIXTURES]);
    expect(directory.code).toBe(2);
    expect(directory.stderr).toContain(`cannot read --from-log ${FIXTURES}: EISDIR`);
  });

  it('exits 2 when standard input cannot be read', async () => {
    const run = await report(['--from-log', '-']);
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr: 'profile-guard report: --from-log -: standard input cannot be read here\n',
    });
  });

  it('prints its usage with --help', async () => {
    const run = await report(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: profile-guard report \[flags\]\n/);
    expect(run.stdout).toContain('--from-log FILE');
  });

  it('is a profile-guard command', async () => {
    expect(MAIN_USAGE).toContain('\n  report   summarize denials, warnings and Audit findings');
    let stdout = '';
    const code = await runCli(['report', '--from-log', LOG, '-o', 'json'], {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: () => true },
      env: {},
    });
    expect(code).toBe(0);
    expect(JSON.parse(stdout).decisions).toEqual({ total: 6, denied: 4, warned: 1, audited: 1 });
  });
});
