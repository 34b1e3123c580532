import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import type { PolicyEvent } from './events.js';
import { createKubeEventSink } from './kube-event-sink.js';
import { limitRangeManifest } from '../policy/limit-range.js';
import { createKubeLimitRangeWriter } from './kube-limit-range-writer.js';
import { createProfileDryRun, parseWarningHeader } from './profile-dry-run.js';
import { createKubeNativeStore } from './kube-native-store.js';
import { createKubeStatusWriter } from './kube-status-writer.js';
import { createKubeWatchSource } from './kube-watch-source.js';
import { isExpired, statusOf, type WatchEventType } from './watch-source.js';

interface Seen {
  method: string;
  url: string;
  contentType: string | undefined;
  authorization: string | undefined;
  body: string;
}

type Route = (request: Seen, response: ServerResponse) => void;

/** A stand-in API server on loopback: records requests and answers through `route`. */
async function apiServer(
  route: Route,
): Promise<{ server: Server; config: KubeConfig; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry = {
        method: request.method ?? '',
        url: request.url ?? '',
        contentType: request.headers['content-type'],
        authorization: request.headers.authorization,
        body: Buffer.concat(chunks).toString(),
      };
      seen.push(entry);
      route(entry, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'test', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'test', token: 'secret-token' }],
    contexts: [{ name: 'test', cluster: 'test', user: 'test' }],
    currentContext: 'test',
  });
  return { server, config, seen };
}

const json = (response: ServerResponse, status: number, body: unknown): void => {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
};

