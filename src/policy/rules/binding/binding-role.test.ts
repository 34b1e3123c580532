import type { KubeObject } from '../../kube-object.js';
import { denials, evaluate, roleBinding, user } from '../../test-support/cluster-fixtures.js';

describe('binding-role (CREATE in a profile namespace by a non-exempt user)', () => {
  it.each<[string, KubeObject, string[]]>([
    [
      'the cluster-admin ClusterRole',
      roleBinding('alice', 'x', { name: 'cluster-admin' }, [user('bob@example.com')]),
      [
        'binding-role: roleRef.name "cluster-admin" is a ClusterRole not allowed in profile namespaces; allowed: kubeflow-admin, kubeflow-edit, kubeflow-view (bindings.allowedRoles)',
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
    [
      'a contributor with kubeflow-view',
      roleBinding('alice', 'y', { name: 'kubeflow-view' }, [user('carol@example.com')]),
    ],
  ])('allows %s', (_name, object) => {
    expect(denials(evaluate('RoleBinding', object))).toEqual([]);
  });
});
