/**
 * `profile-guard serve --native-policies on` (the built binary) against a stand-in API server:
 * the native admission policies follow the ProfilePolicy objects as they come and go (created,
 * rewritten, removed), are written by server-side apply by name, and `off` removes them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { eventually, httpGet, standInKubeconfig } from './cli-support.js';

const BIN = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'dist', 'cli', 'bin.js');
const ADMISSION = '/apis/admissionregistration.k8s.io/v1/';
const POLICIES = '/apis/profile-guard.io/v1alpha1/profilepolicies';

interface Stored {
  kind: string;
  metadata: {
    name: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    uid?: string;
    resourceVersion?: string;
  };
  spec: {
    matchConditions?: { name: string; expression: string }[];
    validations?: { expression: string }[];
  };
}

const profilePolicy = (name: string, generation: number, spec: Record<string, unknown>) => ({
  apiVersion: 'profile-guard.io/v1alpha1',
  kind: 'ProfilePolicy',
  metadata: { name, generation, resourceVersion: String(20 + generation), uid: `uid-${name}` },
  spec,
});

const FALLBACK = profilePolicy('fallback', 1, {
  ruleModes: { 'profile-owner-lowercase': 'Warn' },
  profiles: { name: { reserved: ['nope'] }, labels: { 'example.com/profile': 'yes' } },
});
const TEAM = profilePolicy('team', 1, { selector: { matchLabels: { team: 'a' } }, priority: 5 });

let dir: string;
let api: Server;
let seen: { method: string; path: string; contentType: string | undefined }[];
const stored = new Map<string, Stored>();
const watches = new Map<string, ServerResponse[]>();
let uid = 0;
const children: ChildProcess[] = [];

function route(request: IncomingMessage, body: string, response: ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const json = (status: number, answer: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(answer));
  };
  const lists: Record<string, unknown[]> = {
    '/apis/kubeflow.org/v1/profiles': [],
    '/api/v1/namespaces': [],
    '/apis/rbac.authorization.k8s.io/v1/rolebindings': [],
    [POLICIES]: [FALLBACK, TEAM],
  };
  const list = lists[url.pathname];
  if (request.method === 'GET' && list !== undefined) {
    if (url.searchParams.get('watch') === 'true') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.flushHeaders();
      watches.set(url.pathname, [...(watches.get(url.pathname) ?? []), response]);
      return;
    }
    json(200, { kind: 'List', metadata: { resourceVersion: '10' }, items: list });
    return;
  }
  if (url.pathname.startsWith(ADMISSION)) {
    const [plural, name] = url.pathname.slice(ADMISSION.length).split('/');
    const kind =
      plural === 'validatingadmissionpolicies'
        ? 'ValidatingAdmissionPolicy'
        : 'MutatingAdmissionPolicy';
    if (request.method === 'GET') {
      const [label, value] = (url.searchParams.get('labelSelector') ?? '').split('=');
      json(200, {
        kind: `${kind}List`,
        metadata: {},
        items: [...stored.values()].filter(
          (object) => object.kind === kind && object.metadata.labels?.[label ?? ''] === value,
        ),
      });
      return;
    }
    const id = `${kind}/${name}`;
    if (request.method === 'PATCH') {
      const object = JSON.parse(body) as Stored;
      object.metadata.uid = stored.get(id)?.metadata.uid ?? `u-${++uid}`;
      object.metadata.resourceVersion = String(100 + uid++);
      stored.set(id, object);
      json(200, object);
      return;
    }
    if (request.method === 'DELETE') {
      stored.delete(id);
      json(200, { kind: 'Status', status: 'Success' });
      return;
    }
  }
  json(request.method === 'POST' ? 201 : 200, body === '' ? {} : JSON.parse(body));
}

/** Sends a watch event to every open ProfilePolicy watch. */
function policyEvent(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: unknown): void {
  for (const response of watches.get(POLICIES) ?? []) {
    response.write(`${JSON.stringify({ type, object })}\n`);
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pg-native-'));
  seen = [];
  api = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      seen.push({
        method: request.method ?? '',
        path: request.url ?? '',
        contentType: request.headers['content-type'],
      });
      route(request, Buffer.concat(chunks).toString(), response);
    });
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  const { port } = api.address() as AddressInfo;
  await writeFile(join(dir, 'kubeconfig'), standInKubeconfig(port));
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const responses of watches.values()) for (const response of responses) response.destroy();
  api.closeAllConnections();
  await new Promise((resolve) => api.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

function serve(args: readonly string[]) {
  const child = spawn(
    process.execPath,
    [
      BIN,
      'serve',
      '--kubeconfig',
      join(dir, 'kubeconfig'),
      '--port',
      '0',
      '--metrics-port',
      '0',
      '--log-level',
      'warn',
      ...args,
    ],
    {
      env: { ...process.env, TMPDIR: dir, HOME: join(dir, 'home') },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const exit = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      resolve(code);
    });
  });
  const metricsPort = async () => {
    await eventually(() => /metrics: http:\/\/localhost:\d+/.test(stderr), 20_000);
    return Number(/metrics: http:\/\/localhost:(\d+)/.exec(stderr)?.[1]);
  };
  return { child, exit, metricsPort, stderr: () => stderr + stdout };
}

