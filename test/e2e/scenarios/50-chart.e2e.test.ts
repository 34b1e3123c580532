import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { parseAllDocuments } from 'yaml';

import { REPO_DIR, loadE2eEnv } from '../harness/e2e-env.js';
import { getObject, kubectl, kubectlOk } from '../harness/kubectl.js';
import { ScratchDir } from '../harness/manifests.js';

const run = promisify(execFile);
const env = loadE2eEnv();
const scratch = new ScratchDir();
const THIRD_PARTY_CRDS = join(REPO_DIR, 'test/e2e/fixtures/crds/third-party');
/** Installing CRDs is fine in the suite's own cluster; elsewhere only when asked to. */
const mayInstallCrds = env.managed !== undefined || process.env.E2E_INSTALL_CRDS === '1';

interface Rendered {
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly [key: string]: unknown;
}

function documents(file: string): Rendered[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((document) => document.toJS() as Rendered | null)
    .filter((object): object is Rendered => object !== null);
}

let variants: string[] = [];

beforeAll(async () => {
  const helm = env.managed?.helm ?? process.env.HELM;
  await run('bash', [join(REPO_DIR, 'test/chart/render.sh'), '--out', scratch.path], {
    env: { ...process.env, ...(helm === undefined ? {} : { HELM: helm }) },
    maxBuffer: 16 * 1024 * 1024,
  });
  variants = readdirSync(scratch.path)
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => name.slice(0, -'.yaml'.length))
    .sort();
}, 300000);

afterAll(() => {
  scratch.remove();
});

describe('the Helm chart', () => {
  (mayInstallCrds ? test : test.skip)(
    'every rendered variant is accepted by the API server (kubectl apply --dry-run=server)',
    async () => {
      expect(variants.length).toBeGreaterThanOrEqual(4);
      for (const crds of [join(scratch.path, 'crds'), THIRD_PARTY_CRDS]) {
        const names = await kubectlOk(env, ['apply', '--server-side', '-o', 'name', '-f', crds]);
        await kubectlOk(env, [
          'wait',
          '--for=condition=Established',
          '--timeout=60s',
          ...names.split('\n').filter(Boolean),
        ]);
      }
      const failures: string[] = [];
      for (const variant of variants) {
        const file = join(scratch.path, `${variant}.yaml`);
        const objects = documents(file);
        // Namespaces the variant puts objects into must exist first (helm does not create them).
        const namespaces = new Set(
          objects.map((o) => o.metadata.namespace).filter((n) => n !== undefined),
        );
        for (const namespace of namespaces) {
          if ((await getObject(env, ['namespace', namespace])) === undefined) {
            await kubectlOk(env, ['create', 'namespace', namespace]);
          }
        }

        const result = await kubectl(env, ['apply', '--dry-run=server', '-f', file]);

        const lines = result.stdout.split('\n').filter(Boolean);
        if (
          result.code !== 0 ||
          result.stderr !== '' ||
          lines.length !== objects.length ||
          !lines.every((line) => line.endsWith(' (server dry run)'))
        ) {
          failures.push(`${variant}: exit ${result.code}\n${result.stdout}${result.stderr}`);
        }
      }
      expect(failures).toEqual([]);
    },
  );

  // With E2E_KUBECONFIG the chart was installed with values of its own.
  (env.managed === undefined ? test.skip : test)(
    'the suite registers exactly the webhooks the chart ships, only clientConfig differs',
    async () => {
      const rendered = documents(join(scratch.path, 'default.yaml')).filter((o) =>
        ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'].includes(o.kind),
      );
      expect(rendered.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
        'MutatingWebhookConfiguration/profile-guard',
        'ValidatingWebhookConfiguration/profile-guard',
      ]);
      for (const configuration of rendered) {
        const resource = configuration.kind.toLowerCase();
        const live = await getObject(env, [resource, configuration.metadata.name]);
        const strip = (webhooks: unknown) =>
          (webhooks as Record<string, unknown>[]).map(
            ({ clientConfig: _ignored, ...rest }) => rest,
          );
        const liveWebhooks = strip(live?.webhooks);
        const chartWebhooks = strip(configuration.webhooks);
        expect(liveWebhooks.map((w) => w.name)).toEqual(chartWebhooks.map((w) => w.name));
        // Live objects carry the API server's defaults too; everything the chart sets is identical.
        chartWebhooks.forEach((webhook, i) => {
          expect(liveWebhooks[i]).toMatchObject(webhook);
        });
      }
    },
  );
});
