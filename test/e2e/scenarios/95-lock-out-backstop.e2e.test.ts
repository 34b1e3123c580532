import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { parseDenials, ruleIds } from '../harness/admission.js';
import { loadE2eEnv } from '../harness/e2e-env.js';
import { eventually } from '../harness/eventually.js';
import { getObject, kubectl, kubectlOk, type KubectlOptions } from '../harness/kubectl.js';
import { PROFILE_CONTROLLER } from '../harness/kubeflow-objects.js';
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
import { startWebhook, stopWebhook, webhookRunning } from '../harness/webhook-control.js';

const env = loadE2eEnv();
const scratch = new ScratchDir();
const describeManaged = env.managed !== undefined ? describe : describe.skip;
const rbac = 'rbac.authorization.k8s.io';
const PROFILE_LABEL = 'app.kubernetes.io/part-of';
const RUN = Date.now().toString(36).slice(-5);
/** A profile namespace, and a Profile of that name nobody owns yet (profile-namespace-takeover). */
const PROFILE_NS = `e2e-backstop-${RUN}`;
/** A Profile an admin created under a reserved prefix (admins are exempt), with a finalizer. */
const FINALIZED = `kube-e2e-backstop-${RUN}`;
/** A valid Profile alice creates during the outage. */
const CREATED = `e2e-backstop-alice-${RUN}`;
/** Kubeflow binds its profile controller to cluster-admin; it is not exempt. */
const CONTROLLER_ADMIN = `e2e-backstop-controller-admin-${RUN}`;

/** `kubectl create -f -` of one manifest; the result. */
function create(manifest: Manifest, options: KubectlOptions = {}, dryRun = false) {
  return kubectl(env, ['create', ...(dryRun ? ['--dry-run=server'] : []), '-f', '-'], {
    ...options,
    input: JSON.stringify(manifest),
  });
}

