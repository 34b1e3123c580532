import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { loadE2eEnv } from '../harness/e2e-env.js';
import { eventually } from '../harness/eventually.js';
import { getObject, kubectl, kubectlOk, type KubectlOptions } from '../harness/kubectl.js';
import { ScratchDir, profile, type Manifest } from '../harness/manifests.js';
import {
  NATIVE_ON,
  disableNative,
  enableNative,
  nativeObjects,
  registerWebhooks,
  restoreWebhooks,
  waitForWebhookCalls,
  NATIVE_DENIAL,
} from '../harness/native.js';
import { embeddedDefaultSpec, profilePolicy } from '../harness/policies.js';
import { startWebhook, stopWebhook, webhookRunning } from '../harness/webhook-control.js';

const env = loadE2eEnv();
const scratch = new ScratchDir();
const describeManaged = env.managed !== undefined ? describe : describe.skip;
const PROFILE_LABEL = 'app.kubernetes.io/part-of';
const RUN = Date.now().toString(36).slice(-5);
/** A Namespace that belongs to bob, so that a Profile of that name is a takeover. */
const BOBS_NAMESPACE = `e2e-nomutate-bob-${RUN}`;
/** A selector policy that governs every Profile created without this label. */
const SELECTOR_POLICY = 'e2e-nomutate-selector';
const SELECTOR_KEY = 'e2e-nomutate-team';
const WEBHOOK_DENIAL =
  'admission webhook "profiles.validate.profile-guard.io" denied the request: ';
const DEFAULT_QUOTA = {
  cpu: '4',
  memory: '16Gi',
  persistentvolumeclaims: '10',
  'requests.storage': '100Gi',
};

/** `kubectl create --dry-run=server -o json -f -` of one manifest as alice; the result. */
function tryCreate(manifest: Manifest, options: KubectlOptions = { as: 'alice' }) {
  return kubectl(env, ['create', '--dry-run=server', '-o', 'json', '-f', '-'], {
    ...options,
    input: JSON.stringify(manifest),
  });
}

/** The admitted object's labels and spec, from `tryCreate`'s stdout. */
function admitted(stdout: string): { labels: unknown; spec: unknown } {
  const object = JSON.parse(stdout) as { metadata: { labels?: unknown }; spec?: unknown };
  return { labels: object.metadata.labels, spec: object.spec };
}

