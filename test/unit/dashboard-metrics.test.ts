/**
 * The chart's Grafana dashboard and PrometheusRule alerts are checked against what `serve`
 * really exports: the built binary runs against a stand-in API server (so the cluster-cache
 * gauges have series) with a policy file (so a reload is counted), answers reviews of every kind
 * of decision, and its /metrics scrape is the reference for every metric and label the PromQL of
 * the panels and alerts uses (test/unit/promql-check.ts). The alerts come from the chart
 * rendered with test/chart-values/monitoring.yaml, which needs helm: $HELM or the pinned one
 * test/e2e/bin/ensure-binaries.sh caches (without one that part is skipped outside CI, as in
 * chart-render.test.ts; with CI=true it fails).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { parseAllDocuments } from 'yaml';

import { EMBEDDED_DEFAULT_POLICY_DOCUMENT } from '../../src/config/default-policy.js';
import { eventually, httpGet, httpsCall, profileReview, standInKubeconfig } from './cli-support.js';
import {
  annotationLabels,
  checkExpression,
  legendLabels,
  parseScrape,
  withGrafanaVariables,
  type Scrape,
} from './promql-check.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'dist', 'cli', 'bin.js');
const CHART = join(ROOT, 'charts', 'profile-guard');
const DASHBOARD = join(CHART, 'dashboards', 'profile-guard.json');

/**
 * Labels Prometheus adds to every series it scrapes through the chart's ServiceMonitor: `job`
 * and `instance`, and Prometheus Operator's relabelling of the endpoint's target (`namespace`,
 * `service`, `pod`, `container`, `endpoint`).
 */
const TARGET_LABELS = ['job', 'instance', 'namespace', 'service', 'pod', 'container', 'endpoint'];

const LISTS: Record<string, unknown[]> = {
  '/apis/kubeflow.org/v1/profiles': [
    {
      apiVersion: 'kubeflow.org/v1',
      kind: 'Profile',
      metadata: { name: 'alice', resourceVersion: '3' },
      spec: { owner: { kind: 'User', name: 'alice@example.com' } },
    },
  ],
  '/api/v1/namespaces': [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'alice', resourceVersion: '4' },
    },
  ],
  '/apis/rbac.authorization.k8s.io/v1/rolebindings': [],
  '/apis/profile-guard.io/v1alpha1/profilepolicies': [],
  '/api/v1/limitranges': [],
};

let dir: string;
let api: Server;
let child: ChildProcess | undefined;
let scrape: Scrape;
let metricsText = '';
const watches = new Set<ServerResponse>();
const asked: string[] = [];

function standInApi(): Server {
  return createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      asked.push(`${request.method ?? ''} ${request.url ?? ''}`);
      const list = LISTS[url.pathname];
      if (request.method === 'GET' && list !== undefined) {
        if (url.searchParams.get('watch') === 'true') {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.flushHeaders();
          watches.add(response);
          return;
        }
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({ kind: 'List', metadata: { resourceVersion: '10' }, items: list }),
        );
        return;
      }
      // No report API, and writes of Events are accepted.
      const status = request.method === 'GET' ? 404 : 201;
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ kind: 'Status', code: status }));
    });
  });
}

