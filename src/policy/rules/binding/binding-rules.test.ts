import type { KubeObject } from '../../kube-object.js';
import type { RuleId } from '../../rule-ids.js';
import {
  cluster,
  denials,
  emptySnapshot,
  evaluate,
  roleBinding,
  statusOf,
  user,
} from '../../test-support/cluster-fixtures.js';
import { NO_CLUSTER } from '../../cluster-snapshot.js';
import {
  CLUSTER_ADMIN,
  KFAM,
  NAMESPACE_ADMIN,
  PROFILES_CONTROLLER,
} from '../../test-support/kubeflow-objects.js';
import { testPolicy } from '../../test-support/test-policy.js';

const sa = (name: string, namespace?: string): Record<string, unknown> => ({
  kind: 'ServiceAccount',
  name,
  ...(namespace === undefined ? {} : { namespace }),
});
const group = (name: string): Record<string, unknown> => ({
  apiGroup: 'rbac.authorization.k8s.io',
  kind: 'Group',
  name,
});
const edit = (subjects: Record<string, unknown>[], ns = 'alice', name = 'x'): KubeObject =>
  roleBinding(ns, name, { name: 'kubeflow-edit' }, subjects);
const ruleIds = (messages: string[]): string[] => messages.map((m) => m.slice(0, m.indexOf(':')));

describe('RoleBinding attacks in a profile namespace (CREATE by a non-exempt user)', () => {
  it.each<[string, KubeObject, string[]]>([
    [
      "a ServiceAccount of another profile's namespace",
      edit([sa('default-editor', 'bob')]),
      [
        'binding-serviceaccount-namespace: subjects[0].namespace "bob" binds a ServiceAccount of namespace "bob" into "alice"; allowed: this namespace, kubeflow (bindings.serviceAccountNamespaces)',
      ],
    ],
    [
      'the same ServiceAccount spelled as a User',
      edit([user('system:serviceaccount:bob:default-editor')]),
      [
        'binding-serviceaccount-namespace: subjects[0].name "system:serviceaccount:bob:default-editor" binds a ServiceAccount of namespace "bob" into "alice"; allowed: this namespace, kubeflow (bindings.serviceAccountNamespaces)',
      ],
    ],
    [
      'system:serviceaccounts and system:authenticated',
      edit([group('system:serviceaccounts'), group('system:authenticated')]),
      [
        'binding-group: subjects[0].name "system:serviceaccounts" is a forbidden group (bindings.forbiddenGroups: system:authenticated, system:unauthenticated, system:serviceaccounts)',
        'binding-group: subjects[1].name "system:authenticated" is a forbidden group (bindings.forbiddenGroups: system:authenticated, system:unauthenticated, system:serviceaccounts)',
      ],
    ],
    [
      "every ServiceAccount of another profile's namespace",
      edit([group('system:serviceaccounts:alice'), group('system:serviceaccounts:bob')]),
      [
        'binding-group: subjects[1].name "system:serviceaccounts:bob" binds every ServiceAccount of namespace "bob" into "alice"; allowed: this namespace, kubeflow (bindings.serviceAccountNamespaces)',
      ],
    ],
    [
      'the cluster-admin ClusterRole',
      roleBinding('alice', 'x', { name: 'cluster-admin' }, [user('bob@example.com')]),
      [
        'binding-role: roleRef.name "cluster-admin" is a ClusterRole not allowed in profile namespaces; allowed: kubeflow-admin, kubeflow-edit, kubeflow-view (bindings.allowedRoles)',
      ],
    ],
    [
      'kubeflow-admin to a non-owner',
      roleBinding('alice', 'x', { name: 'kubeflow-admin' }, [
        user('alice@example.com'),
        user('bob@example.com'),
        group('team'),
      ]),
      [
        'binding-owner-only-role: subjects[1].name "bob@example.com" (User) is not the owner of profile namespace "alice" (User "alice@example.com"); roleRef.name "kubeflow-admin" is reserved to the owner (bindings.ownerOnlyRoles)',
        'binding-owner-only-role: subjects[2].name "team" (Group) is not the owner of profile namespace "alice" (User "alice@example.com"); roleRef.name "kubeflow-admin" is reserved to the owner (bindings.ownerOnlyRoles)',
      ],
    ],
    [
      'kubeflow-admin in a labelled namespace without a Profile',
      roleBinding('labelled', 'x', { name: 'kubeflow-admin' }, [user('alice@example.com')]),
      [
        'binding-owner-only-role: roleRef.name "kubeflow-admin" is reserved to the Profile owner (bindings.ownerOnlyRoles), and no Profile "labelled" exists to name an owner',
      ],
    ],
    [
      'a roleRef of an unknown kind',
      roleBinding('alice', 'x', { kind: 'Thing', name: 'kubeflow-edit' }, [
        user('bob@example.com'),
      ]),
      ['binding-role: roleRef.kind "Thing" is neither Role nor ClusterRole'],
    ],
  ])('denies %s', (_name, object, expected) => {
    expect(denials(evaluate('RoleBinding', object))).toEqual(expected);
  });

  it.each(['admin', 'edit'])('denies the %s ClusterRole', (role) => {
    const result = evaluate(
      'RoleBinding',
      roleBinding('alice', 'x', { name: role }, [user('b@x.io')]),
    );
    expect(result.denials.map((d) => [d.ruleId, d.path])).toEqual([
      ['binding-role', 'roleRef.name'],
    ]);
  });

  it.each<[string, KubeObject]>([
    [
      'a Role of the namespace',
      roleBinding('alice', 'x', { kind: 'Role', name: 'anything' }, [user('b@x.io')]),
    ],
    ['a ServiceAccount without namespace (the binding’s own)', edit([sa('default-editor')])],
    ['a ServiceAccount of kubeflow', edit([sa('ml-pipeline', 'kubeflow')])],
    [
      'kubeflow-admin to the owner',
      roleBinding('alice', 'y', { name: 'kubeflow-admin' }, [user('alice@example.com')]),
    ],
    [
      'a contributor with kubeflow-view',
      roleBinding('alice', 'y', { name: 'kubeflow-view' }, [user('carol@example.com')]),
    ],
  ])('allows %s', (_name, object) => {
    expect(denials(evaluate('RoleBinding', object))).toEqual([]);
  });
});

