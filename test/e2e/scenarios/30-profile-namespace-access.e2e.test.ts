import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { parseDenials, parseWarnings, ruleIds } from '../harness/admission.js';
import { loadE2eEnv } from '../harness/e2e-env.js';
import { eventually } from '../harness/eventually.js';
import { getObject, kubectl, kubectlOk } from '../harness/kubectl.js';
import { PROFILE_CONTROLLER, kubeflowObjects } from '../harness/kubeflow-objects.js';
import { type Manifest, ScratchDir, profile } from '../harness/manifests.js';

const env = loadE2eEnv();
const scratch = new ScratchDir();
const rbac = 'rbac.authorization.k8s.io';
/**
 * The profile namespaces of this file (Profile names = namespace names, as Kubeflow does it). A
 * suffix per run: without a namespace controller a deleted Namespace stays Terminating, and the
 * suite may run again against the same environment.
 */
const RUN = Date.now().toString(36).slice(-5);
const ALICE = `e2e-alice-${RUN}`;
const BOB = `e2e-bob-${RUN}`;

function roleBinding(name: string, roleRef: Manifest, subjects: Manifest[]): Manifest {
  return {
    apiVersion: `${rbac}/v1`,
    kind: 'RoleBinding',
    metadata: { name, namespace: ALICE },
    roleRef: { apiGroup: rbac, ...roleRef },
    subjects,
  };
}

function authorizationPolicy(name: string, spec: Manifest): Manifest {
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name, namespace: ALICE },
    spec,
  };
}

const allAuthenticated = roleBinding(
  'e2e-all-users',
  { kind: 'ClusterRole', name: 'kubeflow-view' },
  [{ apiGroup: rbac, kind: 'Group', name: 'system:authenticated' }],
);

/** Sets up a profile namespace as the profile controller would (as the admin). */
async function profileNamespace(name: string, owner: string, as: 'alice' | 'bob'): Promise<void> {
  await kubectlOk(
    env,
    ['apply', '-f', scratch.write(`${name}-profile.yaml`, [profile(name, owner)])],
    {
      as,
    },
  );
  const stored = await getObject(env, ['profile', name]);
  const objects = kubeflowObjects(name, stored?.metadata.uid ?? '', owner, 'nobody@example.com');
  await kubectlOk(env, [
    'apply',
    '-f',
    scratch.write(`${name}-namespace.yaml`, [objects.namespace, objects.namespaceAdmin]),
  ]);
}

