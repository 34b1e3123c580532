/**
 * `profile-guard serve --kubeconfig` (the built binary) against a stand-in API server: the cache
 * syncs and turns /readyz ready, ProfilePolicy objects govern and get a status, stateful rules
 * see the cluster, denials go out as Events and PolicyReports, a profile namespace gets its
 * LimitRange, SIGTERM flushes and exits 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { eventually, httpsCall, profileReview, standInKubeconfig } from './cli-support.js';

const BIN = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'dist', 'cli', 'bin.js');

interface Seen {
  method: string;
  path: string;
  body: string;
}

const POLICY = {
  apiVersion: 'profile-guard.io/v1alpha1',
  kind: 'ProfilePolicy',
  metadata: { name: 'cluster-wide', generation: 4, resourceVersion: '7' },
  spec: { profiles: { name: { reserved: ['forbidden-by-cluster-policy'] } } },
};

const LISTS: Record<string, unknown[]> = {
  '/apis/kubeflow.org/v1/profiles': [
    {
      apiVersion: 'kubeflow.org/v1',
      kind: 'Profile',
      metadata: { name: 'alice', resourceVersion: '3' },
      spec: {
        owner: { kind: 'User', name: 'alice@example.com' },
        resourceQuotaSpec: { hard: { cpu: '4', memory: '16Gi' } },
      },
    },
  ],
  '/api/v1/namespaces': [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'alice',
        annotations: { owner: 'alice@example.com' },
        resourceVersion: '5',
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'taken',
        annotations: { owner: 'someone@example.com' },
        resourceVersion: '4',
      },
    },
  ],
  '/apis/rbac.authorization.k8s.io/v1/rolebindings': [],
  '/apis/profile-guard.io/v1alpha1/profilepolicies': [POLICY],
  '/api/v1/limitranges': [],
};

let dir: string;
let api: Server;
let seen: Seen[];
let child: ChildProcess | undefined;
const watches = new Set<ServerResponse>();

function route(request: Seen, url: URL, response: ServerResponse): void {
  const json = (status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };
  const list = LISTS[url.pathname];
  if (request.method === 'GET' && list !== undefined) {
    if (url.searchParams.get('watch') === 'true') {
      // A watch that stays open and quiet.
      response.writeHead(200, { 'content-type': 'application/json' });
      response.flushHeaders();
      watches.add(response);
      return;
    }
    json(200, { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '10' }, items: list });
    return;
  }
  if (request.method === 'GET' && url.pathname === '/apis/wgpolicyk8s.io/v1alpha2') {
    // API discovery: the PolicyReport CRDs are installed (and OpenReports' are not).
    json(200, {
      kind: 'APIResourceList',
      groupVersion: 'wgpolicyk8s.io/v1alpha2',
      resources: [
        { name: 'policyreports', namespaced: true, kind: 'PolicyReport', verbs: ['get'] },
        { name: 'clusterpolicyreports', namespaced: false, kind: 'ClusterPolicyReport', verbs: [] },
      ],
    });
    return;
  }
  if (request.method === 'GET' && url.pathname.startsWith('/apis/openreports.io/')) {
    json(404, {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'NotFound',
      code: 404,
    });
    return;
  }
  if (request.method === 'GET' && url.pathname.includes('policyreports')) {
    json(404, {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'NotFound',
      code: 404,
    });
    return;
  }
  json(request.method === 'POST' ? 201 : 200, request.body === '' ? {} : JSON.parse(request.body));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pg-cluster-'));
  seen = [];
  api = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const entry = {
        method: request.method ?? '',
        path: url.pathname,
        body: Buffer.concat(chunks).toString(),
      };
      seen.push(entry);
      route(entry, url, response);
    });
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  const { port } = api.address() as AddressInfo;
  await writeFile(join(dir, 'kubeconfig'), standInKubeconfig(port));
});

afterAll(async () => {
  if (child?.exitCode === null) child.kill('SIGKILL');
  for (const response of watches) response.destroy();
  api.closeAllConnections();
  await new Promise((resolve) => api.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

it('serves from the cluster: ProfilePolicy objects, cluster state, Events and PolicyReports', async () => {
  const spawned = spawn(
    process.execPath,
    [BIN, 'serve', '--kubeconfig', join(dir, 'kubeconfig'), '--port', '0', '--metrics-port', '0'],
    {
      env: { ...process.env, TMPDIR: dir, HOME: join(dir, 'home') },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child = spawned;
  let stderr = '';
  let stdout = '';
  spawned.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  spawned.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const exit = new Promise<number | null>((resolve) => {
    spawned.on('exit', (code) => {
      resolve(code);
    });
  });
  await eventually(
    () => /serving https:\/\/localhost:\d+/.test(stderr) || spawned.exitCode !== null,
    20_000,
  );
  const port = Number(/serving https:\/\/localhost:(\d+)/.exec(stderr)?.[1]);
  expect(port).toBeGreaterThan(0);
  const ca = await readFile(join(dir, `profile-guard-${port}`, 'ca.crt'), 'utf8');

  await eventually(
    async () => (await httpsCall(port, ca, { path: '/readyz' })).status === 200,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}\n${JSON.stringify(seen)}\n${stdout}`);
  });
  const validate = async (name: string) => {
    const answer = await httpsCall(port, ca, {
      method: 'POST',
      path: '/validate',
      body: JSON.stringify(profileReview(name, 'mallory@example.com')),
    });
    return JSON.parse(answer.body) as {
      response: {
        allowed: boolean;
        status?: { message: string };
        auditAnnotations: Record<string, string>;
      };
    };
  };

  // The cluster's ProfilePolicy governs (not the embedded default: kube-system is allowed by it).
  const reserved = await validate('forbidden-by-cluster-policy');
  expect(reserved.response.allowed).toBe(false);
  expect(reserved.response.auditAnnotations.policy).toBe('cluster-wide');
  expect((await validate('kube-system')).response.allowed).toBe(true);
  // Cluster state reaches stateful rules: the Namespace "taken" belongs to someone else.
  const takeover = await validate('taken');
  expect(takeover.response.allowed).toBe(false);
  expect(takeover.response.status?.message).toMatch(/^profile-namespace-takeover: /);

  // The policy's status is written, and denials become Events.
  await eventually(() =>
    seen.some(
      (request) =>
        request.method === 'PATCH' && request.path.endsWith('/profilepolicies/cluster-wide/status'),
    ),
  );
  const status = seen.find((request) => request.method === 'PATCH')!;
  expect(JSON.parse(status.body)).toMatchObject({
    status: {
      observedGeneration: 4,
      conditions: [{ type: 'Ready', status: 'True', reason: 'Accepted' }],
    },
  });
  await eventually(
    () =>
      seen.filter((request) => request.method === 'POST' && request.path.endsWith('/events'))
        .length === 2,
  );

  // The Profile's namespace gets the LimitRange its cpu/memory quota needs (server-side apply).
  await eventually(() =>
    seen.some(
      (request) =>
        request.method === 'PATCH' &&
        request.path === '/api/v1/namespaces/alice/limitranges/profile-guard-defaults',
    ),
  );
  const applied = seen.find((request) => request.path.endsWith('/profile-guard-defaults'))!;
  expect(JSON.parse(applied.body)).toMatchObject({
    kind: 'LimitRange',
    metadata: { labels: { 'app.kubernetes.io/managed-by': 'profile-guard' } },
    spec: { limits: [{ type: 'Container', defaultRequest: { cpu: '100m', memory: '256Mi' } }] },
  });

  spawned.kill('SIGTERM');
  expect(await exit).toBe(0);
  // Stopping flushed the pending results into the ClusterPolicyReport.
  expect(
    seen.some(
      (request) => request.method === 'POST' && request.path.endsWith('/clusterpolicyreports'),
    ),
  ).toBe(true);
  const logs = stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { msg: string });
  expect(logs.map((line) => line.msg)).toEqual(
    expect.arrayContaining(['cluster lookups on', 'stopped']),
  );
});
