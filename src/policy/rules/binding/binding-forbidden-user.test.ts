import type { KubeObject } from '../../kube-object.js';
import {
  editBinding,
  evaluate,
  group,
  serviceAccount,
  statusOf,
  user,
} from '../../test-support/cluster-fixtures.js';
import { KFAM_BINDING } from '../../test-support/kubeflow-objects.js';
import {
  evaluateObjectCase,
  objectCaseDenials,
  objectCaseTable,
} from '../../test-support/rule-cases.js';
import { CASES } from './binding-forbidden-user.cases.js';

describe('binding-forbidden-user (alice, in her profile namespace)', () => {
  it.each(objectCaseTable(CASES))('%s', (_title, row) => {
    expect(objectCaseDenials(row)).toEqual(row.denials);
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

  it('skips namespaces that are not profile namespaces', () => {
    expect(
      statusOf(
        evaluate('RoleBinding', editBinding([user('system:anonymous')], 'plain')),
        'binding-forbidden-user',
      ),
    ).toBe('skip');
  });

  it('keeps the stored anonymous subject of an UPDATE as a ratcheted warning', () => {
    const kept = evaluateObjectCase(CASES[7]!);
    expect(kept.warnings).toMatchObject([{ ruleId: 'binding-forbidden-user', ratcheted: true }]);
  });
});
