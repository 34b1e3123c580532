/**
 * Reports on a real API server: a `profile-guard serve` of its own (with the chart's ServiceAccount
 * RBAC for `reports.enabled=true`) writes wgpolicyk8s.io PolicyReports while only their CRDs are
 * installed, switches to OpenReports (`--reports auto`) once the openreports.io CRDs appear, and
 * `profile-guard report` reads both back. The CRDs are the faithful copies in
 * test/e2e/fixtures/crds/third-party/, so the API server validates and prunes what is written as
 * the real ones would: a field either API does not know would be gone when read back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { execFile } from 'node:child_process';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { parseAllDocuments } from 'yaml';

import { applyJsonPatch } from '../../../src/admission/apply-json-patch.js';
import type { JsonPatchOperation } from '../../../src/admission/json-patch.js';
import { EMBEDDED_DEFAULT_POLICY_DOCUMENT } from '../../../src/config/default-policy.js';
import { REPO_DIR, loadE2eEnv } from '../harness/e2e-env.js';
import { eventually } from '../harness/eventually.js';
import { getObject, kubectl, kubectlOk, type KubeObject } from '../harness/kubectl.js';
import { ScratchDir } from '../harness/manifests.js';

const run = promisify(execFile);
const env = loadE2eEnv();
const managed = env.managed;
const scratch = new ScratchDir();
const CLI = join(REPO_DIR, 'dist/cli/bin.js');
const CRDS = join(REPO_DIR, 'test/e2e/fixtures/crds/third-party');
const OPENREPORTS_CRDS = ['reports.openreports.io', 'clusterreports.openreports.io'];
/** A suffix per run: without a namespace controller a deleted Namespace stays Terminating. */
const RUN = Date.now().toString(36).slice(-5);
const RELEASE = `pg-reports-${RUN}`;
const TEAM = `e2e-reports-${RUN}`;
const rbac = 'rbac.authorization.k8s.io';

interface Serve {
  readonly child: ChildProcess;
  readonly port: number;
  readonly metricsPort: number;
  readonly ca: string;
  stdout: string;
  stderr: string;
  readonly exit: Promise<number | null>;
}

let serve: Serve | undefined;
/** The chart's ServiceAccount (and ClusterRole) name for this release. */
let account = '';

/** An AdmissionReview of `object` (CREATE by alice), as the API server sends it. */
function review(object: KubeObject, uid: string): string {
  const [group, version] = object.apiVersion.includes('/')
    ? object.apiVersion.split('/')
    : ['', object.apiVersion];
  const resource = `${object.kind.toLowerCase()}s`;
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group, version, kind: object.kind },
      resource: { group, version, resource },
      name: object.metadata.name,
      ...(object.metadata.namespace === undefined ? {} : { namespace: object.metadata.namespace }),
      operation: 'CREATE',
      userInfo: { username: 'alice@example.com', groups: ['system:authenticated'] },
      object,
      dryRun: false,
    },
  });
}

function post(body: string, path = '/validate'): Promise<{ status: number; body: string }> {
  const running = serve;
  if (running === undefined) throw new Error('serve is not running');
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: running.port,
        ca: running.ca,
        servername: 'localhost',
        method: body === '' ? 'GET' : 'POST',
        path: body === '' ? '/readyz' : path,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: text });
        });
      },
    );
    req.on('error', reject);
    req.end(body === '' ? undefined : body);
  });
}

/**
 * Sends `object` through /mutate and its result through /validate, as the API server does, and
 * checks the decision; returns the request uid.
 */
async function decide(object: KubeObject, expected: 'denied' | 'warned'): Promise<string> {
  const uid = randomUUID();
  const mutation = await post(review(object, uid), '/mutate');
  expect(mutation.status).toBe(200);
  const patch = (JSON.parse(mutation.body) as { response: { patch?: string } }).response.patch;
  const mutated =
    patch === undefined
      ? object
      : (applyJsonPatch(
          object,
          JSON.parse(Buffer.from(patch, 'base64').toString('utf8')) as JsonPatchOperation[],
        ) as KubeObject);
  const answer = await post(review(mutated, uid));
  expect(answer.status).toBe(200);
  const response = (
    JSON.parse(answer.body) as { response: { auditAnnotations: Record<string, string> } }
  ).response;
  expect(response.auditAnnotations.decision).toBe(expected);
  return uid;
}

