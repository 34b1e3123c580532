import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Registry } from 'prom-client';

import { runServe } from '../../src/cli/serve/run-serve.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { memoryLogger } from '../../src/observability/test-support/memory-logger.js';
import { connectCluster } from '../../src/app/cluster-connection.js';
import type { ReportsMode } from '../../src/kube/report-api-selector.js';

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

describe('serve --reports', () => {
  const connect = async (reports: ReportsMode | undefined) => {
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

  it('writes reports by default in a cluster (Events and reports observe)', async () => {
    expect(await connect(undefined)).toBe(2);
    for (const mode of ['auto', 'openreports', 'wgpolicy'] as const) {
      expect(await connect(mode)).toBe(2);
    }
  });

  it('leaves the report observer out with --reports off', async () => {
    expect(await connect('off')).toBe(1);
  });

  const serve = async (args: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await runServe(args, {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env: {},
    });
    return { code, stdout, stderr };
  };

  it('is a serve flag, with --no-reports as its alias, documented in the usage', async () => {
    const help = await serve(['--no-reports', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--reports API          where denials, warnings and Audit');
    expect(help.stdout).toContain('--no-reports           the same as --reports off');
    expect(help.stdout).toContain('--reports-discovery-interval S');
  });

  it.each([
    [
      ['--reports', 'kyverno'],
      'invalid value for --reports: "kyverno" (expected auto or openreports or wgpolicy or off)',
    ],
    [['--reports', 'auto', '--no-reports'], '--no-reports and --reports auto exclude each other'],
    [
      ['--reports-discovery-interval', '0'],
      'invalid value for --reports-discovery-interval: "0" (expected a positive whole number)',
    ],
  ])('%j exits 2: %s', async (args, message) => {
    const run = await serve([...args, '--no-cluster']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`profile-guard serve: ${message}\n`);
  });
});
