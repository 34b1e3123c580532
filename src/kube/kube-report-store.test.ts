import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import {
  createKubeReportDiscovery,
  createKubeReportReader,
  createKubeReportWriter,
  ReportReadError,
} from './kube-report-store.js';
import { mergeReport } from './policy-reports.js';
import { OPENREPORTS_API, WGPOLICY_API } from './report-apis.js';
import { statusOf } from './watch-source.js';

interface Seen {
  method: string;
  url: string;
  body: string;
}

type Route = (request: Seen, response: ServerResponse) => void;

const json = (response: ServerResponse, status: number, body: unknown): void => {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
};

const statusBody = (code: number, reason: string, message: string) => ({
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  code,
  reason,
  message,
});

describe('client-node report store', () => {
  let server: Server | undefined;
  afterEach(async () => {
    const running = server;
    server = undefined;
    if (running === undefined) return;
    running.closeAllConnections();
    await new Promise<void>((resolve) =>
      running.close(() => {
        resolve();
      }),
    );
  });

  /** A stand-in API server on loopback that records requests and answers through `route`. */
  async function apiServer(route: Route): Promise<{ config: KubeConfig; seen: Seen[] }> {
    const seen: Seen[] = [];
    server = createServer((request: IncomingMessage, response: ServerResponse) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const entry = {
          method: request.method ?? '',
          url: request.url ?? '',
          body: Buffer.concat(chunks).toString(),
        };
        seen.push(entry);
        route(entry, response);
      });
    });
    const listening = server;
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
    const { port } = listening.address() as AddressInfo;
    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: 'test', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'test', token: 'secret-token' }],
      contexts: [{ name: 'test', cluster: 'test', user: 'test' }],
      currentContext: 'test',
    });
    return { config, seen };
  }

  const limits = { maxResults: 500, maxBytes: 1_000_000 };

  it('gets, creates and replaces namespaced and cluster reports at the wgpolicyk8s.io paths', async () => {
    const stored = {
      apiVersion: 'wgpolicyk8s.io/v1alpha2',
      kind: 'PolicyReport',
      metadata: { name: 'profile-guard', namespace: 'alice', resourceVersion: '12' },
      results: [{ result: 'fail' }, 'junk'],
    };
    const api = await apiServer((request, response) => {
      if (request.method === 'GET' && request.url.includes('/namespaces/alice/')) {
        json(response, 200, stored);
      } else if (request.method === 'GET') {
        json(response, 404, statusBody(404, 'NotFound', 'not found'));
      } else if (request.method === 'PUT') {
        json(response, 409, statusBody(409, 'Conflict', 'the object has been modified'));
      } else {
        json(response, 201, JSON.parse(request.body));
      }
    });
    const writer = createKubeReportWriter(api.config);

    const alice = await writer.get('alice');
    expect(alice).toEqual({ object: stored, results: [{ result: 'fail' }], resourceVersion: '12' });
    expect(await writer.get('')).toBeUndefined();

    await writer.create(mergeReport('', undefined, [{ result: 'warn' }], limits));
    const conflict = await writer
      .replace(mergeReport('alice', alice, [{ result: 'warn' }], limits))
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(statusOf(conflict)).toBe(409);

    expect(api.seen.map((request) => `${request.method} ${request.url}`)).toEqual([
      'GET /apis/wgpolicyk8s.io/v1alpha2/namespaces/alice/policyreports/profile-guard',
      'GET /apis/wgpolicyk8s.io/v1alpha2/clusterpolicyreports/profile-guard',
      'POST /apis/wgpolicyk8s.io/v1alpha2/clusterpolicyreports?fieldManager=profile-guard',
      'PUT /apis/wgpolicyk8s.io/v1alpha2/namespaces/alice/policyreports/profile-guard?fieldManager=profile-guard',
    ]);
    expect(JSON.parse(api.seen[2]?.body ?? '')).toEqual({
      apiVersion: 'wgpolicyk8s.io/v1alpha2',
      kind: 'ClusterPolicyReport',
      metadata: {
        name: 'profile-guard',
        labels: { 'app.kubernetes.io/managed-by': 'profile-guard' },
      },
      summary: { pass: 0, fail: 0, warn: 1, error: 0, skip: 0 },
      results: [{ result: 'warn' }],
    });
    expect(JSON.parse(api.seen[3]?.body ?? '')).toMatchObject({
      metadata: { namespace: 'alice', resourceVersion: '12' },
      results: [{ result: 'fail' }, { result: 'warn' }],
    });
  });

  it('reads every page of labelled PolicyReports, then the ClusterPolicyReport', async () => {
    const report = (namespace: string, name = 'profile-guard') => ({
      kind: 'PolicyReport',
      metadata: { name, namespace },
    });
    const api = await apiServer((request, response) => {
      const url = new URL(request.url, 'http://x');
      if (url.pathname === '/apis/wgpolicyk8s.io/v1alpha2/policyreports') {
        const second = url.searchParams.get('continue') === 'page-2';
        json(response, 200, {
          kind: 'PolicyReportList',
          metadata: second ? {} : { continue: 'page-2' },
          items: second ? [report('b')] : [report('a'), report('a', 'someone-else')],
        });
      } else {
        json(response, 200, { kind: 'ClusterPolicyReport', metadata: { name: 'profile-guard' } });
      }
    });
    const seen: unknown[] = [];
    for await (const item of createKubeReportReader(api.config).reports(WGPOLICY_API, undefined))
      seen.push(item);
    expect(seen).toEqual([
      report('a'),
      report('b'),
      { kind: 'ClusterPolicyReport', metadata: { name: 'profile-guard' } },
    ]);
    const first = new URL(api.seen[0]?.url ?? '', 'http://x');
    expect(first.searchParams.get('labelSelector')).toBe(
      'app.kubernetes.io/managed-by=profile-guard',
    );
    expect(first.searchParams.get('limit')).toBe('100');
    expect(api.seen.map((request) => new URL(request.url, 'http://x').pathname)).toEqual([
      '/apis/wgpolicyk8s.io/v1alpha2/policyreports',
      '/apis/wgpolicyk8s.io/v1alpha2/policyreports',
      '/apis/wgpolicyk8s.io/v1alpha2/clusterpolicyreports/profile-guard',
    ]);
  });

  it('reads one namespace’s report; a missing one is no report', async () => {
    const api = await apiServer((_request, response) => {
      json(response, 404, statusBody(404, 'NotFound', 'policyreports "profile-guard" not found'));
    });
    const seen: unknown[] = [];
    for await (const item of createKubeReportReader(api.config).reports(WGPOLICY_API, 'alice'))
      seen.push(item);
    expect(seen).toEqual([]);
    expect(api.seen.map((request) => request.url)).toEqual([
      '/apis/wgpolicyk8s.io/v1alpha2/namespaces/alice/policyreports/profile-guard',
    ]);
  });

  it('explains a missing CRD and a refusal', async () => {
    const drain = async (status: number, message: string) => {
      const api = await apiServer((_request, response) => {
        json(response, status, statusBody(status, 'x', message));
      });
      try {
        for await (const _item of createKubeReportReader(api.config).reports(
          WGPOLICY_API,
          undefined,
        )) {
          // nothing
        }
        return undefined;
      } catch (error) {
        return error;
      } finally {
        const running = server;
        server = undefined;
        running?.closeAllConnections();
        await new Promise<void>((resolve) =>
          running?.close(() => {
            resolve();
          }),
        );
      }
    };
    const missing = await drain(404, 'the server could not find the requested resource');
    expect(missing).toBeInstanceOf(ReportReadError);
    expect((missing as Error).message).toBe(
      'the API server does not serve policyreports.wgpolicyk8s.io (is the PolicyReport CRD installed?)',
    );
    const forbidden = await drain(
      403,
      'policyreports.wgpolicyk8s.io is forbidden: User "bob" cannot list resource',
    );
    expect((forbidden as Error).message).toBe(
      'not allowed to list policyreports.wgpolicyk8s.io: policyreports.wgpolicyk8s.io is forbidden: User "bob" cannot list resource',
    );
  });

  it('writes and reads OpenReports at the openreports.io paths', async () => {
    const api = await apiServer((request, response) => {
      const url = new URL(request.url, 'http://x');
      if (request.method === 'GET' && url.pathname === '/apis/openreports.io/v1alpha1/reports') {
        json(response, 200, {
          kind: 'ReportList',
          metadata: {},
          items: [{ kind: 'Report', metadata: { name: 'profile-guard', namespace: 'a' } }],
        });
      } else if (request.method === 'GET') {
        json(response, 404, statusBody(404, 'NotFound', 'not found'));
      } else {
        json(response, 201, JSON.parse(request.body));
      }
    });
    const writer = createKubeReportWriter(api.config, OPENREPORTS_API);
    expect(writer.api).toBe(OPENREPORTS_API);
    expect(await writer.get('alice')).toBeUndefined();
    await writer.create(
      mergeReport('alice', undefined, [{ result: 'warn' }], limits, OPENREPORTS_API),
    );
    await writer.create(mergeReport('', undefined, [{ result: 'warn' }], limits, OPENREPORTS_API));
    const seen: unknown[] = [];
    for await (const item of createKubeReportReader(api.config).reports(
      OPENREPORTS_API,
      undefined,
    )) {
      seen.push(item);
    }
    expect(seen).toEqual([{ kind: 'Report', metadata: { name: 'profile-guard', namespace: 'a' } }]);
    expect(
      api.seen.map((request) => `${request.method} ${new URL(request.url, 'http://x').pathname}`),
    ).toEqual([
      'GET /apis/openreports.io/v1alpha1/namespaces/alice/reports/profile-guard',
      'POST /apis/openreports.io/v1alpha1/namespaces/alice/reports',
      'POST /apis/openreports.io/v1alpha1/clusterreports',
      'GET /apis/openreports.io/v1alpha1/reports',
      'GET /apis/openreports.io/v1alpha1/clusterreports/profile-guard',
    ]);
    expect(JSON.parse(api.seen[1]?.body ?? '')).toMatchObject({
      apiVersion: 'openreports.io/v1alpha1',
      kind: 'Report',
      source: 'profile-guard',
      metadata: { name: 'profile-guard', namespace: 'alice' },
    });
  });

  it('discovers which report APIs are served: both kinds, by API discovery', async () => {
    const api = await apiServer((request, response) => {
      if (request.url === '/apis/openreports.io/v1alpha1') {
        json(response, 200, {
          kind: 'APIResourceList',
          groupVersion: 'openreports.io/v1alpha1',
          resources: [
            { name: 'reports', namespaced: true, kind: 'Report', verbs: ['get'] },
            { name: 'clusterreports', namespaced: false, kind: 'ClusterReport', verbs: ['get'] },
          ],
        });
      } else if (request.url === '/apis/wgpolicyk8s.io/v1alpha2') {
        // Only one of the two CRDs installed: not usable.
        json(response, 200, {
          kind: 'APIResourceList',
          groupVersion: 'wgpolicyk8s.io/v1alpha2',
          resources: [{ name: 'policyreports', namespaced: true, kind: 'PolicyReport', verbs: [] }],
        });
      } else {
        json(response, 404, statusBody(404, 'NotFound', 'not found'));
      }
    });
    const served = createKubeReportDiscovery(api.config);
    expect(await served(OPENREPORTS_API)).toBe(true);
    expect(await served(WGPOLICY_API)).toBe(false);
    expect(await createKubeReportReader(api.config).servedApis()).toEqual([OPENREPORTS_API]);
  });

  it('discovery: 404 is not served, anything else is an error', async () => {
    const api = await apiServer((request, response) => {
      if (request.url.startsWith('/apis/openreports.io/')) {
        json(
          response,
          404,
          statusBody(404, 'NotFound', 'the server could not find the requested resource'),
        );
      } else {
        json(response, 503, statusBody(503, 'ServiceUnavailable', 'etcd is down'));
      }
    });
    const served = createKubeReportDiscovery(api.config);
    expect(await served(OPENREPORTS_API)).toBe(false);
    const failed = await served(WGPOLICY_API).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(statusOf(failed)).toBe(503);
    const reading = await createKubeReportReader(api.config)
      .servedApis()
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(reading).toBeInstanceOf(ReportReadError);
    expect((reading as Error).message).toBe(
      'cannot read policyreports.wgpolicyk8s.io: etcd is down',
    );
  });
});
