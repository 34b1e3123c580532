import { roleBinding, user } from '../../test-support/cluster-fixtures.js';
import { CLUSTER_ADMIN } from '../../test-support/kubeflow-objects.js';
import type { ObjectRuleCase } from '../../test-support/rule-cases.js';
import { testPolicy } from '../../test-support/test-policy.js';

const NOT_ALLOWED = (role: string) =>
  `binding-role: roleRef.name "${role}" is a ClusterRole not allowed in profile namespaces; allowed: kubeflow-admin, kubeflow-edit, kubeflow-view (bindings.allowedRoles)`;

/** binding-role's table: CREATEs in profile namespace alice by alice unless said. */
export const CASES: readonly ObjectRuleCase[] = [
  ...['cluster-admin', 'admin', 'edit'].map((role) => ({
    title: `denies the ${role} ClusterRole`,
    target: 'RoleBinding' as const,
    object: roleBinding('alice', 'x', { name: role }, [user('bob@example.com')]),
    denials: [NOT_ALLOWED(role)],
  })),
  {
    title: 'denies a roleRef of an unknown kind',
    target: 'RoleBinding',
    object: roleBinding('alice', 'x', { kind: 'Thing', name: 'kubeflow-edit' }, [
      user('bob@example.com'),
    ]),
    denials: ['binding-role: roleRef.kind "Thing" is neither Role nor ClusterRole'],
  },
  {
    title: 'allows a Role of the namespace',
    target: 'RoleBinding',
    object: roleBinding('alice', 'x', { kind: 'Role', name: 'anything' }, [user('b@x.io')]),
    denials: [],
  },
  {
    title: 'allows a contributor with kubeflow-view',
    target: 'RoleBinding',
    object: roleBinding('alice', 'y', { name: 'kubeflow-view' }, [user('carol@example.com')]),
    denials: [],
  },
  {
    title: 'only warns of the edit ClusterRole in Warn mode',
    target: 'RoleBinding',
    object: roleBinding('alice', 'x', { name: 'edit' }, [user('bob@example.com')]),
    policy: testPolicy({ ruleModes: { 'binding-role': 'Warn' } }),
    denials: [],
    warnings: [NOT_ALLOWED('edit')],
  },
  {
    title: 'only audits the edit ClusterRole in Audit mode',
    target: 'RoleBinding',
    object: roleBinding('alice', 'x', { name: 'edit' }, [user('bob@example.com')]),
    policy: testPolicy({ ruleModes: { 'binding-role': 'Audit' } }),
    denials: [],
    warnings: [],
  },
  {
    title: 'skips a cluster admin (exempt)',
    target: 'RoleBinding',
    object: roleBinding('alice', 'x', { name: 'cluster-admin' }, [user('bob@example.com')]),
    user: CLUSTER_ADMIN,
    denials: [],
  },
];