const reservedProfile = (): KubeObject => ({
  apiVersion: 'kubeflow.org/v1',
  kind: 'Profile',
  metadata: { name: 'kubeflow' },
  spec: { owner: { kind: 'User', name: 'alice@example.com' } },
});

const upperCaseOwner = (): KubeObject => ({
  apiVersion: 'kubeflow.org/v1',
  kind: 'Profile',
  metadata: { name: `e2e-reports-upper-${RUN}` },
  spec: { owner: { kind: 'User', name: 'Alice@example.com' } },
});

const everyoneBinding = (name: string): KubeObject => ({
  apiVersion: `${rbac}/v1`,
  kind: 'RoleBinding',
  metadata: { name, namespace: TEAM },
  roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: 'kubeflow-view' },
  subjects: [{ apiGroup: rbac, kind: 'Group', name: 'system:authenticated' }],
});

interface Result {
  readonly rule: string;
  readonly result: string;
  readonly message: string;
  readonly source?: string;
  readonly resources?: readonly Record<string, string>[];
  readonly properties: Record<string, string>;
}

async function results(args: readonly string[]): Promise<Result[]> {
  const object = await getObject(env, args);
  return ((object?.results as Result[] | undefined) ?? []).filter((r) => r.source !== 'other');
}

/** `profile-guard report` as the admin, JSON. */
async function report(...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, [
    CLI,
    'report',
    '--kubeconfig',
    env.kubeconfig,
    '-o',
    'json',
    ...args,
  ]);
  return JSON.parse(stdout) as Record<string, unknown>;
}

async function startServe(kubeconfig: string): Promise<Serve> {
  const caOut = join(scratch.path, 'serve-ca.crt');
  // The embedded default policy from a file: ProfilePolicy objects other scenarios left behind
  // do not govern this server.
  const policy = join(scratch.path, 'policy.json');
  writeFileSync(policy, JSON.stringify(EMBEDDED_DEFAULT_POLICY_DOCUMENT));
  const child = spawn(
    process.execPath,
    [
      CLI,
      'serve',
      '--kubeconfig',
      kubeconfig,
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--metrics-port',
      '0',
      '--ca-out',
      caOut,
      '--policy',
      policy,
      '--reports',
      'auto',
      '--reports-discovery-interval',
      '1',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const state = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (state.stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (state.stderr += chunk));
  const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const ports = await eventually(() => {
    const match = /serving https:\/\/localhost:(\d+) \(metrics: http:\/\/localhost:(\d+)/.exec(
      state.stderr,
    );
    if (match === null) throw new Error(`serve did not start:\n${state.stderr}`);
    return Promise.resolve([Number(match[1]), Number(match[2])] as const);
  });
  const started: Serve = {
    child,
    port: ports[0],
    metricsPort: ports[1],
    ca: readFileSync(caOut, 'utf8'),
    exit,
    get stdout() {
      return state.stdout;
    },
    get stderr() {
      return state.stderr;
    },
  };
  return started;
}

/** The messages serve logged so far. */
function logged(): string[] {
  return (serve?.stdout ?? '')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => (JSON.parse(line) as { msg: string }).msg);
}

beforeAll(async () => {
  if (managed === undefined) return;
  // The chart's ServiceAccount and ClusterRole with reports enabled (reports.api auto: both groups).
  const { stdout: rendered } = await run(managed.helm, [
    'template',
    RELEASE,
    join(REPO_DIR, 'charts/profile-guard'),
    '--namespace',
    RELEASE,
    '--set',
    'reports.enabled=true',
    '--show-only',
    'templates/serviceaccount.yaml',
    '--show-only',
    'templates/clusterrole.yaml',
  ]);
  const objects = parseAllDocuments(rendered).map((doc) => doc.toJS() as KubeObject | null);
  const nameOf = (kind: string) =>
    objects.find((object) => object?.kind === kind)?.metadata.name ?? '';
  account = nameOf('ServiceAccount');
  expect(nameOf('ClusterRole')).not.toBe('');
  await kubectlOk(env, ['create', 'namespace', RELEASE]);
  await kubectlOk(env, ['apply', '-f', '-'], { input: rendered });
  const token = (
    await kubectlOk(env, ['create', 'token', account, '-n', RELEASE, '--duration=1h'])
  ).trim();
  const kubeconfig = join(scratch.path, 'serve-kubeconfig');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'e2e',
          cluster: {
            server: managed.apiserverUrl,
            'certificate-authority-data': Buffer.from(
              readFileSync(managed.apiserverCaFile),
            ).toString('base64'),
          },
        },
      ],
      users: [{ name: 'serve', user: { token } }],
      contexts: [{ name: 'e2e', context: { cluster: 'e2e', user: 'serve' } }],
      'current-context': 'e2e',
    }),
    { mode: 0o600 },
  );

  // Only the PolicyReport CRDs: no OpenReports yet, and no reports left from an earlier run.
  await kubectlOk(env, ['delete', 'crd', '--ignore-not-found', ...OPENREPORTS_CRDS]);
  await kubectlOk(env, ['apply', '--server-side', '-f', join(CRDS, 'wgpolicyk8s.yaml')]);
  await kubectlOk(env, [
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    'crd/policyreports.wgpolicyk8s.io',
    'crd/clusterpolicyreports.wgpolicyk8s.io',
  ]);
  for (const kind of ['clusterpolicyreports', 'policyreports']) {
    await kubectlOk(env, [
      'delete',
      `${kind}.wgpolicyk8s.io`,
      '--all-namespaces',
      '-l',
      'app.kubernetes.io/managed-by=profile-guard',
      '--ignore-not-found',
    ]);
  }
  await eventually(async () => {
    const groups = await kubectlOk(env, ['api-versions']);
    expect(groups.split('\n')).not.toContain('openreports.io/v1alpha1');
  });
  // A profile namespace (the label marks it) for the binding rules.
  await kubectlOk(env, ['create', 'namespace', TEAM]);
  await kubectlOk(env, ['label', 'namespace', TEAM, 'app.kubernetes.io/part-of=kubeflow-profile']);

  serve = await startServe(kubeconfig);
  await eventually(async () => {
    expect((await post('')).status).toBe(200);
  });
}, 180_000);

