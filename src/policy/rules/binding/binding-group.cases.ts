import { editBinding, group } from '../../test-support/cluster-fixtures.js';
import type { ObjectRuleCase } from '../../test-support/rule-cases.js';

const FORBIDDEN =
  'is a forbidden group (bindings.forbiddenGroups: system:authenticated, system:unauthenticated, system:serviceaccounts)';

/** binding-group's table: CREATEs in profile namespace alice by alice. */
export const CASES: readonly ObjectRuleCase[] = [
  {
    title: 'denies system:serviceaccounts and system:authenticated',
    target: 'RoleBinding',
    object: editBinding([group('system:serviceaccounts'), group('system:authenticated')]),
    denials: [
      `binding-group: subjects[0].name "system:serviceaccounts" ${FORBIDDEN}`,
      `binding-group: subjects[1].name "system:authenticated" ${FORBIDDEN}`,
    ],
  },
  {
    title: "denies every ServiceAccount of another profile's namespace (its own is allowed)",
    target: 'RoleBinding',
    object: editBinding([
      group('system:serviceaccounts:alice'),
      group('system:serviceaccounts:bob'),
    ]),
    denials: [
      'binding-group: subjects[1].name "system:serviceaccounts:bob" binds every ServiceAccount of namespace "bob" into "alice"; allowed: this namespace, kubeflow (bindings.serviceAccountNamespaces)',
    ],
  },
  {
    title: 'denies system:unauthenticated under a Group kind in upper case',
    target: 'RoleBinding',
    object: editBinding([{ kind: 'GROUP', name: 'system:unauthenticated' }]),
    denials: [`binding-group: subjects[0].name "system:unauthenticated" ${FORBIDDEN}`],
  },
];
