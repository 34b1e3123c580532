import { NO_CLUSTER } from '../../cluster-snapshot.js';
import type { KubeObject } from '../../kube-object.js';
import {
  cluster,
  denials,
  emptySnapshot,
  evaluate,
  type EvaluateOptions,
  group,
  roleBinding,
  user,
} from '../../test-support/cluster-fixtures.js';
import { NAMESPACE_ADMIN, PROFILES_CONTROLLER } from '../../test-support/kubeflow-objects.js';

const grant = roleBinding('alice', 'x', { name: 'kubeflow-admin' }, [user('bob@example.com')]);
const relabelled: KubeObject = {
  ...NAMESPACE_ADMIN,
  metadata: { ...NAMESPACE_ADMIN.metadata, labels: { a: 'b' } },
};

describe('binding-owner-only-role (CREATE in a profile namespace by a non-exempt user)', () => {
  it.each<[string, KubeObject, string[]]>([
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
  ])('denies %s', (_name, object, expected) => {
    expect(denials(evaluate('RoleBinding', object))).toEqual(expected);
  });

  it.each<[string, KubeObject]>([
    [
      'kubeflow-admin to the owner',
      roleBinding('alice', 'y', { name: 'kubeflow-admin' }, [user('alice@example.com')]),
    ],
  ])('allows %s', (_name, object) => {
    expect(denials(evaluate('RoleBinding', object))).toEqual([]);
  });
});

describe('binding-owner-only-role and cluster state', () => {
  it('skips with cluster lookups off', () => {
    const result = evaluate('RoleBinding', grant, { cluster: NO_CLUSTER });
    expect(result.allowed).toBe(true);
    expect(result.evaluations.find((e) => e.ruleId === 'binding-owner-only-role')).toMatchObject({
      status: 'skip',
      reason: 'cluster lookups are off',
    });
  });

  it.each<[string, KubeObject, EvaluateOptions]>([
    ['a CREATE', NAMESPACE_ADMIN, {}],
    [
      'an UPDATE by the profile controller',
      relabelled,
      { operation: 'UPDATE', oldObject: NAMESPACE_ADMIN, user: PROFILES_CONTROLLER },
    ],
  ])('fails closed before the first sync, on %s', (_case, object, options) => {
    expect(
      denials(evaluate('RoleBinding', object, { ...options, cluster: emptySnapshot('unsynced') })),
    ).toEqual([
      'binding-owner-only-role: cluster state not synced: cannot verify the owner of profile namespace "alice"; retry shortly',
    ]);
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