afterAll(async () => {
  const running = serve;
  serve = undefined;
  if (running?.child.exitCode === null) {
    running.child.kill('SIGKILL');
    await running.exit;
  }
  if (managed !== undefined) {
    await kubectl(env, ['delete', 'crd', '--ignore-not-found', ...OPENREPORTS_CRDS]);
    if (account !== '') {
      await kubectl(env, [
        'delete',
        'clusterrolebinding,clusterrole',
        account,
        '--ignore-not-found',
      ]);
    }
    await kubectl(env, ['delete', 'namespace', RELEASE, TEAM, '--wait=false']);
  }
  scratch.remove();
}, 120_000);

describe('reports on a real API server', () => {
  (managed === undefined ? test.skip : test)(
    'serve writes PolicyReports, then OpenReports once their CRDs appear; report reads both',
    async () => {
      // --- wgpolicyk8s.io only -----------------------------------------------------------------
      await eventually(() => {
        expect(logged()).toContain('reports go to wgpolicyk8s.io/v1alpha2');
        return Promise.resolve();
      });
      const reserved = await decide(reservedProfile(), 'denied');
      const upper = await decide(upperCaseOwner(), 'warned');
      // The namespace reaches serve's cache by its watch: the binding rules apply once it has.
      const binding = await eventually(() => decide(everyoneBinding('e2e-everyone-1'), 'denied'));

      const cluster = await eventually(async () => {
        const found = await results(['clusterpolicyreports.wgpolicyk8s.io', 'profile-guard']);
        expect(found.map((r) => r.properties.uid)).toEqual(
          expect.arrayContaining([reserved, upper]),
        );
        return found;
      });
      const denial = cluster.find((r) => r.properties.uid === reserved);
      // Everything written survived the CRD's validation and pruning.
      expect(denial).toEqual({
        policy: 'default',
        rule: 'profile-name-reserved',
        result: 'fail',
        severity: 'high',
        scored: true,
        message: 'metadata.name "kubeflow" is a reserved name',
        source: 'profile-guard',
        timestamp: { seconds: expect.any(Number), nanos: expect.any(Number) },
        resources: [{ apiVersion: 'kubeflow.org/v1', kind: 'Profile', name: 'kubeflow' }],
        properties: {
          operation: 'CREATE',
          user: 'alice@example.com',
          decision: 'denied',
          mode: 'Enforce',
          uid: reserved,
          policyGeneration: expect.any(String),
        },
      });
      expect(cluster.find((r) => r.properties.uid === upper)).toMatchObject({
        rule: 'profile-owner-lowercase',
        result: 'warn',
        severity: 'medium',
        scored: false,
      });
      const team = await eventually(async () => {
        const found = await results(['policyreports.wgpolicyk8s.io', '-n', TEAM, 'profile-guard']);
        expect(found.map((r) => r.properties.uid)).toContain(binding);
        return found;
      });
      expect(team.find((r) => r.properties.uid === binding)).toMatchObject({
        rule: 'binding-group',
        result: 'fail',
        resources: [
          {
            apiVersion: `${rbac}/v1`,
            kind: 'RoleBinding',
            name: 'e2e-everyone-1',
            namespace: TEAM,
          },
        ],
      });
      const policyReport = await getObject(env, [
        'policyreports.wgpolicyk8s.io',
        '-n',
        TEAM,
        'profile-guard',
      ]);
      expect(policyReport?.metadata.labels).toEqual({
        'app.kubernetes.io/managed-by': 'profile-guard',
      });
      expect(policyReport?.summary).toMatchObject({ fail: 1 });

      // --- the OpenReports CRDs appear: serve switches without a restart -----------------------
      await kubectlOk(env, ['apply', '--server-side', '-f', join(CRDS, 'openreports.yaml')]);
      await kubectlOk(env, [
        'wait',
        '--for=condition=Established',
        '--timeout=60s',
        ...OPENREPORTS_CRDS.map((name) => `crd/${name}`),
      ]);
      await eventually(
        () => {
          expect(logged()).toContain('reports go to openreports.io/v1alpha1');
          return Promise.resolve();
        },
        { timeoutMs: 60_000 },
      );
      const reserved2 = await decide(reservedProfile(), 'denied');
      const binding2 = await decide(everyoneBinding('e2e-everyone-2'), 'denied');

      const clusterReport = await eventually(async () => {
        const found = await getObject(env, ['clusterreports.openreports.io', 'profile-guard']);
        expect(
          ((found?.results as Result[] | undefined) ?? []).map((r) => r.properties.uid),
        ).toContain(reserved2);
        return found;
      });
      expect(clusterReport).toMatchObject({
        apiVersion: 'openreports.io/v1alpha1',
        kind: 'ClusterReport',
        source: 'profile-guard',
        metadata: { labels: { 'app.kubernetes.io/managed-by': 'profile-guard' } },
        summary: { fail: 1 },
      });
      // The same result shape: `message` and `resources` (OpenReports' Description and Subjects).
      expect((clusterReport?.results as Result[])[0]).toMatchObject({
        rule: 'profile-name-reserved',
        message: 'metadata.name "kubeflow" is a reserved name',
        source: 'profile-guard',
        resources: [{ apiVersion: 'kubeflow.org/v1', kind: 'Profile', name: 'kubeflow' }],
        properties: { uid: reserved2, decision: 'denied' },
      });
      const teamReport = await eventually(async () => {
        const found = await getObject(env, ['reports.openreports.io', '-n', TEAM, 'profile-guard']);
        expect(
          ((found?.results as Result[] | undefined) ?? []).map((r) => r.properties.uid),
        ).toEqual([binding2]);
        return found;
      });
      expect(teamReport).toMatchObject({ kind: 'Report', source: 'profile-guard' });
      // Nothing more went to the old API.
      expect(
        (await results(['clusterpolicyreports.wgpolicyk8s.io', 'profile-guard'])).map(
          (r) => r.properties.uid,
        ),
      ).not.toContain(reserved2);

      // --- profile-guard report reads both APIs ------------------------------------------------
      const summary = await report();
      expect(summary.source).toEqual({
        type: 'cluster',
        apis: ['openreports.io/v1alpha1', 'wgpolicyk8s.io/v1alpha2'],
        reports: 1,
        clusterReports: 1,
        policyReports: 1,
        clusterPolicyReports: 1,
        results: 5,
      });
      expect(summary.decisions).toEqual({ total: 5, denied: 4, warned: 1, audited: 0 });
      expect(summary.namespaces).toEqual([
        { namespace: '', denied: 2, warned: 1, audited: 0 },
        { namespace: TEAM, denied: 2, warned: 0, audited: 0 },
      ]);
      const latest = summary.latestDenials as { uid: string }[];
      expect(latest.map((d) => d.uid).sort()).toEqual(
        [reserved, binding, reserved2, binding2].sort(),
      );
      expect((await report('-n', TEAM)).decisions).toEqual({
        total: 2,
        denied: 2,
        warned: 0,
        audited: 0,
      });

      // A clean stop.
      const running = serve;
      running?.child.kill('SIGTERM');
      expect(await running?.exit).toBe(0);
    },
  );
});