describe('where the binding rules apply', () => {
  const attack = (ns: string): KubeObject =>
    roleBinding(ns, 'x', { name: 'cluster-admin' }, [
      group('system:authenticated'),
      sa('d', 'bob'),
    ]);
  const nonStateful: RuleId[] = [
    'binding-serviceaccount-namespace',
    'binding-group',
    'binding-role',
  ];

  it('skips them outside profile namespaces', () => {
    const result = evaluate('RoleBinding', attack('plain'));
    expect(result.allowed).toBe(true);
    expect(nonStateful.map((id) => statusOf(result, id))).toEqual(['skip', 'skip', 'skip']);
    expect(result.evaluations[0]?.reason).toBe('namespace "plain" is not a profile namespace');
  });

  it('applies them in a namespace carrying the profile label', () => {
    expect(ruleIds(denials(evaluate('RoleBinding', attack('labelled'))))).toEqual([
      'binding-serviceaccount-namespace',
      'binding-group',
      'binding-role',
    ]);
  });

  it.each([
    ['none', NO_CLUSTER],
    ['unsynced', emptySnapshot('unsynced')],
  ] as const)('applies them everywhere when the cluster state is %s', (_state, snapshot) => {
    const result = evaluate('RoleBinding', attack('plain'), { cluster: snapshot });
    expect(ruleIds(denials(result))).toEqual([
      'binding-serviceaccount-namespace',
      'binding-group',
      'binding-role',
    ]);
  });

  it('skips every non-structural rule for exempt callers', () => {
    const result = evaluate('RoleBinding', attack('alice'), { user: CLUSTER_ADMIN });
    expect(result.exempt).toBe(true);
    expect(result.allowed).toBe(true);
    expect(new Set(result.evaluations.map((e) => e.reason))).toEqual(new Set(['exempt caller']));
  });
});