describeManaged(
  'backstop without the Profile mutating webhook (native.backstop, webhooks.mutate.profiles.enabled=false)',
  () => {
    beforeAll(async () => {
      await enableNative(env);
      const hooks = async (kind: string) =>
        (
          JSON.parse(await kubectlOk(env, ['get', kind, 'profile-guard', '-o', 'json'])) as {
            webhooks: { name: string; failurePolicy: string }[];
          }
        ).webhooks.map((hook) => `${hook.name} ${hook.failurePolicy}`);
      // Rendered without the Profile mutating webhook; applied afresh (an apply over e2e-up.sh's
      // configuration would keep the webhook it no longer lists).
      await kubectl(env, ['delete', 'mutatingwebhookconfiguration', 'profile-guard']);
      await registerWebhooks(env, [
        'native.enabled=true',
        'native.backstop=true',
        'webhooks.mutate.profiles.enabled=false',
      ]);
      expect(await hooks('mutatingwebhookconfiguration')).toEqual([
        'namespaces.mutate.profile-guard.io Ignore',
      ]);
      expect(await hooks('validatingwebhookconfiguration')).toContain(
        'profiles.validate.profile-guard.io Ignore',
      );
      await eventually(async () => {
        expect((await nativeObjects(env)).size).toBe(4);
        const reserved = await tryCreate(profile('kubeflow', 'alice@example.com'));
        expect(reserved.stderr).toContain(`${NATIVE_DENIAL}profile-name-reserved`);
        // The MutatingAdmissionPolicy acts too (the policies become active one by one).
        const valid = await tryCreate(profile(`e2e-nomutate-probe-${RUN}`, 'alice@example.com'));
        expect(valid.code).toBe(0);
      });
      await kubectlOk(env, ['apply', '-f', '-'], {
        input: JSON.stringify({
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: BOBS_NAMESPACE, annotations: { owner: 'bob@example.com' } },
        }),
      });
    }, 240000);

    afterAll(async () => {
      if (!(await webhookRunning(env))) {
        await startWebhook(env, { extraArgs: NATIVE_ON, ready: waitForWebhookCalls });
      }
      await kubectl(env, ['delete', 'profilepolicy', SELECTOR_POLICY, '--ignore-not-found']);
      await restoreWebhooks(env);
      await kubectl(env, [
        'delete',
        'namespace',
        BOBS_NAMESPACE,
        '--ignore-not-found',
        '--wait=false',
      ]);
      await disableNative(env);
      scratch.remove();
    }, 240000);

    test('the webhook up: the MutatingAdmissionPolicy adds the defaults, the validating webhook still judges (stateful rules, profile-defaults-applied)', async () => {
      const valid = await tryCreate(profile(`e2e-nomutate-${RUN}`, 'alice@example.com'));
      expect(valid.code).toBe(0);
      expect(admitted(valid.stdout)).toEqual({
        labels: { [PROFILE_LABEL]: 'kubeflow-profile' },
        spec: {
          owner: { kind: 'User', name: 'alice@example.com' },
          resourceQuotaSpec: { hard: DEFAULT_QUOTA },
        },
      });
      // Only the webhook knows who owns the Namespace: it is called, and denies the takeover.
      const takeover = await tryCreate(profile(BOBS_NAMESPACE, 'alice@example.com'));
      expect(takeover.code).toBe(1);
      expect(takeover.stderr).toContain(`${WEBHOOK_DENIAL}profile-namespace-takeover: `);
    });

    test('a Profile a selector policy governs gets no defaults natively: the validating webhook denies it (fail closed) until it comes with them', async () => {
      await kubectlOk(env, ['apply', '-f', '-'], {
        input: JSON.stringify(
          profilePolicy(SELECTOR_POLICY, {
            ...embeddedDefaultSpec(),
            selector: { matchExpressions: [{ key: SELECTOR_KEY, operator: 'DoesNotExist' }] },
          } as never),
        ),
      });
      const name = `e2e-nomutate-sel-${RUN}`;
      await eventually(
        async () => {
          const bare = await tryCreate(profile(name, 'alice@example.com'));
          expect(bare.code).toBe(1);
          expect(bare.stderr).toContain(`${WEBHOOK_DENIAL}profile-defaults-applied: `);
        },
        { timeoutMs: 60000 },
      );
      const complete = await tryCreate(
        profile(name, 'alice@example.com', {
          labels: { [PROFILE_LABEL]: 'kubeflow-profile' },
          spec: { resourceQuotaSpec: { hard: DEFAULT_QUOTA } },
        }),
      );
      expect(complete.code).toBe(0);
      await kubectlOk(env, ['delete', 'profilepolicy', SELECTOR_POLICY]);
      // Back to the selector-less policy: serve rewrites every native object without the match
      // condition; the MutatingAdmissionPolicy adds the defaults again and the Enforce policy
      // (which runs before the validating webhook) denies a reserved name itself.
      await eventually(
        async () => {
          const again = await tryCreate(profile(name, 'alice@example.com'));
          expect(again.code).toBe(0);
          expect(admitted(again.stdout).spec).toMatchObject({
            resourceQuotaSpec: { hard: DEFAULT_QUOTA },
          });
          const reserved = await tryCreate(profile('kubeflow', 'alice@example.com'));
          expect(reserved.stderr).toContain(`${NATIVE_DENIAL}profile-name-reserved: `);
          for (const object of (await nativeObjects(env)).values()) {
            expect(JSON.stringify(object)).not.toContain('not-governed-by-a-selector-policy');
          }
        },
        { timeoutMs: 60000 },
      );
    });

    test('the webhook killed: the defaults from the MutatingAdmissionPolicy, violations denied in-process', async () => {
      await stopWebhook(env, 'kill');
      expect(await webhookRunning(env)).toBe(false);
      const valid = await tryCreate(profile(`e2e-nomutate-down-${RUN}`, 'alice@example.com'));
      expect(valid.code).toBe(0);
      expect(admitted(valid.stdout).spec).toMatchObject({
        resourceQuotaSpec: { hard: DEFAULT_QUOTA },
      });
      const reserved = await tryCreate(profile('kubeflow', 'alice@example.com'));
      expect(reserved.code).toBe(1);
      expect(reserved.stderr).toContain(`${NATIVE_DENIAL}profile-name-reserved: `);
      expect(reserved.stderr).not.toContain('failed calling webhook');
      // Unchanged from backstop mode: the stateful takeover is not enforced during the outage.
      const takeover = await tryCreate(profile(BOBS_NAMESPACE, 'alice@example.com'));
      expect(takeover.code).toBe(0);
      expect(await getObject(env, ['profile', BOBS_NAMESPACE])).toBeUndefined();
    });
  },
);
