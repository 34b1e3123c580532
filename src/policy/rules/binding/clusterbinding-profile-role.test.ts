import type { KubeObject } from '../../kube-object.js';
import type { UserInfo } from '../../request.js';
import { denials, evaluate, user } from '../../test-support/cluster-fixtures.js';
import { ALICE } from '../../test-support/fixtures.js';
import { CLUSTER_ADMIN } from '../../test-support/kubeflow-objects.js';

const crb = (role: string): KubeObject => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRoleBinding',
  metadata: { name: 'everyone' },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
  subjects: [user('bob@example.com')],
});

describe('clusterbinding-profile-role', () => {
  it.each<[string, string, UserInfo, string[]]>([
    [
      'denies a ClusterRoleBinding of kubeflow-edit',
      'kubeflow-edit',
      ALICE,
      [
        'clusterbinding-profile-role: roleRef.name "kubeflow-edit" is a profile role (bindings.allowedRoles: kubeflow-admin, kubeflow-edit, kubeflow-view); a ClusterRoleBinding would grant it in every profile namespace — bind it with a RoleBinding in each namespace instead',
      ],
    ],
    ['allows other ClusterRoles', 'view', ALICE, []],
    ['allows exempt callers', 'kubeflow-edit', CLUSTER_ADMIN, []],
  ])('%s', (_case, role, caller, expected) => {
    const result = evaluate('ClusterRoleBinding', crb(role), { user: caller });
    expect(denials(result)).toEqual(expected);
    expect(result.allowed).toBe(expected.length === 0);
  });
});