describeManaged(
  'backstop mode (native.backstop): the webhook killed, the native policies still decide',
  () => {
    beforeAll(async () => {
      await enableNative(env);
      await registerWebhooks(env, ['native.enabled=true', 'native.backstop=true']);
      const hooks = async (kind: string) =>
        Object.fromEntries(
          (
            JSON.parse(await kubectlOk(env, ['get', kind, 'profile-guard', '-o', 'json'])) as {
              webhooks: { name: string; failurePolicy: string }[];
            }
          ).webhooks.map((hook) => [hook.name, hook.failurePolicy]),
        );
      expect({
        ...(await hooks('mutatingwebhookconfiguration')),
        ...(await hooks('validatingwebhookconfiguration')),
      }).toEqual({
        'profiles.mutate.profile-guard.io': 'Ignore',
        'namespaces.mutate.profile-guard.io': 'Ignore',
        'profiles.validate.profile-guard.io': 'Ignore',
        'bindings.validate.profile-guard.io': 'Fail',
        'clusterrolebindings.validate.profile-guard.io': 'Fail',
        'authorizationpolicies.validate.profile-guard.io': 'Fail',
      });
      // The native policies are written and acted on.
      await eventually(async () => {
        expect((await nativeObjects(env)).size).toBe(4);
        const result = await create(
          profile('kubeflow', 'alice@example.com'),
          { as: 'alice' },
          true,
        );
        expect(result.stderr).toContain(`${NATIVE_DENIAL}profile-name-reserved`);
      });
      await kubectlOk(env, [
        'apply',
        '-f',
        scratch.write('setup.yaml', [
          {
            apiVersion: 'v1',
            kind: 'Namespace',
            metadata: { name: PROFILE_NS, labels: { [PROFILE_LABEL]: 'kubeflow-profile' } },
          },
          {
            apiVersion: `${rbac}/v1`,
            kind: 'ClusterRoleBinding',
            metadata: { name: CONTROLLER_ADMIN },
            roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: 'cluster-admin' },
            subjects: [
              {
                kind: 'ServiceAccount',
                name: 'profiles-controller-service-account',
                namespace: 'kubeflow',
              },
            ],
          },
        ]),
      ]);
      const finalized = profile(FINALIZED, 'alice@example.com');
      expect(
        await create({
          ...finalized,
          metadata: { name: FINALIZED, finalizers: ['kubeflow.org/e2e-backstop'] },
        }),
      ).toMatchObject({ code: 0 });
      // The API server makes the native policies act one by one (each once its CEL is compiled,
      // seconds on a busy machine): wait until the ratcheting warnings act too, with a dry-run
      // UPDATE of the stored violation by the profile controller.
      await eventually(async () => {
        const touched = await kubectl(
          env,
          ['annotate', '--dry-run=server', 'profile', FINALIZED, 'e2e.profile-guard.io/probe=1'],
          { impersonate: PROFILE_CONTROLLER },
        );
        expect(touched.stderr).toContain(
          "Warning: Validation failed for ValidatingAdmissionPolicy 'profile-guard-profiles-ratcheted'",
        );
      });

      await stopWebhook(env, 'kill');
      expect(await webhookRunning(env)).toBe(false);
    }, 240000);

    afterAll(async () => {
      if (!(await webhookRunning(env))) {
        await startWebhook(env, { extraArgs: NATIVE_ON, ready: waitForWebhookCalls });
      }
      await restoreWebhooks(env);
      await kubectl(env, [
        'patch',
        'profile',
        FINALIZED,
        '--type=merge',
        '-p',
        '{"metadata":{"finalizers":null}}',
      ]);
      await kubectl(env, [
        'delete',
        'profile',
        FINALIZED,
        CREATED,
        '--ignore-not-found',
        '--wait=false',
      ]);
      await kubectl(env, ['delete', 'namespace', PROFILE_NS, '--ignore-not-found', '--wait=false']);
      await kubectl(env, ['delete', 'clusterrolebinding', CONTROLLER_ADMIN, '--ignore-not-found']);
      await disableNative(env);
      scratch.remove();
    }, 240000);

    test("violating Profiles are denied in-process, for alice and the admin alike, with the webhook's messages", async () => {
      const reserved = await create(profile('kubeflow', 'alice@example.com'), { as: 'alice' });
      expect(reserved.code).toBe(1);
      expect(reserved.stderr).toContain(
        `${NATIVE_DENIAL}profile-name-reserved: metadata.name "kubeflow" is a reserved name`,
      );
      expect(reserved.stderr).not.toContain('failed calling webhook');

      // Structural rules hold for admins too.
      const misnamed = await create(profile('e2e.not-a-label', 'alice@example.com'));
      expect(misnamed.code).toBe(1);
      expect(misnamed.stderr).toContain(`${NATIVE_DENIAL}profile-name-format: `);

      const greedy = await create(
        profile(`e2e-greedy-${RUN}`, 'alice@example.com', {
          spec: { resourceQuotaSpec: { hard: { cpu: '1000' } } },
        }),
        { as: 'alice' },
      );
      expect(greedy.code).toBe(1);
      expect(greedy.stderr).toContain(`${NATIVE_DENIAL}profile-quota-max: `);
      for (const name of ['kubeflow', 'e2e.not-a-label', `e2e-greedy-${RUN}`]) {
        expect(await getObject(env, ['profile', name])).toBeUndefined();
      }
    });

    test('a valid Profile is created, with the defaults from the MutatingAdmissionPolicy', async () => {
      const created = await create(profile(CREATED, 'alice@example.com'), { as: 'alice' });
      expect(created).toEqual({
        code: 0,
        stdout: `profile.kubeflow.org/${CREATED} created\n`,
        stderr: '',
      });
      const stored = await getObject(env, ['profile', CREATED]);
      expect(stored?.metadata.labels).toEqual({ [PROFILE_LABEL]: 'kubeflow-profile' });
      expect((stored as { spec?: unknown } | undefined)?.spec).toEqual({
        owner: { kind: 'User', name: 'alice@example.com' },
        resourceQuotaSpec: {
          hard: {
            cpu: '4',
            memory: '16Gi',
            persistentvolumeclaims: '10',
            'requests.storage': '100Gi',
          },
        },
      });
    });

    test("the profile controller's finalizer removal (a metadata-only UPDATE) goes through", async () => {
      expect(await kubectl(env, ['delete', 'profile', FINALIZED, '--wait=false'])).toMatchObject({
        code: 0,
      });
      const removed = await kubectl(
        env,
        [
          'patch',
          'profile',
          FINALIZED,
          '--type=json',
          '-p',
          '[{"op":"remove","path":"/metadata/finalizers"}]',
        ],
        { impersonate: PROFILE_CONTROLLER },
      );
      // Allowed, the stored violation reported as a warning (ratcheting), as the webhook does.
      expect(removed.code).toBe(0);
      expect(removed.stderr).toBe(
        `Warning: Validation failed for ValidatingAdmissionPolicy 'profile-guard-profiles-ratcheted' with binding 'profile-guard-profiles-ratcheted': profile-name-reserved: metadata.name "${FINALIZED}" starts with the reserved prefix "kube-"\n`,
      );
      await eventually(async () => {
        expect(await getObject(env, ['profile', FINALIZED])).toBeUndefined();
      });
    });

    test('what the native policies cannot decide waits for the webhook: stateful rules, the other webhooks', async () => {
      // profile-namespace-takeover needs the cluster's Namespaces: not enforced during the outage.
      expect(
        await create(profile(PROFILE_NS, 'alice@example.com'), { as: 'alice' }, true),
      ).toMatchObject({ code: 0 });
      // The RoleBinding webhook is not a backstop: it still fails closed.
      const binding = await create(
        {
          apiVersion: `${rbac}/v1`,
          kind: 'RoleBinding',
          metadata: { name: 'e2e-backstop-grant', namespace: PROFILE_NS },
          roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: 'kubeflow-edit' },
          subjects: [{ apiGroup: rbac, kind: 'User', name: 'ops@example.com' }],
        },
        { impersonate: PROFILE_CONTROLLER },
      );
      expect(binding.code).toBe(1);
      expect(binding.stderr).toContain(
        'failed calling webhook "bindings.validate.profile-guard.io"',
      );
    });

    test('after a restart the webhook decides the stateful rules again', async () => {
      await startWebhook(env, { extraArgs: NATIVE_ON, ready: waitForWebhookCalls });
      await eventually(async () => {
        const takeover = await create(
          profile(PROFILE_NS, 'alice@example.com'),
          { as: 'alice' },
          true,
        );
        expect(parseDenials(takeover.stderr).map((d) => [d.webhook, ruleIds(d)])).toEqual([
          ['profiles.validate.profile-guard.io', ['profile-namespace-takeover']],
        ]);
      });
    });
  },
);
