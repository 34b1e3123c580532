/**
 * `serve --no-limit-ranges`: the cluster connection lists and watches LimitRanges (for the
 * LimitRange reconciler) by default, and not at all with the flag, against a stand-in API server.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Registry } from 'prom-client';

import { connectCluster } from '../../src/app/cluster-connection.js';
import { embeddedPolicy } from '../../src/app/policy-source.js';
import { runServe } from '../../src/cli/serve/run-serve.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { memoryLogger } from '../../src/observability/test-support/memory-logger.js';
import { eventually, standInKubeconfig } from './cli-support.js';

let dir: string;
let api: Server;
let paths: string[];
const watches = new Set<ServerResponse>();

beforeAll(async () => {
  await import('@kubernetes/client-node');
  dir = await mkdtemp(join(tmpdir(), 'pg-limit-ranges-flag-'));
  paths = [];
  api = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    response.writeHead(200, { 'content-type': 'application/json' });
    if (url.searchParams.get('watch') === 'true') {
      response.flushHeaders();
      watches.add(response);
      return;
    }
    // Lists only: a watch of the previous connection may still arrive after it stopped.
    paths.push(url.pathname);
    response.end(
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        metadata: { resourceVersion: '1' },
        items: [],
      }),
    );
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  const { port } = api.address() as AddressInfo;
  await writeFile(join(dir, 'kubeconfig'), standInKubeconfig(port));
});

afterAll(async () => {
  for (const response of watches) response.destroy();
  api.closeAllConnections();
  await new Promise((resolve) => api.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

describe('serve --no-limit-ranges', () => {
  const connect = async (limitRanges: boolean | undefined) => {
    paths.length = 0;
    const metrics = createMetrics(new Registry(), { processMetrics: false });
    const connection = await connectCluster({
      cluster: {
        mode: 'on',
        kubeconfig: join(dir, 'kubeconfig'),
        ...(limitRanges === undefined ? {} : { limitRanges }),
      },
      logger: memoryLogger().logger,
      metrics,
      env: {},
      homeDir: dir,
      clusterPolicies: false,
    });
    connection.start(() => undefined, embeddedPolicy(metrics));
    // All kinds are listed at once; with LimitRanges on, wait for theirs as well.
    await eventually(
      () => connection.synced() && (limitRanges === false || paths.includes('/api/v1/limitranges')),
    );
    const listed = [...paths];
    await connection.stop(0);
    return listed;
  };

  it('lists LimitRanges by default', async () => {
    expect(await connect(undefined)).toContain('/api/v1/limitranges');
  });

  it('never asks for LimitRanges with limitRanges: false', async () => {
    const listed = await connect(false);
    expect(listed).toContain('/api/v1/namespaces');
    expect(listed).not.toContain('/api/v1/limitranges');
  });

  it('is a serve flag, documented in its usage', async () => {
    let stdout = '';
    const code = await runServe(['--no-limit-ranges', '--help'], {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: () => true },
      env: {},
    });
    expect(code).toBe(0);
    expect(stdout).toContain('--no-limit-ranges      keep no LimitRange profile-guard-defaults');
  });
});