describe('binding-owner-only-role and cluster state', () => {
  const grant = roleBinding('alice', 'x', { name: 'kubeflow-admin' }, [user('bob@example.com')]);

  it('skips with cluster lookups off', () => {
    const result = evaluate('RoleBinding', grant, { cluster: NO_CLUSTER });
    expect(result.allowed).toBe(true);
    expect(result.evaluations.find((e) => e.ruleId === 'binding-owner-only-role')).toMatchObject({
      status: 'skip',
      reason: 'cluster lookups are off',
    });
  });

  it('fails closed before the first sync, also on UPDATE', () => {
    const expected = [
      'binding-owner-only-role: cluster state not synced: cannot verify the owner of profile namespace "alice"; retry shortly',
    ];
    expect(
      denials(evaluate('RoleBinding', NAMESPACE_ADMIN, { cluster: emptySnapshot('unsynced') })),
    ).toEqual(expected);
    const changed = {
      ...NAMESPACE_ADMIN,
      metadata: { ...NAMESPACE_ADMIN.metadata, labels: { a: 'b' } },
    };
    const update = evaluate('RoleBinding', changed, {
      operation: 'UPDATE',
      oldObject: NAMESPACE_ADMIN,
      user: PROFILES_CONTROLLER,
      cluster: emptySnapshot('unsynced'),
    });
    expect(denials(update)).toEqual(expected);
  });

  it('evaluates against a stale snapshot', () => {
    const stale = cluster();
    stale.state = 'stale';
    expect(evaluate('RoleBinding', grant, { cluster: stale }).denials.map((d) => d.path)).toEqual([
      'subjects[0].name',
    ]);
  });

  it('ratchets a grant the stored binding already had (owner transferred) into a warning', () => {
    // The Profile now belongs to carol; the stored namespaceAdmin still names alice.
    const transferred = cluster();
    transferred.upsert({
      apiVersion: 'kubeflow.org/v1',
      kind: 'Profile',
      metadata: { name: 'alice' },
      spec: { owner: { kind: 'User', name: 'carol@example.com' } },
    });
    const relabelled = {
      ...NAMESPACE_ADMIN,
      metadata: { ...NAMESPACE_ADMIN.metadata, labels: { a: 'b' } },
    };
    const result = evaluate('RoleBinding', relabelled, {
      operation: 'UPDATE',
      oldObject: NAMESPACE_ADMIN,
      user: PROFILES_CONTROLLER,
      cluster: transferred,
    });
    expect(result.allowed).toBe(true);
    expect(result.warnings).toMatchObject([
      { ruleId: 'binding-owner-only-role', path: 'subjects[0].name', ratcheted: true },
    ]);
  });
});

describe('binding-user-domain', () => {
  const policy = testPolicy({ bindings: { userEmailDomains: ['example.com'] } });

  it('denies users outside bindings.userEmailDomains, case-insensitively', () => {
    const result = evaluate(
      'RoleBinding',
      edit([user('bob@Example.COM'), user('eve@evil.io'), user('root'), sa('d')]),
      { policy },
    );
    expect(denials(result)).toEqual([
      'binding-user-domain: subjects[1].name "eve@evil.io" is not an e-mail address in an allowed domain; allowed: example.com (bindings.userEmailDomains)',
      'binding-user-domain: subjects[2].name "root" is not an e-mail address in an allowed domain; allowed: example.com (bindings.userEmailDomains)',
    ]);
  });

  it('does not run without domains', () => {
    expect(
      statusOf(evaluate('RoleBinding', edit([user('eve@evil.io')])), 'binding-user-domain'),
    ).toBe('skip');
  });
});

describe('binding-contributor-limit', () => {
  const policy = testPolicy({ bindings: { maxContributors: 2 } });
  const existing = [
    edit([user('bob@example.com')], 'alice', 'user-bob'),
    edit([user('carol@example.com'), sa('default-editor')], 'alice', 'user-carol'),
  ];

  it('denies a binding that brings in a contributor over the limit, naming it', () => {
    const result = evaluate(
      'RoleBinding',
      edit([user('alice@example.com'), user('bob@example.com'), user('dave@example.com')]),
      { policy, cluster: cluster(existing) },
    );
    expect(denials(result)).toEqual([
      'binding-contributor-limit: subjects[2].name "dave@example.com" would make 3 contributors in namespace "alice" (distinct User subjects besides the owner); bindings.maxContributors is 2',
    ]);
  });

  it('allows a binding that adds no new contributor, and the owner never counts', () => {
    const result = evaluate(
      'RoleBinding',
      edit([user('bob@example.com'), user('alice@example.com')]),
      {
        policy: testPolicy({ bindings: { maxContributors: 1 } }),
        cluster: cluster(existing),
      },
    );
    expect(result.allowed).toBe(true);
  });

  it('counts an UPDATE with the binding replacing its stored version', () => {
    const stored = existing[1]!;
    const swapped = edit([user('erin@example.com')], 'alice', 'user-carol');
    const result = evaluate('RoleBinding', swapped, {
      operation: 'UPDATE',
      oldObject: stored,
      user: KFAM,
      policy,
      cluster: cluster(existing),
    });
    expect(result.allowed).toBe(true);
  });

  it('fails closed before the first sync and skips without cluster lookups', () => {
    const object = edit([user('dave@example.com')]);
    expect(
      denials(evaluate('RoleBinding', object, { policy, cluster: emptySnapshot('unsynced') })),
    ).toEqual([
      'binding-contributor-limit: cluster state not synced: cannot verify the contributors of namespace "alice"; retry shortly',
    ]);
    expect(
      statusOf(
        evaluate('RoleBinding', object, { policy, cluster: NO_CLUSTER }),
        'binding-contributor-limit',
      ),
    ).toBe('skip');
  });

  it('has no limit at 0', () => {
    expect(
      statusOf(evaluate('RoleBinding', edit([user('z@x.io')])), 'binding-contributor-limit'),
    ).toBe('skip');
  });
});

