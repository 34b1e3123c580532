import { afterAll, describe, expect, test } from '@jest/globals';

import { loadE2eEnv } from '../harness/e2e-env.js';
import { getObject, kubectl } from '../harness/kubectl.js';
import { ScratchDir, profile, type Manifest } from '../harness/manifests.js';
import { startWebhook, stopWebhook, webhookRunning } from '../harness/webhook-control.js';

const env = loadE2eEnv();
const scratch = new ScratchDir();
const PROFILE_LABEL = 'app.kubernetes.io/part-of';
/** The namespaces the chart keeps away from every webhook. */
const protectedNamespaces = ['kube-system', env.releaseNamespace];
/** A new profile namespace (per run: a deleted Namespace stays Terminating without a controller). */
const LOCKOUT_NAMESPACE = `e2e-lockout-${Date.now().toString(36).slice(-5)}`;

afterAll(async () => {
  if (env.managed !== undefined && !(await webhookRunning(env))) await startWebhook(env);
  for (const namespace of protectedNamespaces) {
    await kubectl(env, ['label', 'namespace', namespace, `${PROFILE_LABEL}-`]);
    await kubectl(env, [
      'delete',
      '-n',
      namespace,
      'configmap,rolebinding',
      'e2e-lockout',
      '--ignore-not-found',
    ]);
  }
  await kubectl(env, ['delete', 'profile', 'e2e-lockout', '--ignore-not-found', '--wait=false']);
  await kubectl(env, [
    'delete',
    'namespace',
    LOCKOUT_NAMESPACE,
    '--ignore-not-found',
    '--wait=false',
  ]);
  scratch.remove();
}, 120000);

function binding(namespace: string): Manifest {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'e2e-lockout', namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'ops@example.com' }],
  };
}

describe('with the webhook process killed', () => {
  (env.managed === undefined ? test.skip : test)(
    'kube-system and the webhook namespace stay writable; Profiles follow the failurePolicy; a restart heals',
    async () => {
      const mutating = await getObject(env, ['mutatingwebhookconfiguration', 'profile-guard']);
      const validating = await getObject(env, ['validatingwebhookconfiguration', 'profile-guard']);
      const policyOf = (configuration: typeof mutating, name: string) =>
        (configuration?.webhooks as { name: string; failurePolicy: string }[]).find(
          (w) => w.name === name,
        )?.failurePolicy;
      expect(policyOf(mutating, 'profiles.mutate.profile-guard.io')).toBe('Ignore');
      expect(policyOf(validating, 'profiles.validate.profile-guard.io')).toBe('Fail');
      expect(policyOf(validating, 'bindings.validate.profile-guard.io')).toBe('Fail');

      await stopWebhook(env, 'kill');
      expect(await webhookRunning(env)).toBe(false);

      // Even when they carry the profile-namespace label, the protected namespaces stay writable.
      for (const namespace of protectedNamespaces) {
        expect(
          await kubectl(env, [
            'label',
            'namespace',
            namespace,
            `${PROFILE_LABEL}=kubeflow-profile`,
          ]),
        ).toMatchObject({ code: 0 });
        expect(await kubectl(env, ['create', 'configmap', 'e2e-lockout', '-n', namespace])).toEqual(
          {
            code: 0,
            stdout: 'configmap/e2e-lockout created\n',
            stderr: '',
          },
        );
        const file = scratch.write(`${namespace}-binding.yaml`, [binding(namespace)]);
        expect(await kubectl(env, ['create', '-f', file])).toEqual({
          code: 0,
          stdout: 'rolebinding.rbac.authorization.k8s.io/e2e-lockout created\n',
          stderr: '',
        });
      }

      // A new profile namespace: namespaces.mutate is Ignore, so the Namespace is created...
      const namespace: Manifest = {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: LOCKOUT_NAMESPACE, labels: { [PROFILE_LABEL]: 'kubeflow-profile' } },
      };
      expect(
        await kubectl(env, ['create', '-f', scratch.write('ns.yaml', [namespace])]),
      ).toMatchObject({
        code: 0,
        stdout: `namespace/${LOCKOUT_NAMESPACE} created\n`,
      });
      // ...but a RoleBinding in it is refused (bindings.validate is Fail): the webhook is really down.
      const refused = await kubectl(env, [
        'create',
        '-f',
        scratch.write('refused.yaml', [binding(LOCKOUT_NAMESPACE)]),
      ]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(
        'failed calling webhook "bindings.validate.profile-guard.io"',
      );

      // Profiles: mutation (Ignore) is skipped, validation (Fail) refuses.
      const created = await kubectl(
        env,
        [
          'create',
          '-f',
          scratch.write('profile.yaml', [profile('e2e-lockout', 'alice@example.com')]),
        ],
        { as: 'alice' },
      );
      expect(created.code).toBe(1);
      expect(created.stderr).toMatch(
        /^Error from server \(InternalError\): error when creating ".*": Internal error occurred: failed calling webhook "profiles\.validate\.profile-guard\.io": failed to call webhook: Post "https:\/\/127\.0\.0\.1:\d+\/validate\?timeout=\d+s": /,
      );
      expect(created.stderr).not.toContain('profiles.mutate.profile-guard.io');
      expect(await getObject(env, ['profile', 'e2e-lockout'])).toBeUndefined();

      await startWebhook(env);

      const after = await kubectl(
        env,
        [
          'create',
          '-f',
          scratch.write('profile.yaml', [profile('e2e-lockout', 'alice@example.com')]),
        ],
        { as: 'alice' },
      );
      expect(after).toEqual({
        code: 0,
        stdout: 'profile.kubeflow.org/e2e-lockout created\n',
        stderr: '',
      });
      expect((await getObject(env, ['profile', 'e2e-lockout']))?.metadata.labels).toEqual({
        [PROFILE_LABEL]: 'kubeflow-profile',
      });
    },
  );
});
