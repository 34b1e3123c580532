import type { KubeObject } from './kube-object.js';
import { authorizationPolicy, evaluate, roleBinding } from './test-support/cluster-fixtures.js';
import { profileWithHard } from './test-support/profile-fixtures.js';

// The full catalog under the embedded default, as alice (not exempt) in her profile namespace:
// an old exception stays a warning while it is left alone, and can never be widened.
const update = (
  target: 'Profile' | 'RoleBinding' | 'AuthorizationPolicy' | 'ClusterRoleBinding',
  oldObject: KubeObject,
  object: KubeObject,
) => {
  const result = evaluate(target, object, { operation: 'UPDATE', oldObject });
  return {
    allowed: result.allowed,
    denied: result.denials.map((finding) => `${finding.ruleId} ${finding.path}`),
    ratcheted: result.warnings
      .filter((finding) => finding.ratcheted)
      .map((finding) => `${finding.ruleId} ${finding.path}`),
  };
};

const sourcePolicy = (namespaces: string[], labels: Record<string, string> = {}): KubeObject => {
  const object = authorizationPolicy('alice', 'monitoring-access', {
    rules: [{ from: [{ source: { namespaces } }] }],
  });
  return { ...object, metadata: { ...object.metadata, labels } };
};
const saBinding = (namespace: string, name: string, labels: Record<string, string> = {}) => {
  const object = roleBinding('alice', 'ci-access', { name: 'kubeflow-edit' }, [
    { kind: 'ServiceAccount', namespace, name },
  ]);
  return { ...object, metadata: { ...object.metadata, labels } };
};

describe('ratcheting never widens an old exception', () => {
  it('AuthorizationPolicy namespaces [monitoring] -> [*] is denied; a relabel is a warning', () => {
    expect(
      update('AuthorizationPolicy', sourcePolicy(['monitoring']), sourcePolicy(['*'])),
    ).toEqual({
      allowed: false,
      denied: ['authz-source-namespace spec.rules[0].from[0].source.namespaces[0]'],
      ratcheted: [],
    });
    expect(
      update(
        'AuthorizationPolicy',
        sourcePolicy(['monitoring']),
        sourcePolicy(['monitoring'], { a: 'b' }),
      ),
    ).toEqual({
      allowed: true,
      denied: [],
      ratcheted: ['authz-source-namespace spec.rules[0].from[0].source.namespaces[0]'],
    });
    expect(
      update(
        'AuthorizationPolicy',
        sourcePolicy(['monitoring']),
        sourcePolicy(['bob', 'monitoring']),
      ),
    ).toEqual({
      // The rule element changed, so every violation in it is judged afresh.
      allowed: false,
      denied: [
        'authz-source-namespace spec.rules[0].from[0].source.namespaces[0]',
        'authz-source-namespace spec.rules[0].from[0].source.namespaces[1]',
      ],
      ratcheted: [],
    });
  });

  it.each<[string, Record<string, unknown>]>([
    [
      'the principal beside it (namespaces AND principals)',
      {
        from: [
          {
            source: {
              namespaces: ['monitoring'],
              principals: ['cluster.local/ns/monitoring/sa/prometheus'],
            },
          },
        ],
      },
    ],
    [
      'its to-path restriction',
      {
        from: [{ source: { namespaces: ['monitoring'] } }],
        to: [{ operation: { paths: ['/metrics'] } }],
      },
    ],
    [
      'its when condition',
      {
        from: [{ source: { namespaces: ['monitoring'] } }],
        when: [{ key: 'request.headers[x-scrape]', values: ['1'] }],
      },
    ],
  ])(
    'AuthorizationPolicy namespaces [monitoring] kept, %s removed (the rule admits more): denied',
    (_case, narrow) => {
      const stored = authorizationPolicy('alice', 'monitoring-access', { rules: [narrow] });
      expect(update('AuthorizationPolicy', stored, sourcePolicy(['monitoring']))).toEqual({
        // The rule is identified by what it is: a rule that lost a restriction is another rule.
        allowed: false,
        denied: ['authz-source-namespace spec.rules[0].from[0].source.namespaces[0]'],
        ratcheted: [],
      });
      const relabelled = { ...stored, metadata: { ...stored.metadata, labels: { a: 'b' } } };
      expect(update('AuthorizationPolicy', stored, relabelled).allowed).toBe(true);
    },
  );

  it('a subject team-shared/ci -> bob/default-editor is denied; an untouched one is a warning', () => {
    expect(
      update('RoleBinding', saBinding('team-shared', 'ci'), saBinding('bob', 'default-editor')),
    ).toEqual({
      allowed: false,
      denied: ['binding-serviceaccount-namespace subjects[0].namespace'],
      ratcheted: [],
    });
    expect(
      update(
        'RoleBinding',
        saBinding('team-shared', 'ci'),
        saBinding('team-shared', 'ci', { a: 'b' }),
      ),
    ).toEqual({
      allowed: true,
      denied: [],
      ratcheted: ['binding-serviceaccount-namespace subjects[0].namespace'],
    });
  });

  it('a contributor added beside a ratcheted subject is judged afresh', () => {
    const stored = roleBinding('alice', 'mixed', { name: 'kubeflow-edit' }, [
      { kind: 'ServiceAccount', namespace: 'team-shared', name: 'ci' },
    ]);
    const widened = roleBinding('alice', 'mixed', { name: 'kubeflow-edit' }, [
      { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:authenticated' },
      { kind: 'ServiceAccount', namespace: 'team-shared', name: 'ci' },
    ]);
    expect(update('RoleBinding', stored, widened)).toEqual({
      allowed: false,
      denied: ['binding-group subjects[0].name'],
      ratcheted: ['binding-serviceaccount-namespace subjects[1].namespace'],
    });
  });

  it('quota cpu 100 -> 10000 is denied; cpu 100 kept is a warning', () => {
    expect(
      update('Profile', profileWithHard({ cpu: '100' }), profileWithHard({ cpu: '10000' })),
    ).toEqual({
      allowed: false,
      denied: ['profile-quota-max spec.resourceQuotaSpec.hard["cpu"]'],
      ratcheted: [],
    });
    expect(
      update(
        'Profile',
        profileWithHard({ cpu: '100' }),
        profileWithHard({ cpu: '100', pods: '5' }),
      ),
    ).toEqual({
      allowed: true,
      denied: [],
      ratcheted: ['profile-quota-max spec.resourceQuotaSpec.hard["cpu"]'],
    });
  });

  it('a subject added to a violating ClusterRoleBinding is denied; the stored ones are warnings', () => {
    const crb = (...names: string[]): KubeObject => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'legacy-editors' },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'kubeflow-edit',
      },
      subjects: names.map((name) => ({
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'User',
        name,
      })),
    });
    expect(
      update(
        'ClusterRoleBinding',
        crb('carol@example.com'),
        crb('carol@example.com', 'alice@example.com'),
      ),
    ).toEqual({
      allowed: false,
      denied: ['clusterbinding-profile-role subjects[1].name'],
      ratcheted: ['clusterbinding-profile-role subjects[0].name'],
    });
  });
});
