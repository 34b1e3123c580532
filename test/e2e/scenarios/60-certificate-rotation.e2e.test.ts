import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

import { afterAll, describe, expect, test } from '@jest/globals';

import { parseDenials, ruleIds } from '../harness/admission.js';
import { HARNESS_DIR, REPO_DIR, loadE2eEnv } from '../harness/e2e-env.js';
import { eventually } from '../harness/eventually.js';
import { kubectl } from '../harness/kubectl.js';
import { ScratchDir, profile } from '../harness/manifests.js';
import { presentedSerial } from '../harness/tls-probe.js';

const run = promisify(execFile);
const env = loadE2eEnv();
const scratch = new ScratchDir();
const managed = env.managed;

afterAll(() => {
  scratch.remove();
});

/** One admission round trip through the API server; undefined when the answer is the expected one. */
async function roundTrip(i: number): Promise<string | undefined> {
  const good = i % 2 === 0;
  const object = good
    ? profile(`e2e-rotation-${i}`, 'alice@example.com')
    : profile(`kube-rotation-${i}`, 'alice@example.com');
  const result = await kubectl(env, ['create', '--dry-run=server', '-f', '-'], {
    as: 'alice',
    input: JSON.stringify(object),
  });
  if (good && result.code === 0) return undefined;
  if (
    !good &&
    result.code === 1 &&
    ruleIds(parseDenials(result.stderr)[0]).join() === 'profile-name-reserved'
  ) {
    return undefined;
  }
  return `request ${i} (${good ? 'allowed' : 'denied'} expected): exit ${result.code}: ${result.stderr.trim()}`;
}

async function metricValue(port: number, name: string): Promise<number | undefined> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  const text = await response.text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('serving certificate rotation', () => {
  (managed === undefined ? test.skip : test)(
    'a new certificate swapped into --cert-dir is served without a failed request',
    async () => {
      if (managed === undefined) return;
      const caFile = join(managed.webhookCaDir, 'ca.crt');
      const oldSerial = await presentedSerial(managed.webhookPort, caFile);

      // A new serving pair from the same CA, as certs-scripts/generate.sh renews it (shorter
      // validity: visible in the expiry metric).
      const next = join(scratch.path, 'next');
      mkdirSync(next);
      for (const file of ['ca.crt', 'ca.key'])
        copyFileSync(join(managed.webhookCaDir, file), join(next, file));
      await run(
        join(REPO_DIR, 'certs-scripts/generate.sh'),
        [
          '--service',
          'profile-guard',
          '--namespace',
          env.releaseNamespace,
          '--out',
          next,
          '--ip',
          '127.0.0.1',
          '--dns',
          'localhost',
          '--days',
          '30',
        ],
        { env: { ...process.env, PROFILE_GUARD_BIN: `node ${join(REPO_DIR, 'dist/cli/bin.js')}` } },
      );
      expect(readFileSync(join(next, 'ca.crt'), 'utf8')).toBe(readFileSync(caFile, 'utf8'));
      const nextCert = new X509Certificate(readFileSync(join(next, 'tls.crt')));
      expect(nextCert.serialNumber.toUpperCase()).not.toBe(oldSerial);

      // Traffic through the API server all along: two clients, good and bad Profiles.
      const failures: string[] = [];
      let completed = 0;
      let completedAfterSwap = 0;
      let swapped = false;
      let stop = false;
      const client = async (offset: number) => {
        for (let i = offset; !stop; i += 2) {
          const failure = await roundTrip(i);
          if (failure !== undefined) failures.push(failure);
          completed += 1;
          if (swapped) completedAfterSwap += 1;
        }
      };
      const clients = [client(0), client(1)];
      try {
        await sleep(2000);
        // The kubelet's way: new timestamped directory, ..data symlink renamed over.
        await run('bash', [
          join(HARNESS_DIR, 'publish-serving-cert.sh'),
          managed.servingDir,
          join(next, 'tls.crt'),
          join(next, 'tls.key'),
        ]);
        await eventually(
          async () => {
            expect(await presentedSerial(managed.webhookPort, caFile)).toBe(
              nextCert.serialNumber.toUpperCase(),
            );
          },
          { timeoutMs: 30000 },
        );
        swapped = true;
        await eventually(
          () => {
            expect(completedAfterSwap).toBeGreaterThanOrEqual(6);
            return Promise.resolve();
          },
          { timeoutMs: 30000 },
        );
      } finally {
        stop = true;
        await Promise.all(clients);
      }

      expect(failures).toEqual([]);
      expect(completed).toBeGreaterThanOrEqual(10);
      expect(
        await metricValue(
          managed.metricsPort,
          'profile_guard_tls_certificate_expiry_timestamp_seconds',
        ),
      ).toBe(Math.floor(new Date(nextCert.validTo).getTime() / 1000));
    },
  );
});