describe('client-node implementations', () => {
  let server: Server | undefined;
  afterEach(async () => {
    const running = server;
    server = undefined;
    if (running === undefined) return;
    running.closeAllConnections();
    await new Promise<void>((resolve) => {
      running.close(() => {
        resolve();
      });
    });
  });

  it('lists every page and stamps apiVersion/kind on the items', async () => {
    const api = await apiServer((request, response) => {
      const url = new URL(request.url, 'http://x');
      if (url.searchParams.get('continue') === null) {
        json(response, 200, {
          kind: 'RoleBindingList',
          apiVersion: 'rbac.authorization.k8s.io/v1',
          metadata: { resourceVersion: '41', continue: 'page-2' },
          items: [
            {
              metadata: { name: 'a', namespace: 'n' },
              roleRef: { kind: 'ClusterRole', name: 'r', apiGroup: 'rbac.authorization.k8s.io' },
            },
          ],
        });
      } else {
        json(response, 200, {
          kind: 'RoleBindingList',
          apiVersion: 'rbac.authorization.k8s.io/v1',
          metadata: { resourceVersion: '41' },
          items: [
            {
              metadata: { name: 'b', namespace: 'n' },
              roleRef: { kind: 'ClusterRole', name: 'r', apiGroup: 'rbac.authorization.k8s.io' },
            },
          ],
        });
      }
    });
    server = api.server;
    const source = createKubeWatchSource(api.config, { pageSize: 1 });
    const result = await source.list('RoleBinding');
    expect(result.resourceVersion).toBe('41');
    expect(
      result.items.map((item) => {
        const object = item as { apiVersion: string; kind: string; metadata: { name: string } };
        return `${object.apiVersion} ${object.kind} ${object.metadata.name}`;
      }),
    ).toEqual([
      'rbac.authorization.k8s.io/v1 RoleBinding a',
      'rbac.authorization.k8s.io/v1 RoleBinding b',
    ]);
    expect(api.seen.map((request) => request.url)).toEqual([
      '/apis/rbac.authorization.k8s.io/v1/rolebindings?limit=1',
      '/apis/rbac.authorization.k8s.io/v1/rolebindings?continue=page-2&limit=1',
    ]);
    expect(api.seen[0]?.authorization).toBe('Bearer secret-token');
  });

  it('asks for pages of 500 objects by default', async () => {
    const api = await apiServer((_request, response) => {
      json(response, 200, {
        kind: 'NamespaceList',
        apiVersion: 'v1',
        metadata: { resourceVersion: '7' },
        items: [],
      });
    });
    server = api.server;
    const result = await createKubeWatchSource(api.config).list('Namespace');
    expect(result).toEqual({ items: [], resourceVersion: '7' });
    expect(api.seen.map((request) => request.url)).toEqual(['/api/v1/namespaces?limit=500']);
  });

  it('lists custom resources and reports 404 when the CRD is not installed', async () => {
    const api = await apiServer((request, response) => {
      if (request.url.startsWith('/apis/kubeflow.org/v1/profiles')) {
        json(response, 200, {
          kind: 'ProfileList',
          apiVersion: 'kubeflow.org/v1',
          metadata: { resourceVersion: '7' },
          items: [{ apiVersion: 'kubeflow.org/v1', kind: 'Profile', metadata: { name: 'alice' } }],
        });
      } else {
        json(response, 404, {
          kind: 'Status',
          code: 404,
          reason: 'NotFound',
          message: 'not found',
        });
      }
    });
    server = api.server;
    const source = createKubeWatchSource(api.config);
    expect(await source.list('Profile')).toEqual({
      resourceVersion: '7',
      items: [{ apiVersion: 'kubeflow.org/v1', kind: 'Profile', metadata: { name: 'alice' } }],
    });
    const failure: unknown = await source.list('ProfilePolicy').catch((error: unknown) => error);
    expect(statusOf(failure)).toBe(404);
  });

  it('watches from a resourceVersion with bookmarks and turns an ERROR 410 into an expired error', async () => {
    const api = await apiServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write(
        `${JSON.stringify({ type: 'ADDED', object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a', resourceVersion: '11' } } })}\n`,
      );
      response.write(
        `${JSON.stringify({ type: 'BOOKMARK', object: { kind: 'Namespace', metadata: { resourceVersion: '12' } } })}\n`,
      );
      response.end(
        `${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 10 (12)' } })}\n`,
      );
    });
    server = api.server;
    const source = createKubeWatchSource(api.config, { watchTimeoutSeconds: 60 });
    const events: string[] = [];
    const done = new Promise<unknown>((resolve) => {
      void source.watch(
        'Namespace',
        '10',
        (type: WatchEventType, object: unknown) => {
          events.push(
            `${type}:${(object as { metadata: { resourceVersion: string } }).metadata.resourceVersion}`,
          );
        },
        resolve,
      );
    });
    const error = await done;
    expect(events).toEqual(['ADDED:11', 'BOOKMARK:12']);
    expect(isExpired(error)).toBe(true);
    expect(statusOf(error)).toBe(410);
    const url = new URL(api.seen[0]!.url, 'http://x');
    expect(url.pathname).toBe('/api/v1/namespaces');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      watch: 'true',
      resourceVersion: '10',
      allowWatchBookmarks: 'true',
      timeoutSeconds: '60',
    });
  });

  it('merge-patches the ProfilePolicy status subresource', async () => {
    const api = await apiServer((request, response) => {
      json(response, 200, {
        apiVersion: 'profile-guard.io/v1alpha1',
        kind: 'ProfilePolicy',
        metadata: { name: 'p' },
      });
    });
    server = api.server;
    const status = {
      observedGeneration: 2,
      conditions: [
        {
          type: 'Ready' as const,
          status: 'True' as const,
          reason: 'Accepted' as const,
          message: 'the policy is valid and in force',
          observedGeneration: 2,
          lastTransitionTime: '2025-01-01T00:00:00.000Z',
        },
      ],
    };
    await createKubeStatusWriter(api.config).writeStatus('p', status);
    expect(api.seen).toHaveLength(1);
    const [request] = api.seen;
    expect(request!.method).toBe('PATCH');
    expect(request!.url).toBe(
      '/apis/profile-guard.io/v1alpha1/profilepolicies/p/status?fieldManager=profile-guard',
    );
    expect(request!.contentType).toBe('application/merge-patch+json');
    expect(JSON.parse(request!.body)).toEqual({ status });
  });

  it('creates core/v1 Events in the event’s namespace', async () => {
    const api = await apiServer((request, response) => {
      json(response, 201, {
        ...JSON.parse(request.body),
        metadata: { name: 'alice.abcde', namespace: 'alice' },
      });
    });
    server = api.server;
    const event: PolicyEvent = {
      metadata: { generateName: 'alice.', namespace: 'alice' },
      involvedObject: {
        apiVersion: 'kubeflow.org/v1',
        kind: 'Profile',
        name: 'alice',
        namespace: 'alice',
      },
      reason: 'PolicyViolation',
      type: 'Warning',
      message:
        'CREATE by bob@example.com denied: profile-owner-immutable: spec.owner cannot change',
      action: 'Admission',
      count: 1,
      firstTimestamp: '2025-01-01T00:00:00.000Z',
      lastTimestamp: '2025-01-01T00:00:00.000Z',
      source: { component: 'profile-guard', host: 'pod-1' },
      reportingComponent: 'profile-guard',
      reportingInstance: 'pod-1',
    };
    await createKubeEventSink(api.config).create(event);
    const [request] = api.seen;
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe('/api/v1/namespaces/alice/events');
    expect(JSON.parse(request!.body)).toEqual({ apiVersion: 'v1', kind: 'Event', ...event });
  });

  it('lists LimitRanges of every namespace', async () => {
    const api = await apiServer((_request, response) => {
      json(response, 200, {
        kind: 'LimitRangeList',
        apiVersion: 'v1',
        metadata: { resourceVersion: '7' },
        items: [
          {
            metadata: { name: 'profile-guard-defaults', namespace: 'alice' },
            spec: { limits: [{ type: 'Container', defaultRequest: { cpu: '100m' } }] },
          },
        ],
      });
    });
    server = api.server;
    const result = await createKubeWatchSource(api.config).list('LimitRange');
    expect(api.seen[0]?.url).toBe('/api/v1/limitranges?limit=500');
    expect(result.items).toMatchObject([
      {
        apiVersion: 'v1',
        kind: 'LimitRange',
        metadata: { name: 'profile-guard-defaults', namespace: 'alice' },
        spec: { limits: [{ type: 'Container', defaultRequest: { cpu: '100m' } }] },
      },
    ]);
  });

  it('server-side applies a LimitRange by name, forcing only when asked', async () => {
    const api = await apiServer((request, response) => {
      json(response, 200, {
        ...JSON.parse(request.body),
        metadata: { name: 'profile-guard-defaults', namespace: 'alice', resourceVersion: '9' },
      });
    });
    server = api.server;
    const writer = createKubeLimitRangeWriter(api.config);
    const manifest = limitRangeManifest(
      'alice',
      { defaultRequest: { cpu: '100m' }, default: {} },
      '8',
    );

    const stored = await writer.apply(manifest, false);
    await writer.apply(manifest, true);

    expect(api.seen.map((request) => `${request.method} ${request.url}`)).toEqual([
      'PATCH /api/v1/namespaces/alice/limitranges/profile-guard-defaults?fieldManager=profile-guard&force=false',
      'PATCH /api/v1/namespaces/alice/limitranges/profile-guard-defaults?fieldManager=profile-guard&force=true',
    ]);
    expect(api.seen[0]?.contentType).toBe('application/apply-patch+yaml');
    expect(JSON.parse(api.seen[0]?.body ?? '')).toEqual(manifest);
    expect(stored).toMatchObject({ metadata: { resourceVersion: '9' } });
  });

  it('deletes a LimitRange with uid and resourceVersion preconditions; gone already is fine', async () => {
    let status = 200;
    const api = await apiServer((_request, response) => {
      json(response, status, { kind: 'Status', apiVersion: 'v1', code: status });
    });
    server = api.server;
    const writer = createKubeLimitRangeWriter(api.config);
    const preconditions = { uid: 'u-1', resourceVersion: '12' };

    await writer.delete('alice', 'profile-guard-defaults', preconditions);
    status = 404;
    await writer.delete('alice', 'profile-guard-defaults', preconditions);
    status = 409;
    const conflict = await writer
      .delete('alice', 'profile-guard-defaults', preconditions)
      .catch((error: unknown) => error);

    expect(api.seen[0]?.method).toBe('DELETE');
    expect(api.seen[0]?.url).toBe('/api/v1/namespaces/alice/limitranges/profile-guard-defaults');
    expect(JSON.parse(api.seen[0]?.body ?? '')).toEqual({ preconditions });
    expect(statusOf(conflict)).toBe(409);
  });

  it('dry-run creates a Profile: the admitted object and its warnings, or the refusal', async () => {
    let refuse = false;
    const api = await apiServer((request, response) => {
      if (refuse) {
        json(response, 403, {
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          message: 'admission webhook "x" denied the request: no',
          code: 403,
        });
        return;
      }
      response.writeHead(201, {
        'content-type': 'application/json',
        warning: '299 - "first: a \\"quoted\\" word", 299 - "second, with a comma"',
      });
      response.end(request.body);
    });
    server = api.server;
    const dryRun = createProfileDryRun(api.config);
    const profile = { apiVersion: 'kubeflow.org/v1', kind: 'Profile', metadata: { name: 'p' } };

    expect(await dryRun.create(profile)).toEqual({
      kind: 'admitted',
      object: profile,
      warnings: ['first: a "quoted" word', 'second, with a comma'],
    });
    refuse = true;
    expect(await dryRun.create(profile)).toEqual({
      kind: 'refused',
      status: 403,
      message: 'admission webhook "x" denied the request: no',
    });
    expect(api.seen.map((request) => `${request.method} ${request.url}`)).toEqual([
      'POST /apis/kubeflow.org/v1/profiles?dryRun=All',
      'POST /apis/kubeflow.org/v1/profiles?dryRun=All',
    ]);
    expect(JSON.parse(api.seen[0]?.body ?? '')).toEqual(profile);
  });

  it('reads the texts of Warning headers in one pass', () => {
    expect(parseWarningHeader('')).toEqual([]);
    expect(parseWarningHeader('299 - "a"')).toEqual(['a']);
    expect(parseWarningHeader('299 - "unterminated')).toEqual([]);
    expect(parseWarningHeader('299 - "x\\\\y"')).toEqual(['x\\y']);
  });

  it('native policies: lists by label (every page), applies server-side by name, deletes with preconditions', async () => {
    const api = await apiServer((request, response) => {
      const url = new URL(request.url, 'http://x');
      if (request.method === 'GET') {
        const more = url.searchParams.get('continue') === null;
        json(response, 200, {
          apiVersion: 'admissionregistration.k8s.io/v1',
          kind: 'ValidatingAdmissionPolicyList',
          metadata: more ? { continue: 'next' } : {},
          items: [{ metadata: { name: more ? 'pg-a' : 'pg-b' } }],
        });
      } else if (request.method === 'DELETE' && url.pathname.endsWith('/gone')) {
        json(response, 404, { kind: 'Status', code: 404, reason: 'NotFound' });
      } else {
        json(response, 200, { metadata: { name: 'x' } });
      }
    });
    server = api.server;
    const store = createKubeNativeStore(api.config);
    const listed = await store.list('ValidatingAdmissionPolicy', 'profile-guard.io/native-set=pg');
    expect(listed.map((item) => (item as { metadata: { name: string } }).metadata.name)).toEqual([
      'pg-a',
      'pg-b',
    ]);
    const manifest = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingAdmissionPolicy',
      metadata: { name: 'pg-profiles-defaults' },
      spec: { mutations: [] },
    };
    await store.apply(manifest);
    await store.delete('ValidatingAdmissionPolicy', 'pg-a', { uid: 'u-1', resourceVersion: '42' });
    await store.delete('MutatingAdmissionPolicy', 'gone', { uid: 'u-2', resourceVersion: '7' });
    expect(api.seen.map((request) => `${request.method} ${request.url}`)).toEqual([
      'GET /apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies?labelSelector=profile-guard.io%2Fnative-set%3Dpg&limit=100',
      'GET /apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies?continue=next&labelSelector=profile-guard.io%2Fnative-set%3Dpg&limit=100',
      'PATCH /apis/admissionregistration.k8s.io/v1/mutatingadmissionpolicies/pg-profiles-defaults?fieldManager=profile-guard-native&force=true',
      'DELETE /apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/pg-a',
      'DELETE /apis/admissionregistration.k8s.io/v1/mutatingadmissionpolicies/gone',
    ]);
    expect(api.seen[2]?.contentType).toBe('application/apply-patch+yaml');
    expect(JSON.parse(api.seen[2]!.body)).toEqual(manifest);
    expect(JSON.parse(api.seen[3]!.body)).toMatchObject({
      preconditions: { uid: 'u-1', resourceVersion: '42' },
    });
  });

  it("native policies: other failures are the caller's (retried by the sync)", async () => {
    const api = await apiServer((_request, response) => {
      json(response, 403, { kind: 'Status', code: 403, reason: 'Forbidden' });
    });
    server = api.server;
    const store = createKubeNativeStore(api.config);
    await expect(
      store.delete('ValidatingAdmissionPolicy', 'pg-a', { uid: 'u', resourceVersion: '1' }),
    ).rejects.toMatchObject({ code: 403 });
    await expect(store.list('MutatingAdmissionPolicy', 'a=b')).rejects.toMatchObject({ code: 403 });
  });
});
