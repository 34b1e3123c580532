import type { KubeObject } from '../../kube-object.js';
import {
  allowFrom,
  authorizationPolicy,
  denials,
  evaluate,
  GATEWAY_PRINCIPAL,
} from '../../test-support/cluster-fixtures.js';

const ALLOWED =
  'allowed: this namespace, istio-system, kubeflow (authorizationPolicies.principalNamespaces)';

describe('authz-source-namespace (CREATE in a profile namespace by a non-exempt user)', () => {
  it.each<[string, KubeObject, string[]]>([
    [
      "another profile's namespace",
      allowFrom({ namespaces: ['alice', 'bob'] }),
      [
        `authz-source-namespace: spec.rules[0].from[0].source.namespaces[1] "bob" admits another namespace into "alice"; ${ALLOWED}`,
      ],
    ],
    [
      "another profile's principal",
      allowFrom({ principals: [GATEWAY_PRINCIPAL, 'cluster.local/ns/bob/sa/default-editor'] }),
      [
        `authz-source-namespace: spec.rules[0].from[0].source.principals[1] "cluster.local/ns/bob/sa/default-editor" admits a workload of namespace "bob" into "alice"; ${ALLOWED}`,
      ],
    ],
    [
      'a principal of another trust domain and namespace',
      allowFrom({ principals: ['other.domain/ns/bob/sa/x'] }),
      [
        `authz-source-namespace: spec.rules[0].from[0].source.principals[0] "other.domain/ns/bob/sa/x" admits a workload of namespace "bob" into "alice"; ${ALLOWED}`,
      ],
    ],
    [
      'the * namespace',
      allowFrom({ namespaces: ['*'] }),
      [
        `authz-source-namespace: spec.rules[0].from[0].source.namespaces[0] "*" is a wildcard; ${ALLOWED}`,
      ],
    ],
    [
      'wildcard principals',
      allowFrom({ principals: ['*', 'cluster.local/ns/kubeflow/*', '*/ns/alice/sa/x'] }),
      [
        `authz-source-namespace: spec.rules[0].from[0].source.principals[0] "*" is a wildcard; ${ALLOWED}`,
        `authz-source-namespace: spec.rules[0].from[0].source.principals[1] "cluster.local/ns/kubeflow/*" is a wildcard; ${ALLOWED}`,
        `authz-source-namespace: spec.rules[0].from[0].source.principals[2] "*/ns/alice/sa/x" is a wildcard; ${ALLOWED}`,
      ],
    ],
    [
      'a principal of no known shape',
      allowFrom({ principals: ['bob'] }),
      [
        'authz-source-namespace: spec.rules[0].from[0].source.principals[0] "bob" is not of the form <trust-domain>/ns/<namespace>/sa/<name>',
      ],
    ],
  ])('denies %s', (_name, object, expected) => {
    expect(denials(evaluate('AuthorizationPolicy', object))).toEqual(expected);
  });

  it.each<[string, KubeObject]>([
    ['its own namespace and kubeflow', allowFrom({ namespaces: ['alice', 'kubeflow'] })],
    [
      'spiffe-prefixed principals of istio-system',
      allowFrom({ principals: [`spiffe://${GATEWAY_PRINCIPAL}`] }),
    ],
    [
      'a DENY of everyone',
      authorizationPolicy('alice', 'p', {
        action: 'DENY',
        rules: [{ from: [{ source: { namespaces: ['*'] } }] }],
      }),
    ],
  ])('allows %s', (_name, object) => {
    expect(denials(evaluate('AuthorizationPolicy', object))).toEqual([]);
  });

  it.each<[string, KubeObject, string[]]>([
    [
      'several rules and sources, one offending',
      authorizationPolicy('alice', 'p', {
        rules: [
          { from: [{ source: { namespaces: ['alice'] } }] },
          {
            from: [
              { source: { namespaces: ['kubeflow'] } },
              { source: { principals: ['cluster.local/ns/bob/sa/x'] } },
            ],
          },
        ],
      }),
      ['spec.rules[1].from[1].source.principals[0]'],
    ],
  ])('judges %s and reports each offending field', (_name, object, paths) => {
    expect(evaluate('AuthorizationPolicy', object).denials.map((d) => d.path)).toEqual(paths);
  });
});