describe('binding-protected', () => {
  const changed: KubeObject = {
    ...NAMESPACE_ADMIN,
    subjects: [user('alice@example.com'), user('mallory@example.com')],
  };

  it('denies the owner deleting namespaceAdmin', () => {
    const result = evaluate('RoleBinding', undefined, {
      operation: 'DELETE',
      oldObject: NAMESPACE_ADMIN,
    });
    expect(denials(result)).toEqual([
      'binding-protected: metadata.name "namespaceAdmin" is a protected RoleBinding (bindings.protected): it may only be deleted by kubeflow/profiles-controller-service-account (bindings.protectedManagers)',
    ]);
  });

  it('denies the owner changing namespaceAdmin', () => {
    const result = evaluate('RoleBinding', changed, {
      operation: 'UPDATE',
      oldObject: NAMESPACE_ADMIN,
    });
    expect(result.denials.map((d) => `${d.ruleId} ${d.path}`)).toEqual([
      'binding-owner-only-role subjects[1].name',
      'binding-protected metadata.name',
    ]);
    expect(result.warnings).toEqual([]);
  });

  it.each([
    ['the profile controller (bindings.protectedManagers)', PROFILES_CONTROLLER],
    ['a cluster admin (exempt)', CLUSTER_ADMIN],
  ])('allows %s to delete it', (_name, caller) => {
    const result = evaluate('RoleBinding', undefined, {
      operation: 'DELETE',
      oldObject: NAMESPACE_ADMIN,
      user: caller,
    });
    expect(result.allowed).toBe(true);
  });

  it('never denies a metadata-only update (finalizers)', () => {
    const finalized = {
      ...NAMESPACE_ADMIN,
      metadata: { ...NAMESPACE_ADMIN.metadata, finalizers: ['x'] },
    };
    const result = evaluate('RoleBinding', finalized, {
      operation: 'UPDATE',
      oldObject: NAMESPACE_ADMIN,
    });
    expect(result.allowed).toBe(true);
    expect(result.warnings).toEqual([]);
  });

  it('lets the owner delete an unprotected binding and ignores unprotected names', () => {
    const result = evaluate('RoleBinding', undefined, {
      operation: 'DELETE',
      oldObject: edit([user('bob@example.com')], 'alice', 'user-bob'),
    });
    expect(result.allowed).toBe(true);
  });

  it('skips outside profile namespaces', () => {
    const foreign = {
      ...NAMESPACE_ADMIN,
      metadata: { name: 'namespaceAdmin', namespace: 'plain' },
    };
    const result = evaluate('RoleBinding', undefined, { operation: 'DELETE', oldObject: foreign });
    expect(result.allowed).toBe(true);
  });
});

describe('clusterbinding-profile-role', () => {
  const crb = (role: string): KubeObject => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'everyone' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: [user('bob@example.com')],
  });

  it('denies a ClusterRoleBinding of kubeflow-edit', () => {
    expect(denials(evaluate('ClusterRoleBinding', crb('kubeflow-edit')))).toEqual([
      'clusterbinding-profile-role: roleRef.name "kubeflow-edit" is a profile role (bindings.allowedRoles: kubeflow-admin, kubeflow-edit, kubeflow-view); a ClusterRoleBinding would grant it in every profile namespace — bind it with a RoleBinding in each namespace instead',
    ]);
  });

  it('allows other ClusterRoles, and exempt callers', () => {
    expect(evaluate('ClusterRoleBinding', crb('view')).allowed).toBe(true);
    expect(
      evaluate('ClusterRoleBinding', crb('kubeflow-edit'), { user: CLUSTER_ADMIN }).allowed,
    ).toBe(true);
  });
});
