import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { parseDenials, ruleIds } from '../harness/admission.js';
import { loadE2eEnv } from '../harness/e2e-env.js';
import { eventually } from '../harness/eventually.js';
import { getObject, kubectl, kubectlOk, type KubectlOptions } from '../harness/kubectl.js';
import { PROFILE_CONTROLLER } from '../harness/kubeflow-objects.js';
import { ScratchDir, profile, type Manifest } from '../harness/manifests.js';
import { startWebhook, stopWebhook, webhookRunning } from '../harness/webhook-control.js';

const env = loadE2eEnv();
const scratch = new ScratchDir();
const rbac = 'rbac.authorization.k8s.io';
const PROFILE_LABEL = 'app.kubernetes.io/part-of';
/** The namespaces the chart keeps away from every webhook. */
const protectedNamespaces = ['kube-system', env.releaseNamespace];
/**
 * Names of this run (a deleted Namespace stays Terminating without a controller, and the suite may
 * run again against the same environment).
 */
const RUN = Date.now().toString(36).slice(-5);
/** A profile namespace (labelled as the profile controller labels it). */
const PROFILE_NS = `e2e-lockout-${RUN}`;
/** A namespace that is not a profile namespace. */
const PLAIN_NS = `e2e-lockout-plain-${RUN}`;
/** A second profile namespace, created while the webhook is down. */
const NEW_PROFILE_NS = `e2e-lockout-new-${RUN}`;
/** A kube-system ServiceAccount an operator bound to cluster-admin (kube-system is trusted). */
const KUBE_SYSTEM_OPERATOR = {
  user: `system:serviceaccount:kube-system:e2e-lockout-operator`,
  groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
} as const;
/** The namespace controller (its RBAC is the API server's bootstrap policy). */
const NAMESPACE_CONTROLLER = {
  user: 'system:serviceaccount:kube-system:namespace-controller',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
} as const;
/**
 * kube-controller-manager without --use-service-account-credentials: every controller runs as this
 * user (its certificate names no organisation, so only system:authenticated is added).
 */
const KUBE_CONTROLLER_MANAGER = { user: 'system:kube-controller-manager', groups: [] } as const;
const CLUSTER_BINDINGS = [
  `e2e-lockout-controller-admin-${RUN}`,
  `e2e-lockout-operator-admin-${RUN}`,
  `e2e-lockout-admin-edit-${RUN}`,
  `e2e-lockout-operator-view-${RUN}`,
  `e2e-lockout-unrelated-${RUN}`,
  `e2e-lockout-controller-edit-${RUN}`,
  `e2e-lockout-kube-controller-manager-${RUN}`,
];
const managed = env.managed !== undefined;

function roleBinding(name: string, namespace: string, role: string, user: string): Manifest {
  return {
    apiVersion: `${rbac}/v1`,
    kind: 'RoleBinding',
    metadata: { name, namespace },
    roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: role },
    subjects: [{ apiGroup: rbac, kind: 'User', name: user }],
  };
}

