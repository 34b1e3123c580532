import { editBinding, serviceAccount, user } from '../../test-support/cluster-fixtures.js';
import type { ObjectRuleCase } from '../../test-support/rule-cases.js';

const ALLOWED = 'allowed: this namespace, kubeflow (bindings.serviceAccountNamespaces)';

/** binding-serviceaccount-namespace's table: CREATEs in profile namespace alice by alice. */
export const CASES: readonly ObjectRuleCase[] = [
  {
    title: "denies a ServiceAccount of another profile's namespace",
    target: 'RoleBinding',
    object: editBinding([serviceAccount('default-editor', 'bob')]),
    denials: [
      `binding-serviceaccount-namespace: subjects[0].namespace "bob" binds a ServiceAccount of namespace "bob" into "alice"; ${ALLOWED}`,
    ],
  },
  {
    title: 'denies the same ServiceAccount spelled as a User',
    target: 'RoleBinding',
    object: editBinding([user('system:serviceaccount:bob:default-editor')]),
    denials: [
      `binding-serviceaccount-namespace: subjects[0].name "system:serviceaccount:bob:default-editor" binds a ServiceAccount of namespace "bob" into "alice"; ${ALLOWED}`,
    ],
  },
  {
    title: 'denies a ServiceAccount user name without its account name',
    target: 'RoleBinding',
    object: editBinding([user('system:serviceaccount:bob')]),
    denials: [
      `binding-serviceaccount-namespace: subjects[0].name "system:serviceaccount:bob" binds a ServiceAccount of namespace "bob" into "alice"; ${ALLOWED}`,
    ],
  },
  {
    title: 'denies a ServiceAccount kind in lower case of another namespace',
    target: 'RoleBinding',
    object: editBinding([{ kind: 'serviceaccount', name: 'default-editor', namespace: 'bob' }]),
    denials: [
      `binding-serviceaccount-namespace: subjects[0].namespace "bob" binds a ServiceAccount of namespace "bob" into "alice"; ${ALLOWED}`,
    ],
  },
  {
    title: 'allows a ServiceAccount with an empty namespace (the binding’s own)',
    target: 'RoleBinding',
    object: editBinding([{ kind: 'ServiceAccount', name: 'default-editor', namespace: '' }]),
    denials: [],
  },
  {
    title: 'allows a ServiceAccount without namespace (the binding’s own)',
    target: 'RoleBinding',
    object: editBinding([serviceAccount('default-editor')]),
    denials: [],
  },
  {
    title: 'allows a ServiceAccount of kubeflow',
    target: 'RoleBinding',
    object: editBinding([serviceAccount('ml-pipeline', 'kubeflow')]),
    denials: [],
  },
];