function review(kind: 'RoleBinding' | 'ConfigMap', name: string, subjects: unknown[] = []) {
  const group = kind === 'RoleBinding' ? 'rbac.authorization.k8s.io' : '';
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `uid-${kind}-${name}`,
      kind: { group, version: 'v1', kind },
      resource: { group, version: 'v1', resource: `${kind.toLowerCase()}s` },
      name,
      namespace: 'alice',
      operation: 'CREATE',
      userInfo: { username: 'alice@example.com', groups: ['system:authenticated'] },
      object: {
        apiVersion: group === '' ? 'v1' : `${group}/v1`,
        kind,
        metadata: { name, namespace: 'alice' },
        ...(kind === 'RoleBinding'
          ? {
              roleRef: { apiGroup: group, kind: 'ClusterRole', name: 'kubeflow-view' },
              subjects,
            }
          : {}),
      },
    },
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pg-dashboard-'));
  api = standInApi();
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  const { port } = api.address() as AddressInfo;
  writeFileSync(join(dir, 'kubeconfig'), standInKubeconfig(port));
  writeFileSync(join(dir, 'policy.json'), JSON.stringify(EMBEDDED_DEFAULT_POLICY_DOCUMENT));

  const spawned = spawn(
    process.execPath,
    [
      BIN,
      'serve',
      '--kubeconfig',
      join(dir, 'kubeconfig'),
      '--policy',
      join(dir, 'policy.json'),
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--metrics-port',
      '0',
      '--log-level',
      'warn',
    ],
    { env: { ...process.env, TMPDIR: dir, HOME: dir }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child = spawned;
  let stderr = '';
  spawned.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  await eventually(() => /metrics: http:\/\/localhost:\d+/.test(stderr), 20_000);
  const webhookPort = Number(/serving https:\/\/localhost:(\d+)/.exec(stderr)?.[1]);
  const metricsPort = Number(/metrics: http:\/\/localhost:(\d+)/.exec(stderr)?.[1]);
  const ca = readFileSync(join(dir, `profile-guard-${webhookPort}`, 'ca.crt'), 'utf8');
  await eventually(
    async () => (await httpsCall(webhookPort, ca, { path: '/readyz' })).status === 200,
    20_000,
  ).catch(async (error: unknown) => {
    const answer = await httpsCall(webhookPort, ca, { path: '/readyz' });
    throw new Error(
      `serve did not turn ready: ${String(error)}: ${answer.body}\n${stderr}\n${asked.join('\n')}`,
    );
  });

  // Every kind of decision: denied, warned, allowed, patched, a kind not handled.
  const send = async (path: string, body: unknown) => {
    const answer = await httpsCall(webhookPort, ca, {
      method: 'POST',
      path,
      body: JSON.stringify(body),
    });
    expect(answer.status).toBe(200);
  };
  await send('/validate', profileReview('kubeflow'));
  await send('/validate', profileReview('team-upper', 'Alice@example.com'));
  await send('/mutate', profileReview('team-a'));
  await send(
    '/validate',
    review('RoleBinding', 'everyone', [
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:authenticated' },
    ]),
  );
  await send('/validate', review('ConfigMap', 'settings'));
  metricsText = (await httpGet(metricsPort, '/metrics')).body;
  scrape = parseScrape(metricsText);
}, 60_000);