beforeAll(async () => {
  await profileNamespace(ALICE, 'alice@example.com', 'alice');
  await profileNamespace(BOB, 'bob@example.com', 'bob');
  // What Kubeflow's kubeflow-istio-admin role (aggregated into kubeflow-admin) gives a profile
  // owner, and a right to bind cluster-admin: without it RBAC's own escalation check would refuse
  // that binding before admission, and the webhook is the line of defence under test here.
  const grants: Manifest[] = [
    {
      apiVersion: `${rbac}/v1`,
      kind: 'Role',
      metadata: { name: 'e2e-istio-admin', namespace: ALICE },
      rules: [
        { apiGroups: ['security.istio.io'], resources: ['authorizationpolicies'], verbs: ['*'] },
      ],
    },
    {
      apiVersion: `${rbac}/v1`,
      kind: 'Role',
      metadata: { name: 'e2e-bind-cluster-admin', namespace: ALICE },
      rules: [
        {
          apiGroups: [rbac],
          resources: ['clusterroles'],
          verbs: ['bind'],
          resourceNames: ['cluster-admin'],
        },
      ],
    },
    ...['e2e-istio-admin', 'e2e-bind-cluster-admin'].map((role) =>
      roleBinding(role, { kind: 'Role', name: role }, [
        { apiGroup: rbac, kind: 'User', name: 'alice@example.com' },
      ]),
    ),
    // Kubeflow binds its profile controller to cluster-admin.
    {
      apiVersion: `${rbac}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: { name: 'e2e-profiles-controller-cluster-admin' },
      roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [
        {
          kind: 'ServiceAccount',
          name: 'profiles-controller-service-account',
          namespace: 'kubeflow',
        },
      ],
    },
  ];
  await kubectlOk(env, ['apply', '-f', scratch.write('grants.yaml', grants)]);
  // The webhook learns about the new profile namespace through its watch.
  await eventually(async () => {
    const result = await kubectl(env, ['create', '--dry-run=server', '-f', '-'], {
      as: 'alice',
      input: JSON.stringify(allAuthenticated),
    });
    expect(ruleIds(parseDenials(result.stderr)[0])).toEqual(['binding-group']);
  });
});

afterAll(async () => {
  await kubectl(env, [
    'delete',
    'clusterrolebinding',
    'e2e-profiles-controller-cluster-admin',
    'e2e-kubeflow-edit-everywhere',
    '--ignore-not-found',
  ]);
  await kubectl(env, [
    'delete',
    'profiles',
    ALICE,
    BOB,
    'kube-e2e-admin',
    '--ignore-not-found',
    '--wait=false',
  ]);
  await kubectl(env, ['delete', 'namespace', ALICE, BOB, '--ignore-not-found', '--wait=false']);
  scratch.remove();
});

describe('alice, in her own profile namespace, is denied by the webhook', () => {
  const cases: [string, Manifest, string, string[], string][] = [
    [
      "a RoleBinding for a ServiceAccount of bob's namespace",
      roleBinding('e2e-cross-namespace', { kind: 'ClusterRole', name: 'kubeflow-edit' }, [
        { kind: 'ServiceAccount', name: 'default-editor', namespace: BOB },
      ]),
      'bindings.validate.profile-guard.io',
      ['binding-serviceaccount-namespace'],
      'subjects[0]',
    ],
    [
      'a RoleBinding for the group system:authenticated',
      allAuthenticated,
      'bindings.validate.profile-guard.io',
      ['binding-group'],
      'subjects[0]',
    ],
    [
      'a RoleBinding to cluster-admin',
      roleBinding('e2e-cluster-admin', { kind: 'ClusterRole', name: 'cluster-admin' }, [
        { apiGroup: rbac, kind: 'User', name: 'alice@example.com' },
      ]),
      'bindings.validate.profile-guard.io',
      ['binding-role'],
      'roleRef',
    ],
    [
      "an AuthorizationPolicy admitting bob's namespace",
      authorizationPolicy('e2e-other-namespace', {
        action: 'ALLOW',
        rules: [{ from: [{ source: { namespaces: [BOB] } }] }],
      }),
      'authorizationpolicies.validate.profile-guard.io',
      ['authz-source-namespace'],
      'spec.rules[0].from[0].source.namespaces[0]',
    ],
    [
      'an AuthorizationPolicy admitting every namespace',
      authorizationPolicy('e2e-any-namespace', {
        action: 'ALLOW',
        rules: [{ from: [{ source: { namespaces: ['*'] } }] }],
      }),
      'authorizationpolicies.validate.profile-guard.io',
      ['authz-source-namespace'],
      'spec.rules[0].from[0].source.namespaces[0]',
    ],
  ];

  test.each(cases)('%s', async (_title, manifest, webhook, rules, fieldPath) => {
    const metadata = manifest.metadata as { name: string };
    const file = scratch.write(`${metadata.name}.yaml`, [manifest]);

    const result = await kubectl(env, ['create', '-f', file], { as: 'alice' });

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const denials = parseDenials(result.stderr);
    expect(denials.map((d) => [d.verb, d.file, d.webhook, ruleIds(d)])).toEqual([
      ['creating', file, webhook, rules],
    ]);
    // The message names the offending field.
    expect(denials[0]?.rules[0]?.message).toContain(fieldPath);
    const resource =
      manifest.kind === 'RoleBinding' ? 'rolebinding' : 'authorizationpolicies.security.istio.io';
    expect(await getObject(env, ['-n', ALICE, resource, metadata.name])).toBeUndefined();
  });

  test('alice may not delete the namespaceAdmin binding the profile controller manages', async () => {
    const result = await kubectl(env, ['delete', '-n', ALICE, 'rolebinding', 'namespaceAdmin'], {
      as: 'alice',
    });

    expect(result.code).toBe(1);
    const denials = parseDenials(result.stderr);
    expect(denials.map((d) => [d.webhook, ruleIds(d)])).toEqual([
      ['bindings.validate.profile-guard.io', ['binding-protected']],
    ]);
    expect(await getObject(env, ['-n', ALICE, 'rolebinding', 'namespaceAdmin'])).toBeDefined();
  });

  test('alice may share her namespace with bob (kubeflow-edit for a user)', async () => {
    const share = roleBinding('e2e-share-bob', { kind: 'ClusterRole', name: 'kubeflow-edit' }, [
      { apiGroup: rbac, kind: 'User', name: 'bob@example.com' },
    ]);
    const result = await kubectl(env, ['create', '-f', scratch.write('share.yaml', [share])], {
      as: 'alice',
    });
    expect(result).toEqual({
      code: 0,
      stdout: 'rolebinding.rbac.authorization.k8s.io/e2e-share-bob created\n',
      stderr: '',
    });
  });
});

describe("Kubeflow's own objects are allowed for callers that are not exempt", () => {
  async function objectsOf(namespace: string, owner: string) {
    const stored = await getObject(env, ['profile', namespace]);
    const objects = kubeflowObjects(
      namespace,
      stored?.metadata.uid ?? '',
      owner,
      'bob@example.com',
    );
    return [
      objects.defaultEditor,
      objects.defaultViewer,
      objects.ownerAccessIstio,
      objects.contributorBinding,
      objects.contributorAuthorizationPolicy,
    ];
  }

  test('alice (the owner, no exemption) may create each of them (--dry-run=server)', async () => {
    const file = scratch.write(
      'kubeflow-objects-alice.yaml',
      await objectsOf(ALICE, 'alice@example.com'),
    );

    const result = await kubectl(env, ['create', '--dry-run=server', '-f', file], { as: 'alice' });

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').filter(Boolean)).toHaveLength(5);
  });

  test("the profile controller's ServiceAccount (not exempt) creates them", async () => {
    const file = scratch.write(
      'kubeflow-objects.yaml',
      await objectsOf(ALICE, 'alice@example.com'),
    );

    const result = await kubectl(env, ['create', '-f', file], { impersonate: PROFILE_CONTROLLER });

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').filter(Boolean)).toEqual([
      'rolebinding.rbac.authorization.k8s.io/default-editor created',
      'rolebinding.rbac.authorization.k8s.io/default-viewer created',
      'authorizationpolicy.security.istio.io/ns-owner-access-istio created',
      'rolebinding.rbac.authorization.k8s.io/user-bob-example-com-clusterrole-edit created',
      'authorizationpolicy.security.istio.io/user-bob-example-com-clusterrole-edit created',
    ]);
    expect(await getObject(env, ['-n', ALICE, 'rolebinding', 'default-editor'])).toBeDefined();
  });

  test('a ClusterRoleBinding of a Kubeflow role is denied to the profile controller', async () => {
    const binding: Manifest = {
      apiVersion: `${rbac}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: { name: 'e2e-kubeflow-edit-everywhere' },
      roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: 'kubeflow-edit' },
      subjects: [{ apiGroup: rbac, kind: 'User', name: 'bob@example.com' }],
    };
    const file = scratch.write('crb.yaml', [binding]);

    const result = await kubectl(env, ['create', '-f', file], { impersonate: PROFILE_CONTROLLER });

    expect(result.code).toBe(1);
    expect(parseDenials(result.stderr).map((d) => [d.webhook, ruleIds(d)])).toEqual([
      ['clusterrolebindings.validate.profile-guard.io', ['clusterbinding-profile-role']],
    ]);

    // ...and allowed to the admin, who is exempt.
    const admin = await kubectl(env, ['create', '--dry-run=server', '-f', file]);
    expect(admin).toMatchObject({ code: 0, stderr: '' });
  });
});

