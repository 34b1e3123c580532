import type { KubeObject } from '../../kube-object.js';
import { group, serviceAccount, user } from '../../test-support/cluster-fixtures.js';
import { CLUSTER_ADMIN } from '../../test-support/kubeflow-objects.js';
import type { ObjectRuleCase } from '../../test-support/rule-cases.js';

/** A ClusterRoleBinding `everyone` of `role` to `subjects`. */
export const crb = (
  role: string,
  subjects: Record<string, unknown>[] = [user('bob@example.com')],
  kind = 'ClusterRole',
): KubeObject => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRoleBinding',
  metadata: { name: 'everyone' },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name: role },
  subjects,
});
const WHY = (role: string, subject: string) =>
  `clusterbinding-profile-role: roleRef.name "${role}" is a profile role (bindings.allowedRoles: kubeflow-admin, kubeflow-edit, kubeflow-view); a ClusterRoleBinding would grant it to ${subject} in every profile namespace — bind it with a RoleBinding in each namespace instead`;
const STORED = crb('kubeflow-edit', [user('bob@example.com')]);
const update = (
  title: string,
  subjects: Record<string, unknown>[],
  denials: string[],
): ObjectRuleCase => ({
  title: `on UPDATE of a stored grant of bob: ${title}`,
  target: 'ClusterRoleBinding',
  operation: 'UPDATE',
  object: crb('kubeflow-edit', subjects),
  oldObject: STORED,
  denials,
});

/** clusterbinding-profile-role's table (by alice unless said). */
export const CASES: readonly ObjectRuleCase[] = [
  {
    title: 'denies a ClusterRoleBinding of kubeflow-edit, naming the subject',
    target: 'ClusterRoleBinding',
    object: crb('kubeflow-edit'),
    denials: [WHY('kubeflow-edit', 'subjects[0].name "bob@example.com" (User)')],
  },
  {
    title: 'reports every subject',
    target: 'ClusterRoleBinding',
    object: crb('kubeflow-view', [group('system:authenticated'), serviceAccount('ci', 'team')]),
    denials: [
      WHY('kubeflow-view', 'subjects[0].name "system:authenticated" (Group)'),
      WHY('kubeflow-view', 'subjects[1].name "ci" (ServiceAccount)'),
    ],
  },
  {
    title: 'allows a binding without subjects (it grants nothing)',
    target: 'ClusterRoleBinding',
    object: crb('kubeflow-admin', []),
    denials: [],
  },
  {
    title: 'allows other ClusterRoles',
    target: 'ClusterRoleBinding',
    object: crb('view'),
    denials: [],
  },
  {
    title: 'allows a Role reference of that name (a ClusterRoleBinding cannot use one)',
    target: 'ClusterRoleBinding',
    object: crb('kubeflow-edit', undefined, 'Role'),
    denials: [],
  },
  {
    title: 'allows exempt callers',
    target: 'ClusterRoleBinding',
    object: crb('kubeflow-edit'),
    user: CLUSTER_ADMIN,
    denials: [],
  },
  update('unchanged subjects stay warnings', [user('bob@example.com')], []),
  update(
    'an added subject is denied',
    [user('bob@example.com'), user('eve@example.com')],
    [WHY('kubeflow-edit', 'subjects[1].name "eve@example.com" (User)')],
  ),
  update(
    'a subject added in front is denied, the stored one kept',
    [group('system:authenticated'), user('bob@example.com')],
    [WHY('kubeflow-edit', 'subjects[0].name "system:authenticated" (Group)')],
  ),
  update(
    'a replaced subject is denied',
    [user('eve@example.com')],
    [WHY('kubeflow-edit', 'subjects[0].name "eve@example.com" (User)')],
  ),
  update(
    'a subject of another kind is a new one',
    [group('bob@example.com')],
    [WHY('kubeflow-edit', 'subjects[0].name "bob@example.com" (Group)')],
  ),
  update('removing every subject is allowed', [], []),
];
