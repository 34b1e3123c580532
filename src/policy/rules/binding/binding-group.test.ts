import type { KubeObject } from '../../kube-object.js';
import { denials, editBinding, evaluate, group } from '../../test-support/cluster-fixtures.js';

describe('binding-group (CREATE in a profile namespace by a non-exempt user)', () => {
  it.each<[string, KubeObject, string[]]>([
    [
      'system:serviceaccounts and system:authenticated',
      editBinding([group('system:serviceaccounts'), group('system:authenticated')]),
      [
        'binding-group: subjects[0].name "system:serviceaccounts" is a forbidden group (bindings.forbiddenGroups: system:authenticated, system:unauthenticated, system:serviceaccounts)',
        'binding-group: subjects[1].name "system:authenticated" is a forbidden group (bindings.forbiddenGroups: system:authenticated, system:unauthenticated, system:serviceaccounts)',
      ],
    ],
    [
      "every ServiceAccount of another profile's namespace (its own is allowed)",
      editBinding([group('system:serviceaccounts:alice'), group('system:serviceaccounts:bob')]),
      [
        'binding-group: subjects[1].name "system:serviceaccounts:bob" binds every ServiceAccount of namespace "bob" into "alice"; allowed: this namespace, kubeflow (bindings.serviceAccountNamespaces)',
      ],
    ],
  ])('denies %s', (_name, object, expected) => {
    expect(denials(evaluate('RoleBinding', object))).toEqual(expected);
  });
});
