import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Registry } from 'prom-client';

import { runServe } from '../../src/cli/serve/run-serve.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { memoryLogger } from '../../src/observability/test-support/memory-logger.js';
import { connectCluster } from '../../src/app/cluster-connection.js';

let dir: string;

beforeAll(async () => {
  // Loaded once up front: Jest's ESM loader trips over concurrent first imports of one graph.
  await import('@kubernetes/client-node');
  dir = await mkdtemp(join(tmpdir(), 'pg-reports-flag-'));
  // Never contacted: connectCluster only builds the clients until start().
  await writeFile(
    join(dir, 'kubeconfig'),
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: c\n  cluster:\n    server: http://127.0.0.1:1',
      'users:',
      '- name: u\n  user:\n    token: t',
      'contexts:',
      '- name: c\n  context:\n    cluster: c\n    user: u',
      'current-context: c',
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('serve --no-reports', () => {
  const connect = async (reports: boolean | undefined) => {
    const connection = await connectCluster({
      cluster: {
        mode: 'on',
        kubeconfig: join(dir, 'kubeconfig'),
        ...(reports === undefined ? {} : { reports }),
      },
      logger: memoryLogger().logger,
      metrics: createMetrics(new Registry()),
      env: {},
      homeDir: dir,
      clusterPolicies: false,
    });
    const count = connection.observers.length;
    await connection.stop(0);
    return count;
  };

  it('writes PolicyReports by default in a cluster (Events and PolicyReports observe)', async () => {
    expect(await connect(undefined)).toBe(2);
    expect(await connect(true)).toBe(2);
  });

  it('leaves the PolicyReport observer out with reports: false', async () => {
    expect(await connect(false)).toBe(1);
  });

  it('is a serve flag, documented in its usage', async () => {
    let stdout = '';
    const code = await runServe(['--no-reports', '--help'], {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: () => true },
      env: {},
    });
    expect(code).toBe(0);
    expect(stdout).toContain('--no-reports           write no PolicyReports');
  });
});