const names = () => [...stored.keys()].sort();
const enforce = () => stored.get('ValidatingAdmissionPolicy/pg-profiles-enforce');

it('keeps the native policies in step with the ProfilePolicy objects, then removes them when off', async () => {
  const server = serve(['--native-policies', 'on', '--native-prefix', 'pg']);

  // The selector-less policy governs natively; the team policy's Profiles are left out.
  await eventually(() => names().length === 4, 20_000).catch((error: unknown) => {
    throw new Error(`${String(error)}: ${server.stderr()} ${JSON.stringify(seen.slice(-20))}`);
  });
  expect(names()).toEqual([
    'MutatingAdmissionPolicy/pg-profiles-defaults',
    'ValidatingAdmissionPolicy/pg-profiles-enforce',
    'ValidatingAdmissionPolicy/pg-profiles-ratcheted',
    'ValidatingAdmissionPolicy/pg-profiles-warn',
  ]);
  expect(enforce()?.metadata.labels).toMatchObject({ 'profile-guard.io/native-set': 'pg' });
  expect(enforce()?.metadata.annotations).toMatchObject({
    'profile-guard.io/policy': 'fallback',
    'profile-guard.io/policy-generation': '1',
  });
  expect(enforce()?.spec.matchConditions).toEqual([
    {
      name: 'not-governed-by-a-selector-policy',
      expression:
        "[object.metadata.?labels.orValue({}), (request.operation == 'UPDATE' ? oldObject.metadata.?labels.orValue({}) : {})].all(l, !((('team' in l ? l['team'] == 'a' : false))))",
    },
  ]);
  const applies = seen.filter(
    (request) => request.method === 'PATCH' && request.path.startsWith(ADMISSION),
  );
  expect(applies.map((request) => request.path)).toEqual(
    expect.arrayContaining([
      '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/pg-profiles-enforce?fieldManager=profile-guard-native&force=true',
    ]),
  );
  expect(applies.every((request) => request.contentType === 'application/apply-patch+yaml')).toBe(
    true,
  );
  // No binding is ever written: they are installed with profile-guard.
  expect(seen.some((request) => request.path.includes('policybindings'))).toBe(false);

  // The selector policy goes: nothing is left out any more.
  policyEvent('DELETED', TEAM);
  await eventually(() => enforce()?.spec.matchConditions === undefined);

  // The governing policy changes: every rule warns, so the Enforce policies go.
  policyEvent(
    'MODIFIED',
    profilePolicy('fallback', 2, {
      defaultMode: 'Warn',
      profiles: { labels: { 'example.com/profile': 'yes' } },
    }),
  );
  await eventually(() => names().length === 2);
  expect(names()).toEqual([
    'MutatingAdmissionPolicy/pg-profiles-defaults',
    'ValidatingAdmissionPolicy/pg-profiles-warn',
  ]);
  expect(
    stored.get('ValidatingAdmissionPolicy/pg-profiles-warn')?.metadata.annotations,
  ).toMatchObject({ 'profile-guard.io/policy-generation': '2' });

  const metrics = await httpGet(await server.metricsPort(), '/metrics');
  expect(metrics.body).toMatch(/profile_guard_native_sync_total\{result="written"\} [1-9]/);
  expect(metrics.body).toContain('profile_guard_native_in_sync 1');
  expect(metrics.body).toMatch(
    /profile_guard_native_writes_total\{operation="delete",result="success"\} 2/,
  );
  server.child.kill('SIGTERM');
  expect(await server.exit).toBe(0);

  // Off: the set is removed.
  const off = serve(['--native-policies', 'off', '--native-prefix', 'pg']);
  await eventually(() => names().length === 0, 20_000);
  off.child.kill('SIGTERM');
  expect(await off.exit).toBe(0);
});
