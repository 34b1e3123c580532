import type { KubeObject } from '../../kube-object.js';
import type { UserInfo } from '../../request.js';
import {
  denials,
  evaluate,
  group,
  serviceAccount,
  user,
} from '../../test-support/cluster-fixtures.js';
import { ALICE } from '../../test-support/fixtures.js';
import { CLUSTER_ADMIN } from '../../test-support/kubeflow-objects.js';

const crb = (
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
  `roleRef.name "${role}" is a profile role (bindings.allowedRoles: kubeflow-admin, kubeflow-edit, kubeflow-view); a ClusterRoleBinding would grant it to ${subject} in every profile namespace — bind it with a RoleBinding in each namespace instead`;

describe('clusterbinding-profile-role', () => {
  it.each<[string, KubeObject, UserInfo, string[]]>([
    [
      'denies a ClusterRoleBinding of kubeflow-edit, naming the subject',
      crb('kubeflow-edit'),
      ALICE,
      [
        `clusterbinding-profile-role: ${WHY('kubeflow-edit', 'subjects[0].name "bob@example.com" (User)')}`,
      ],
    ],
    [
      'reports every subject',
      crb('kubeflow-view', [group('system:authenticated'), serviceAccount('ci', 'team')]),
      ALICE,
      [
        `clusterbinding-profile-role: ${WHY('kubeflow-view', 'subjects[0].name "system:authenticated" (Group)')}`,
        `clusterbinding-profile-role: ${WHY('kubeflow-view', 'subjects[1].name "ci" (ServiceAccount)')}`,
      ],
    ],
    ['allows a binding without subjects (it grants nothing)', crb('kubeflow-admin', []), ALICE, []],
    ['allows other ClusterRoles', crb('view'), ALICE, []],
    [
      'allows a Role reference of that name (a ClusterRoleBinding cannot use one)',
      crb('kubeflow-edit', undefined, 'Role'),
      ALICE,
      [],
    ],
    ['allows exempt callers', crb('kubeflow-edit'), CLUSTER_ADMIN, []],
  ])('%s', (_case, object, caller, expected) => {
    const result = evaluate('ClusterRoleBinding', object, { user: caller });
    expect(denials(result)).toEqual(expected);
    expect(result.allowed).toBe(expected.length === 0);
  });

  describe('on UPDATE of a binding that already violated (ratcheting by subject)', () => {
    const stored = crb('kubeflow-edit', [user('bob@example.com')]);
    const update = (subjects: Record<string, unknown>[]) => {
      const result = evaluate('ClusterRoleBinding', crb('kubeflow-edit', subjects), {
        operation: 'UPDATE',
        oldObject: stored,
      });
      return {
        denied: result.denials.map((finding) => finding.path),
        kept: result.warnings.filter((finding) => finding.ratcheted).map((finding) => finding.path),
      };
    };

    it.each<[string, Record<string, unknown>[], object]>([
      [
        'unchanged subjects stay warnings',
        [user('bob@example.com')],
        { denied: [], kept: ['subjects[0].name'] },
      ],
      [
        'an added subject is denied',
        [user('bob@example.com'), user('eve@example.com')],
        { denied: ['subjects[1].name'], kept: ['subjects[0].name'] },
      ],
      [
        'a subject added in front is denied, the stored one kept',
        [group('system:authenticated'), user('bob@example.com')],
        { denied: ['subjects[0].name'], kept: ['subjects[1].name'] },
      ],
      [
        'a replaced subject is denied',
        [user('eve@example.com')],
        { denied: ['subjects[0].name'], kept: [] },
      ],
      [
        'a subject of another kind is a new one',
        [group('bob@example.com')],
        { denied: ['subjects[0].name'], kept: [] },
      ],
      ['removing every subject is allowed', [], { denied: [], kept: [] }],
    ])('%s', (_name, subjects, expected) => {
      expect(update(subjects)).toEqual(expected);
    });
  });
});
