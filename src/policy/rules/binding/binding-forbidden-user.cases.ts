import type { KubeObject } from '../../kube-object.js';
import { editBinding, user } from '../../test-support/cluster-fixtures.js';
import { CLUSTER_ADMIN } from '../../test-support/kubeflow-objects.js';
import type { ObjectRuleCase } from '../../test-support/rule-cases.js';
import { testPolicy } from '../../test-support/test-policy.js';

const ANONYMOUS =
  'binding-forbidden-user: subjects[0].name "system:anonymous" is a forbidden user (bindings.forbiddenUsers: system:anonymous)';
const second = ANONYMOUS.replace('subjects[0]', 'subjects[1]');
const created = (title: string, object: KubeObject, denials: string[]): ObjectRuleCase => ({
  title,
  target: 'RoleBinding',
  object,
  denials,
});

/** binding-forbidden-user's table (alice, in her profile namespace). */
export const CASES: readonly ObjectRuleCase[] = [
  created('denies User system:anonymous', editBinding([user('system:anonymous')]), [ANONYMOUS]),
  created(
    'denies system:anonymous behind a legitimate contributor',
    editBinding([user('bob@example.com'), user('system:anonymous')]),
    [second],
  ),
  created(
    'denies system:anonymous without apiGroup',
    editBinding([{ kind: 'User', name: 'system:anonymous' }]),
    [ANONYMOUS],
  ),
  created(
    'denies system:anonymous twice',
    editBinding([user('system:anonymous'), user('system:anonymous')]),
    [ANONYMOUS, second],
  ),
  {
    title: 'denies what bindings.forbiddenUsers lists',
    target: 'RoleBinding',
    object: editBinding([user('mallory@example.com')]),
    policy: testPolicy({ bindings: { forbiddenUsers: ['mallory@example.com'] } }),
    denials: [
      'binding-forbidden-user: subjects[0].name "mallory@example.com" is a forbidden user (bindings.forbiddenUsers: mallory@example.com)',
    ],
  },
  {
    title: 'denies nothing when bindings.forbiddenUsers is empty',
    target: 'RoleBinding',
    object: editBinding([user('system:anonymous')]),
    policy: testPolicy({ bindings: { forbiddenUsers: [] } }),
    denials: [],
  },
  {
    title: 'skips exempt callers',
    target: 'RoleBinding',
    object: editBinding([user('system:anonymous')]),
    user: CLUSTER_ADMIN,
    denials: [],
  },
  {
    title: 'keeps a stored anonymous subject on UPDATE (a warning)',
    target: 'RoleBinding',
    operation: 'UPDATE',
    object: editBinding([user('bob@example.com'), user('system:anonymous')]),
    oldObject: editBinding([user('system:anonymous')]),
    denials: [],
  },
  {
    title: 'denies an anonymous subject added on UPDATE',
    target: 'RoleBinding',
    operation: 'UPDATE',
    object: editBinding([user('bob@example.com'), user('system:anonymous')]),
    oldObject: editBinding([user('bob@example.com')]),
    denials: [second],
  },
  // The API server refuses a kind in another case before any validating webhook; a review sent
  // to the webhook directly is judged by the kind the spelling names.
  created(
    'denies system:anonymous as a User kind in lower case',
    editBinding([{ kind: 'user', name: 'system:anonymous' }]),
    [ANONYMOUS],
  ),
  created(
    'allows System:Anonymous (RBAC compares names exactly: another, nonexistent user)',
    editBinding([user('System:Anonymous')]),
    [],
  ),
];
