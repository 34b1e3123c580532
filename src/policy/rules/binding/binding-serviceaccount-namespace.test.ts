import type { KubeObject } from '../../kube-object.js';
import {
  denials,
  editBinding,
  evaluate,
  serviceAccount,
  user,
} from '../../test-support/cluster-fixtures.js';

describe('binding-serviceaccount-namespace (CREATE in a profile namespace by a non-exempt user)', () => {
  it.each<[string, KubeObject, string[]]>([
    [
      "a ServiceAccount of another profile's namespace",
      editBinding([serviceAccount('default-editor', 'bob')]),
      [
        'binding-serviceaccount-namespace: subjects[0].namespace "bob" binds a ServiceAccount of namespace "bob" into "alice"; allowed: this namespace, kubeflow (bindings.serviceAccountNamespaces)',
      ],
    ],
    [
      'the same ServiceAccount spelled as a User',
      editBinding([user('system:serviceaccount:bob:default-editor')]),
      [
        'binding-serviceaccount-namespace: subjects[0].name "system:serviceaccount:bob:default-editor" binds a ServiceAccount of namespace "bob" into "alice"; allowed: this namespace, kubeflow (bindings.serviceAccountNamespaces)',
      ],
    ],
  ])('denies %s', (_name, object, expected) => {
    expect(denials(evaluate('RoleBinding', object))).toEqual(expected);
  });

  it.each<[string, KubeObject]>([
    [
      'a ServiceAccount without namespace (the binding’s own)',
      editBinding([serviceAccount('default-editor')]),
    ],
    ['a ServiceAccount of kubeflow', editBinding([serviceAccount('ml-pipeline', 'kubeflow')])],
  ])('allows %s', (_name, object) => {
    expect(denials(evaluate('RoleBinding', object))).toEqual([]);
  });
});