describe('the admin (group system:masters) is exempt from every rule but the structural ones', () => {
  test('the admin may bind system:authenticated in a profile namespace', async () => {
    const file = scratch.write('admin-all-users.yaml', [allAuthenticated]);

    const result = await kubectl(env, ['create', '-f', file]);

    expect(result).toEqual({
      code: 0,
      stdout: 'rolebinding.rbac.authorization.k8s.io/e2e-all-users created\n',
      stderr: '',
    });
    await kubectlOk(env, ['delete', '-n', ALICE, 'rolebinding', 'e2e-all-users']);
  });

  test('the admin may create a Profile with a reserved name and a non-e-mail owner', async () => {
    const file = scratch.write('admin-reserved.yaml', [profile('kube-e2e-admin', 'ops-team')]);

    const result = await kubectl(env, ['create', '-f', file]);

    expect(result.code).toBe(0);
    expect(result.stdout).toBe('profile.kubeflow.org/kube-e2e-admin created\n');
    expect(parseWarnings(result.stderr)).toEqual([]);
    expect(await getObject(env, ['profile', 'kube-e2e-admin'])).toBeDefined();
  });

  test('a structural rule still denies the admin: a Profile name that is not a DNS label', async () => {
    const file = scratch.write('admin-dotted.yaml', [profile('e2e.dotted', 'alice@example.com')]);

    const result = await kubectl(env, ['create', '-f', file]);

    expect(result.code).toBe(1);
    const denials = parseDenials(result.stderr);
    expect(denials.map((d) => [d.webhook, ruleIds(d)])).toEqual([
      ['profiles.validate.profile-guard.io', ['profile-name-format']],
    ]);
    expect(denials[0]?.rules[0]?.message).toContain('metadata.name "e2e.dotted"');
    expect(await getObject(env, ['profile', 'e2e.dotted'])).toBeUndefined();
  });
});