afterAll(async () => {
  if (child?.exitCode === null) child.kill('SIGTERM');
  for (const response of watches) response.destroy();
  api.closeAllConnections();
  await new Promise((resolve) => api.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

interface Panel {
  readonly title?: string;
  readonly type?: string;
  readonly targets?: readonly { readonly expr?: string; readonly legendFormat?: string }[];
  readonly panels?: readonly Panel[];
}

function panels(list: readonly Panel[]): Panel[] {
  return list.flatMap((panel) => [panel, ...panels(panel.panels ?? [])]);
}

/** Problems of one expression and, when given, of the labels its results are shown with. */
function problemsOf(where: string, expression: string, shownLabels: readonly string[]): string[] {
  const result = checkExpression(withGrafanaVariables(expression), scrape, TARGET_LABELS);
  const problems = [...result.problems];
  for (const label of shownLabels) {
    if (result.labels?.has(label) !== true) {
      problems.push(`shows {{${label}}}, which its result series do not carry`);
    }
  }
  return problems.map((problem) => `${where}: ${problem}`);
}

describe('the checker finds what is wrong', () => {
  // The checker's own failures, on a real scrape: each of these is a mistake it must catch.
  it.each([
    ['rate(profile_guard_admission_requests_totl[5m])', 'is not exported'],
    [
      'sum by (namespace_name) (rate(profile_guard_rule_violations_total[5m]))',
      'no label namespace_name',
    ],
    ['profile_guard_rule_violations_total{user="x"}', 'has no label user'],
    ['rate(profile_guard_cache_objects[5m])', 'not a counter'],
    [
      'histogram_quantile(0.9, sum by (webhook) (rate(profile_guard_admission_duration_seconds_bucket[5m])))',
      'without an le label',
    ],
    [
      'sum by (webhook) (rate(profile_guard_admission_requests_total[5m])) / sum by (kind) (rate(profile_guard_admission_requests_total[5m]))',
      'different labels',
    ],
    ['sum(rate(profile_guard_admission_requests_total[5m]', 'syntax error'],
  ])('%s', (expression, expected) => {
    expect(problemsOf('test', expression, []).join('\n')).toContain(expected);
  });

  it('and checks what a legend shows', () => {
    expect(
      problemsOf('test', 'sum by (rule) (profile_guard_rule_violations_total)', ['mode']),
    ).toEqual(['test: shows {{mode}}, which its result series do not carry']);
  });

  it('the scrape has the series the checks need', () => {
    for (const name of [
      'profile_guard_admission_requests_total',
      'profile_guard_admission_duration_seconds_bucket',
      'profile_guard_rule_violations_total',
      'profile_guard_cache_objects',
      'profile_guard_policy_reloads_total',
      'profile_guard_policy_info',
    ]) {
      expect(scrape.samples.get(name)?.size ?? 0).toBeGreaterThan(0);
    }
    expect([...(scrape.samples.get('profile_guard_rule_violations_total') ?? [])].sort()).toEqual([
      'kind',
      'mode',
      'rule',
    ]);
  });
});

describe('charts/profile-guard/dashboards/profile-guard.json', () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    panels: Panel[];
    templating?: { list?: { name: string }[] };
  };
  const all = panels(dashboard.panels);

  it('has panels with PromQL targets', () => {
    expect(all.filter((panel) => (panel.targets ?? []).length > 0).length).toBeGreaterThanOrEqual(
      8,
    );
  });

  it('every panel names metrics serve exports, with labels they carry', () => {
    const defined = new Set((dashboard.templating?.list ?? []).map((variable) => variable.name));
    const problems = all.flatMap((panel) =>
      (panel.targets ?? []).flatMap((target, index) => {
        const where = `panel "${panel.title ?? '?'}" target ${index}`;
        const expression = target.expr ?? '';
        const unknownVariables = [...withGrafanaVariables(expression).matchAll(/\$\{?(\w+)/g)]
          .map((match) => match[1] ?? '')
          .filter((name) => !defined.has(name));
        return [
          ...(expression === '' ? [`${where}: no expr`] : []),
          ...unknownVariables.map((name) => `${where}: unknown variable $${name}`),
          ...problemsOf(where, expression, legendLabels(target.legendFormat ?? '')),
        ];
      }),
    );
    expect(problems).toEqual([]);
  });
});

function findHelm(): string | undefined {
  if (process.env.HELM) return process.env.HELM;
  const versions = readFileSync(join(ROOT, 'test', 'e2e', 'bin', 'versions.env'), 'utf8');
  const version = /^HELM_VERSION=(\S+)/m.exec(versions)?.[1];
  if (version === undefined) return undefined;
  const cache =
    process.env.PROFILE_GUARD_BIN_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'profile-guard', 'bin');
  const helm = join(cache, `helm-${version}`, 'helm');
  return existsSync(helm) ? helm : undefined;
}

const HELM = findHelm();
const describeWithHelm = HELM === undefined && process.env.CI !== 'true' ? describe.skip : describe;

describeWithHelm('the PrometheusRule alerts (chart rendered with monitoring values)', () => {
  it('every alert names metrics serve exports, with the labels its annotations show', () => {
    const rendered = spawnSync(
      HELM ?? 'helm',
      [
        'template',
        'profile-guard',
        CHART,
        '--namespace',
        'profile-guard',
        '-f',
        join(ROOT, 'test', 'chart-values', 'monitoring.yaml'),
        '--show-only',
        'templates/prometheusrule.yaml',
      ],
      { encoding: 'utf8' },
    );
    expect(rendered.stderr).toBe('');
    const [rule] = parseAllDocuments(rendered.stdout).map(
      (doc) =>
        doc.toJS() as {
          spec: {
            groups: {
              rules: { alert: string; expr: string; annotations?: Record<string, string> }[];
            }[];
          };
        },
    );
    const alerts = (rule?.spec.groups ?? []).flatMap((group) => group.rules);
    expect(alerts.length).toBeGreaterThanOrEqual(5);
    const problems = alerts.flatMap((alert) =>
      problemsOf(
        `alert ${alert.alert}`,
        alert.expr,
        Object.values(alert.annotations ?? {}).flatMap(annotationLabels),
      ),
    );
    expect(problems).toEqual([]);
  });
});
