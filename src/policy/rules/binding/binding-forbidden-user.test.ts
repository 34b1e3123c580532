import type { KubeObject } from '../../kube-object.js';
import {
  denials,
  editBinding,
  evaluate,
  group,
  serviceAccount,
  statusOf,
  user,
} from '../../test-support/cluster-fixtures.js';
import { CLUSTER_ADMIN, KFAM_BINDING } from '../../test-support/kubeflow-objects.js';
import { testPolicy } from '../../test-support/test-policy.js';

const ANONYMOUS =
  'binding-forbidden-user: subjects[0].name "system:anonymous" is a forbidden user (bindings.forbiddenUsers: system:anonymous)';

describe('binding-forbidden-user (alice, in her profile namespace)', () => {
  it.each<[string, KubeObject, string[]]>([
    ['User system:anonymous', editBinding([user('system:anonymous')]), [ANONYMOUS]],
    [
      'system:anonymous behind a legitimate contributor',
      editBinding([user('bob@example.com'), user('system:anonymous')]),
      [ANONYMOUS.replace('subjects[0]', 'subjects[1]')],
    ],
    [
      'system:anonymous without apiGroup',
      editBinding([{ kind: 'User', name: 'system:anonymous' }]),
      [ANONYMOUS],
    ],
    [
      'system:anonymous twice',
      editBinding([user('system:anonymous'), user('system:anonymous')]),
      [ANONYMOUS, ANONYMOUS.replace('subjects[0]', 'subjects[1]')],
    ],
    [
      'system:anonymous under the admin role',
      {
        ...editBinding([user('system:anonymous')]),
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: 'kubeflow-view',
        },
      },
      [ANONYMOUS],
    ],
  ])('denies %s', (_name, object, expected) => {
    expect(denials(evaluate('RoleBinding', object))).toEqual(expected);
  });

  it.each<[string, KubeObject]>([
    ["KFAM's contributor binding", KFAM_BINDING],
    // RBAC compares user names exactly: these are other (nonexistent) users, not the anonymous one.
    ['a differently cased name', editBinding([user('System:Anonymous')])],
    ['a padded name', editBinding([user(' system:anonymous')])],
    // Groups are binding-group's: system:unauthenticated is denied there, not here.
    ['a Group of that name', editBinding([group('system:anonymous')])],
    ['a ServiceAccount of that name', editBinding([serviceAccount('system:anonymous')])],
  ])('leaves %s to other rules', (_name, object) => {
    expect(statusOf(evaluate('RoleBinding', object), 'binding-forbidden-user')).toBe('pass');
  });

  it('denies what bindings.forbiddenUsers lists, and nothing when it is empty', () => {
    const policy = testPolicy({ bindings: { forbiddenUsers: ['mallory@example.com'] } });
    expect(
      denials(evaluate('RoleBinding', editBinding([user('mallory@example.com')]), { policy })),
    ).toEqual([
      'binding-forbidden-user: subjects[0].name "mallory@example.com" is a forbidden user (bindings.forbiddenUsers: mallory@example.com)',
    ]);
    const open = testPolicy({ bindings: { forbiddenUsers: [] } });
    expect(
      evaluate('RoleBinding', editBinding([user('system:anonymous')]), { policy: open }).allowed,
    ).toBe(true);
  });

  it('skips exempt callers and namespaces that are not profile namespaces', () => {
    const anonymous = editBinding([user('system:anonymous')]);
    expect(evaluate('RoleBinding', anonymous, { user: CLUSTER_ADMIN }).allowed).toBe(true);
    expect(
      statusOf(
        evaluate('RoleBinding', editBinding([user('system:anonymous')], 'plain')),
        'binding-forbidden-user',
      ),
    ).toBe('skip');
  });

  it('judges an added anonymous subject on UPDATE, keeping a stored one as a warning', () => {
    const stored = editBinding([user('system:anonymous')]);
    const added = editBinding([user('bob@example.com'), user('system:anonymous')]);
    const kept = evaluate('RoleBinding', added, { operation: 'UPDATE', oldObject: stored });
    expect(kept.allowed).toBe(true);
    expect(kept.warnings).toMatchObject([{ ruleId: 'binding-forbidden-user', ratcheted: true }]);
    const fresh = evaluate('RoleBinding', added, {
      operation: 'UPDATE',
      oldObject: editBinding([user('bob@example.com')]),
    });
    expect(denials(fresh)).toEqual([ANONYMOUS.replace('subjects[0]', 'subjects[1]')]);
  });
});