function clusterRoleBinding(name: string, role: string, subject: Manifest): Manifest {
  return {
    apiVersion: `${rbac}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: role },
    subjects: [subject],
  };
}

/** An AuthorizationPolicy admitting every namespace: what only an admin may write. */
function openAuthorizationPolicy(name: string, namespace: string): Manifest {
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name, namespace },
    spec: { action: 'ALLOW', rules: [{ from: [{ source: { namespaces: ['*'] } }] }] },
  };
}

const user = (name: string): Manifest => ({ apiGroup: rbac, kind: 'User', name });

/** `kubectl create -f` of one manifest; the result. */
function create(manifest: Manifest, options: KubectlOptions = {}) {
  const metadata = manifest.metadata as { name: string };
  const file = scratch.write(`${String(manifest.kind)}-${metadata.name}-${Date.now()}.yaml`, [
    manifest,
  ]);
  return kubectl(env, ['create', '-f', file], options);
}

/** kubectl's answer when the API server could not call `webhook` and its failurePolicy is Fail. */
/**
 * Deletes the named objects of each resource in the profile namespace as the given caller, and
 * expects every delete to succeed with nothing on stderr.
 */
async function expectDeletes(
  options: KubectlOptions,
  names: Readonly<Record<string, readonly string[]>>,
): Promise<void> {
  for (const [resource, objects] of Object.entries(names)) {
    expect(
      await kubectl(env, ['delete', '-n', PROFILE_NS, resource, ...objects], options),
    ).toMatchObject({ code: 0, stderr: '' });
  }
}

function unreachable(webhook: string): RegExp {
  return new RegExp(
    `^Error from server \\(InternalError\\): (?:error when \\w+ ".*": )?Internal error occurred: failed calling webhook "${webhook.replace(/\./g, '\\.')}": failed to call webhook: Post "https://127\\.0\\.0\\.1:\\d+/validate\\?timeout=\\d+s": `,
  );
}

const describeManaged = managed ? describe : describe.skip;

describeManaged('with the webhook process killed (its port refuses connections)', () => {
  beforeAll(async () => {
    await kubectlOk(env, [
      'apply',
      '-f',
      scratch.write('setup.yaml', [
        {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: PROFILE_NS, labels: { [PROFILE_LABEL]: 'kubeflow-profile' } },
        },
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: PLAIN_NS } },
        roleBinding('namespaceAdmin', PROFILE_NS, 'kubeflow-admin', 'alice@example.com'),
        // Kubeflow binds its profile controller to cluster-admin; it is not exempt.
        clusterRoleBinding(CLUSTER_BINDINGS[0]!, 'cluster-admin', {
          kind: 'ServiceAccount',
          name: 'profiles-controller-service-account',
          namespace: 'kubeflow',
        }),
        clusterRoleBinding(CLUSTER_BINDINGS[1]!, 'cluster-admin', {
          kind: 'ServiceAccount',
          name: 'e2e-lockout-operator',
          namespace: 'kube-system',
        }),
        // Without --use-service-account-credentials kube-controller-manager's own user must hold
        // every controller's rights (its bootstrap role does not include deleting RBAC).
        clusterRoleBinding(
          CLUSTER_BINDINGS[6]!,
          'cluster-admin',
          user(KUBE_CONTROLLER_MANAGER.user),
        ),
        // Protected objects of the profile controller, for the garbage collector to delete.
        roleBinding('default-editor', PROFILE_NS, 'kubeflow-edit', 'alice@example.com'),
        roleBinding('default-viewer', PROFILE_NS, 'kubeflow-view', 'alice@example.com'),
        openAuthorizationPolicy('ns-owner-access-istio', PROFILE_NS),
      ]),
    ]);
    const mutating = await getObject(env, ['mutatingwebhookconfiguration', 'profile-guard']);
    const validating = await getObject(env, ['validatingwebhookconfiguration', 'profile-guard']);
    const policyOf = (configuration: typeof mutating, name: string) =>
      (configuration?.webhooks as { name: string; failurePolicy: string }[]).find(
        (w) => w.name === name,
      )?.failurePolicy;
    expect(policyOf(mutating, 'profiles.mutate.profile-guard.io')).toBe('Ignore');
    for (const webhook of [
      'profiles',
      'bindings',
      'clusterrolebindings',
      'authorizationpolicies',
    ]) {
      expect(policyOf(validating, `${webhook}.validate.profile-guard.io`)).toBe('Fail');
    }

    await stopWebhook(env, 'kill');
    expect(await webhookRunning(env)).toBe(false);
  }, 120000);

  afterAll(async () => {
    if (!(await webhookRunning(env))) await startWebhook(env);
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
    await kubectl(env, ['delete', 'clusterrolebinding', ...CLUSTER_BINDINGS, '--ignore-not-found']);
    await kubectl(env, [
      'delete',
      'profile',
      'e2e-lockout',
      `e2e-lockout-admin-${RUN}`,
      '--ignore-not-found',
      '--wait=false',
    ]);
    await kubectl(env, [
      'delete',
      'namespace',
      PROFILE_NS,
      PLAIN_NS,
      NEW_PROFILE_NS,
      '--ignore-not-found',
      '--wait=false',
    ]);
    scratch.remove();
  }, 120000);

  test('kube-system and the webhook namespace stay writable, even labelled as profile namespaces', async () => {
    for (const namespace of protectedNamespaces) {
      expect(
        await kubectl(env, ['label', 'namespace', namespace, `${PROFILE_LABEL}=kubeflow-profile`]),
      ).toMatchObject({ code: 0 });
      expect(await kubectl(env, ['create', 'configmap', 'e2e-lockout', '-n', namespace])).toEqual({
        code: 0,
        stdout: 'configmap/e2e-lockout created\n',
        stderr: '',
      });
      expect(
        await create(roleBinding('e2e-lockout', namespace, 'view', 'ops@example.com'), {
          impersonate: PROFILE_CONTROLLER,
        }),
      ).toEqual({
        code: 0,
        stdout: 'rolebinding.rbac.authorization.k8s.io/e2e-lockout created\n',
        stderr: '',
      });
    }
  });

  test('admins (system:masters) write RBAC and AuthorizationPolicies in profile namespaces and cluster-wide', async () => {
    const binding = roleBinding('e2e-admin-grant', PROFILE_NS, 'kubeflow-edit', 'ops@example.com');
    expect(await create(binding)).toEqual({
      code: 0,
      stdout: 'rolebinding.rbac.authorization.k8s.io/e2e-admin-grant created\n',
      stderr: '',
    });
    expect(
      await kubectl(env, ['label', '-n', PROFILE_NS, 'rolebinding', 'e2e-admin-grant', 'fixed=1']),
    ).toMatchObject({ code: 0, stderr: '' });
    // Even the binding the profile controller manages can be repaired.
    expect(
      await kubectl(env, ['annotate', '-n', PROFILE_NS, 'rolebinding', 'namespaceAdmin', 'x=1']),
    ).toMatchObject({ code: 0, stderr: '' });
    expect(
      await kubectl(env, ['delete', '-n', PROFILE_NS, 'rolebinding', 'e2e-admin-grant']),
    ).toMatchObject({ code: 0, stderr: '' });

    expect(await create(openAuthorizationPolicy('e2e-admin-open', PROFILE_NS))).toEqual({
      code: 0,
      stdout: 'authorizationpolicy.security.istio.io/e2e-admin-open created\n',
      stderr: '',
    });
    expect(
      await kubectl(env, [
        'delete',
        '-n',
        PROFILE_NS,
        'authorizationpolicies.security.istio.io',
        'e2e-admin-open',
      ]),
    ).toMatchObject({ code: 0, stderr: '' });

    // A ClusterRoleBinding of a Kubeflow role: the one kind the ClusterRoleBinding webhook sees.
    expect(
      await create(
        clusterRoleBinding(CLUSTER_BINDINGS[2]!, 'kubeflow-edit', user('ops@example.com')),
      ),
    ).toEqual({
      code: 0,
      stdout: `clusterrolebinding.rbac.authorization.k8s.io/${CLUSTER_BINDINGS[2]} created\n`,
      stderr: '',
    });
  });

  test('kube-system identities write and delete RBAC and AuthorizationPolicies in profile namespaces', async () => {
    const asOperator = { impersonate: KUBE_SYSTEM_OPERATOR };
    expect(
      await create(
        roleBinding('e2e-operator-grant', PROFILE_NS, 'kubeflow-view', 'ops@example.com'),
        asOperator,
      ),
    ).toEqual({
      code: 0,
      stdout: 'rolebinding.rbac.authorization.k8s.io/e2e-operator-grant created\n',
      stderr: '',
    });
    expect(
      await create(openAuthorizationPolicy('e2e-operator-open', PROFILE_NS), asOperator),
    ).toEqual({
      code: 0,
      stdout: 'authorizationpolicy.security.istio.io/e2e-operator-open created\n',
      stderr: '',
    });
    expect(
      await create(
        clusterRoleBinding(CLUSTER_BINDINGS[3]!, 'kubeflow-view', user('ops@example.com')),
        asOperator,
      ),
    ).toMatchObject({ code: 0, stderr: '' });

    // The namespace controller, emptying a deleted profile namespace, with its bootstrap RBAC.
    const asNamespaceController = { impersonate: NAMESPACE_CONTROLLER };
    await expectDeletes(asNamespaceController, {
      rolebinding: ['e2e-operator-grant', 'namespaceAdmin'],
      'authorizationpolicies.security.istio.io': ['e2e-operator-open'],
    });
  });

  test('kube-controller-manager as the plain user system:kube-controller-manager deletes protected RBAC and AuthorizationPolicies', async () => {
    const asControllerManager = { impersonate: KUBE_CONTROLLER_MANAGER };
    const whoami = await kubectl(env, ['auth', 'whoami', '-o', 'json'], asControllerManager);
    expect(JSON.parse(whoami.stdout)).toMatchObject({
      status: {
        userInfo: { username: 'system:kube-controller-manager', groups: ['system:authenticated'] },
      },
    });
    // What its garbage collector deletes once the Profile is gone (names in bindings.protected).
    await expectDeletes(asControllerManager, {
      rolebinding: ['default-editor', 'default-viewer'],
      'authorizationpolicies.security.istio.io': ['ns-owner-access-istio'],
    });
  });

  test('Profiles and non-admin writes the webhook judges wait: the validating webhooks fail closed', async () => {
    // A Profile, by its owner and by an admin alike (its structural rules hold for everyone):
    // mutation (Ignore) is skipped, validation (Fail) refuses.
    for (const [name, options] of [
      ['e2e-lockout', { as: 'alice' }],
      [`e2e-lockout-admin-${RUN}`, {}],
    ] as const) {
      const result = await create(profile(name, 'alice@example.com'), options);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(unreachable('profiles.validate.profile-guard.io'));
      expect(result.stderr).not.toContain('profiles.mutate.profile-guard.io');
      expect(await getObject(env, ['profile', name])).toBeUndefined();
    }

    const asController = { impersonate: PROFILE_CONTROLLER };
    const binding = await create(
      roleBinding('e2e-controller-grant', PROFILE_NS, 'kubeflow-edit', 'ops@example.com'),
      asController,
    );
    expect(binding.code).toBe(1);
    expect(binding.stderr).toMatch(unreachable('bindings.validate.profile-guard.io'));

    const policy = await create(
      openAuthorizationPolicy('e2e-controller-open', PROFILE_NS),
      asController,
    );
    expect(policy.code).toBe(1);
    expect(policy.stderr).toMatch(unreachable('authorizationpolicies.validate.profile-guard.io'));

    const clusterBinding = await create(
      clusterRoleBinding(CLUSTER_BINDINGS[5]!, 'kubeflow-edit', user('ops@example.com')),
      asController,
    );
    expect(clusterBinding.code).toBe(1);
    expect(clusterBinding.stderr).toMatch(
      unreachable('clusterrolebindings.validate.profile-guard.io'),
    );
    expect(await getObject(env, ['clusterrolebinding', CLUSTER_BINDINGS[5]!])).toBeUndefined();
  });

  test('nothing else in the cluster notices', async () => {
    const asController = { impersonate: PROFILE_CONTROLLER };
    // A non-admin's ClusterRoleBinding of a role that is not a profile role.
    expect(
      await create(
        clusterRoleBinding(CLUSTER_BINDINGS[4]!, 'view', user('ops@example.com')),
        asController,
      ),
    ).toEqual({
      code: 0,
      stdout: `clusterrolebinding.rbac.authorization.k8s.io/${CLUSTER_BINDINGS[4]} created\n`,
      stderr: '',
    });
    // RBAC and AuthorizationPolicies of a namespace that is not a profile namespace.
    expect(
      await create(
        roleBinding('e2e-plain-grant', PLAIN_NS, 'kubeflow-edit', 'ops@example.com'),
        asController,
      ),
    ).toMatchObject({ code: 0, stderr: '' });
    expect(
      await create(openAuthorizationPolicy('e2e-plain-open', PLAIN_NS), asController),
    ).toMatchObject({ code: 0, stderr: '' });
    // Other objects of a profile namespace.
    expect(
      await kubectl(env, ['create', 'configmap', 'e2e-lockout', '-n', PROFILE_NS], asController),
    ).toMatchObject({ code: 0, stderr: '' });
    // A new profile namespace: namespaces.mutate is Ignore, so the Namespace is created.
    const namespace: Manifest = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: NEW_PROFILE_NS, labels: { [PROFILE_LABEL]: 'kubeflow-profile' } },
    };
    expect(await create(namespace)).toEqual({
      code: 0,
      stdout: `namespace/${NEW_PROFILE_NS} created\n`,
      stderr: '',
    });
  });

  test('after a restart every webhook decides again', async () => {
    await startWebhook(env);

    const created = await create(profile('e2e-lockout', 'alice@example.com'), { as: 'alice' });
    expect(created).toEqual({
      code: 0,
      stdout: 'profile.kubeflow.org/e2e-lockout created\n',
      stderr: '',
    });
    expect((await getObject(env, ['profile', 'e2e-lockout']))?.metadata.labels).toEqual({
      [PROFILE_LABEL]: 'kubeflow-profile',
    });

    // The profile controller's ClusterRoleBinding of a Kubeflow role gets a decision, not an error.
    const clusterBinding = await create(
      clusterRoleBinding(CLUSTER_BINDINGS[5]!, 'kubeflow-edit', user('ops@example.com')),
      { impersonate: PROFILE_CONTROLLER },
    );
    expect(clusterBinding.code).toBe(1);
    expect(parseDenials(clusterBinding.stderr).map((d) => [d.webhook, ruleIds(d)])).toEqual([
      ['clusterrolebindings.validate.profile-guard.io', ['clusterbinding-profile-role']],
    ]);

    // In the profile namespace, the webhook judges the controller's bindings again (it learns
    // about the namespace through its watch, hence eventually).
    const everyone = {
      apiVersion: `${rbac}/v1`,
      kind: 'RoleBinding',
      metadata: { name: 'e2e-everyone', namespace: PROFILE_NS },
      roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: 'kubeflow-view' },
      subjects: [{ apiGroup: rbac, kind: 'Group', name: 'system:authenticated' }],
    };
    await eventually(async () => {
      const result = await kubectl(
        env,
        ['create', '--dry-run=server', '-f', scratch.write('everyone.yaml', [everyone])],
        { impersonate: PROFILE_CONTROLLER },
      );
      expect(parseDenials(result.stderr).map((d) => [d.webhook, ruleIds(d)])).toEqual([
        ['bindings.validate.profile-guard.io', ['binding-group']],
      ]);
    });
    // ...and admins still write what they like.
    expect(
      await kubectl(env, [
        'create',
        '--dry-run=server',
        '-f',
        scratch.write('everyone.yaml', [everyone]),
      ]),
    ).toMatchObject({ code: 0, stderr: '' });
  });
});
