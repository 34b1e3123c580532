import { NO_CLUSTER } from '../../cluster-snapshot.js';
import type { KubeObject } from '../../kube-object.js';
import {
  authorizationPolicy,
  denials,
  emptySnapshot,
  evaluate,
  statusOf,
} from '../../test-support/cluster-fixtures.js';
import {
  CLUSTER_ADMIN,
  NS_OWNER_ACCESS_ISTIO,
  PROFILES_CONTROLLER,
} from '../../test-support/kubeflow-objects.js';
import { testPolicy } from '../../test-support/test-policy.js';
import { principalNamespace } from './authz-fields.js';

const GATEWAY = 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';
const allowFrom = (
  source: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): KubeObject => authorizationPolicy('alice', 'p', { rules: [{ from: [{ source }], ...extra }] });
const headerRule = (condition: Record<string, unknown>): KubeObject =>
  authorizationPolicy('alice', 'p', {
    rules: [
      {
        from: [{ source: { principals: [GATEWAY] } }],
        when: [{ key: 'request.headers[kubeflow-userid]', ...condition }],
      },
    ],
  });

describe('AuthorizationPolicy attacks in a profile namespace (CREATE by a non-exempt user)', () => {
  it.each<[string, KubeObject, string[]]>([
    [
      "another profile's namespace",
      allowFrom({ namespaces: ['alice', 'bob'] }),
      [
        'authz-source-namespace: spec.rules[0].from[0].source.namespaces[1] "bob" admits another namespace into "alice"; allowed: this namespace, istio-system, kubeflow (authorizationPolicies.principalNamespaces)',
      ],
    ],
    [
      "another profile's principal",
      allowFrom({ principals: [GATEWAY, 'cluster.local/ns/bob/sa/default-editor'] }),
      [
        'authz-source-namespace: spec.rules[0].from[0].source.principals[1] "cluster.local/ns/bob/sa/default-editor" admits a workload of namespace "bob" into "alice"; allowed: this namespace, istio-system, kubeflow (authorizationPolicies.principalNamespaces)',
      ],
    ],
    [
      'a principal of another trust domain and namespace',
      allowFrom({ principals: ['other.domain/ns/bob/sa/x'] }),
      [
        'authz-source-namespace: spec.rules[0].from[0].source.principals[0] "other.domain/ns/bob/sa/x" admits a workload of namespace "bob" into "alice"; allowed: this namespace, istio-system, kubeflow (authorizationPolicies.principalNamespaces)',
      ],
    ],
    [
      'the * namespace',
      allowFrom({ namespaces: ['*'] }),
      [
        'authz-source-namespace: spec.rules[0].from[0].source.namespaces[0] "*" is a wildcard; allowed: this namespace, istio-system, kubeflow (authorizationPolicies.principalNamespaces)',
      ],
    ],
    [
      'wildcard principals',
      allowFrom({ principals: ['*', 'cluster.local/ns/kubeflow/*', '*/ns/alice/sa/x'] }),
      [
        'authz-source-namespace: spec.rules[0].from[0].source.principals[0] "*" is a wildcard; allowed: this namespace, istio-system, kubeflow (authorizationPolicies.principalNamespaces)',
        'authz-source-namespace: spec.rules[0].from[0].source.principals[1] "cluster.local/ns/kubeflow/*" is a wildcard; allowed: this namespace, istio-system, kubeflow (authorizationPolicies.principalNamespaces)',
        'authz-source-namespace: spec.rules[0].from[0].source.principals[2] "*/ns/alice/sa/x" is a wildcard; allowed: this namespace, istio-system, kubeflow (authorizationPolicies.principalNamespaces)',
      ],
    ],
    [
      'a principal of no known shape',
      allowFrom({ principals: ['bob'] }),
      [
        'authz-source-namespace: spec.rules[0].from[0].source.principals[0] "bob" is not of the form <trust-domain>/ns/<namespace>/sa/<name>',
      ],
    ],
    [
      'an ALLOW rule with no from',
      authorizationPolicy('alice', 'p', {
        action: 'ALLOW',
        rules: [{ to: [{ operation: { methods: ['GET'] } }] }],
      }),
      [
        'authz-any-source: spec.rules[0].from is missing, so the rule admits any source, and spec.rules[0].to[0].operation.paths is empty, so it is not limited to paths (authorizationPolicies.allowedPaths is /healthz, /metrics, /wait-for-drain)',
      ],
    ],
    [
      'an allow-all rule',
      authorizationPolicy('alice', 'p', { rules: [{}] }),
      [
        'authz-any-source: spec.rules[0].from is missing, so the rule admits any source, and spec.rules[0].to does not limit it to paths (authorizationPolicies.allowedPaths is /healthz, /metrics, /wait-for-drain)',
      ],
    ],
    [
      'an empty from with a path outside allowedPaths',
      authorizationPolicy('alice', 'p', {
        rules: [{ from: [], to: [{ operation: { paths: ['/healthz', '/api'] } }] }],
      }),
      [
        'authz-any-source: spec.rules[0].from is empty, so the rule admits any source, and spec.rules[0].to[0].operation.paths[1] "/api" is not an allowed path (authorizationPolicies.allowedPaths is /healthz, /metrics, /wait-for-drain)',
      ],
    ],
    [
      'a source constrained only by exclusions',
      allowFrom({ notNamespaces: ['bob'] }),
      [
        'authz-any-source: spec.rules[0].from[0].source names neither namespaces nor principals, so the rule admits any source, and spec.rules[0].to does not limit it to paths (authorizationPolicies.allowedPaths is /healthz, /metrics, /wait-for-drain)',
      ],
    ],
    [
      'a wildcard user header',
      headerRule({ values: ['*'] }),
      [
        'authz-user-header: spec.rules[0].when[0].values[0] "*" is a wildcard on "request.headers[kubeflow-userid]"; name each user exactly',
      ],
    ],
    [
      'a suffix-wildcard user header, header name in another case',
      authorizationPolicy('alice', 'p', {
        rules: [
          {
            from: [{ source: { principals: [GATEWAY] } }],
            when: [{ key: 'request.headers[KubeFlow-UserID]', values: ['*@example.com'] }],
          },
        ],
      }),
      [
        'authz-user-header: spec.rules[0].when[0].values[0] "*@example.com" is a wildcard on "request.headers[KubeFlow-UserID]"; name each user exactly',
      ],
    ],
    [
      'a user header with only notValues',
      headerRule({ notValues: ['bob@example.com'] }),
      [
        'authz-user-header: spec.rules[0].when[0].notValues without spec.rules[0].when[0].values admits every other user on "request.headers[kubeflow-userid]"; name each user in values',
      ],
    ],
  ])('denies %s', (_name, object, expected) => {
    expect(denials(evaluate('AuthorizationPolicy', object))).toEqual(expected);
  });

  it.each<[string, KubeObject]>([
    ['its own namespace and kubeflow', allowFrom({ namespaces: ['alice', 'kubeflow'] })],
    [
      'spiffe-prefixed principals of istio-system',
      allowFrom({ principals: [`spiffe://${GATEWAY}`] }),
    ],
    [
      'a from-less rule limited to allowed paths',
      authorizationPolicy('alice', 'p', {
        rules: [{ to: [{ operation: { paths: ['/metrics'], methods: ['GET'] } }] }],
      }),
    ],
    [
      'a DENY of everyone',
      authorizationPolicy('alice', 'p', {
        action: 'DENY',
        rules: [{ from: [{ source: { namespaces: ['*'] } }] }],
      }),
    ],
    [
      'an AUDIT rule with no from',
      authorizationPolicy('alice', 'p', { action: 'AUDIT', rules: [{}] }),
    ],
    ['an allow-nothing policy', authorizationPolicy('alice', 'p', {})],
    ['a user header naming one user', headerRule({ values: ['bob@example.com'] })],
    [
      'an unrelated header with a wildcard',
      headerRule({ key: 'request.headers[x-other]', values: ['*'] }),
    ],
    [
      'notValues with values',
      headerRule({ values: ['bob@example.com'], notValues: ['carol@example.com'] }),
    ],
  ])('allows %s', (_name, object) => {
    expect(denials(evaluate('AuthorizationPolicy', object))).toEqual([]);
  });

  it('denies header users outside bindings.userEmailDomains when set', () => {
    const policy = testPolicy({ bindings: { userEmailDomains: ['example.com'] } });
    const result = evaluate(
      'AuthorizationPolicy',
      headerRule({ values: ['bob@example.com', 'eve@evil.io'] }),
      {
        policy,
      },
    );
    expect(denials(result)).toEqual([
      'authz-user-header: spec.rules[0].when[0].values[1] "eve@evil.io" is not a user in an allowed domain; allowed: example.com (bindings.userEmailDomains)',
    ]);
  });

  it('judges several rules and reports each offending field', () => {
    const object = authorizationPolicy('alice', 'p', {
      rules: [
        { from: [{ source: { namespaces: ['alice'] } }] },
        {
          from: [
            { source: { namespaces: ['kubeflow'] } },
            { source: { principals: ['cluster.local/ns/bob/sa/x'] } },
          ],
        },
      ],
    });
    expect(evaluate('AuthorizationPolicy', object).denials.map((d) => d.path)).toEqual([
      'spec.rules[1].from[1].source.principals[0]',
    ]);
  });
});

describe('where the AuthorizationPolicy rules apply', () => {
  const attack = (ns: string): KubeObject =>
    authorizationPolicy(ns, 'p', { rules: [{ from: [{ source: { namespaces: ['*'] } }] }, {}] });

  it('skips them outside profile namespaces', () => {
    const result = evaluate('AuthorizationPolicy', attack('plain'));
    expect(result.allowed).toBe(true);
    expect(statusOf(result, 'authz-source-namespace')).toBe('skip');
  });

  it.each([
    ['none', NO_CLUSTER],
    ['unsynced', emptySnapshot('unsynced')],
  ] as const)('applies them everywhere when the cluster state is %s', (_state, snapshot) => {
    expect(
      evaluate('AuthorizationPolicy', attack('plain'), { cluster: snapshot }).denials.map(
        (d) => d.ruleId,
      ),
    ).toEqual(['authz-source-namespace', 'authz-any-source']);
  });

  it('skips them for exempt callers', () => {
    expect(evaluate('AuthorizationPolicy', attack('alice'), { user: CLUSTER_ADMIN }).allowed).toBe(
      true,
    );
  });

  it('ratchets a violation the stored policy already had', () => {
    const stored = attack('alice');
    const relabelled = {
      ...stored,
      metadata: { name: 'p', namespace: 'alice', labels: { a: 'b' } },
    };
    const result = evaluate('AuthorizationPolicy', relabelled, {
      operation: 'UPDATE',
      oldObject: stored,
    });
    expect(result.allowed).toBe(true);
    expect(result.warnings.map((w) => [w.ruleId, w.ratcheted])).toEqual([
      ['authz-source-namespace', true],
      ['authz-any-source', true],
    ]);
  });
});

describe('binding-protected on AuthorizationPolicies', () => {
  it('denies the owner deleting ns-owner-access-istio and lets the profile controller', () => {
    const byOwner = evaluate('AuthorizationPolicy', undefined, {
      operation: 'DELETE',
      oldObject: NS_OWNER_ACCESS_ISTIO,
    });
    expect(denials(byOwner)).toEqual([
      'binding-protected: metadata.name "ns-owner-access-istio" is a protected AuthorizationPolicy (bindings.protected): it may only be deleted by kubeflow/profiles-controller-service-account (bindings.protectedManagers)',
    ]);
    const byController = evaluate('AuthorizationPolicy', undefined, {
      operation: 'DELETE',
      oldObject: NS_OWNER_ACCESS_ISTIO,
      user: PROFILES_CONTROLLER,
    });
    expect(byController.allowed).toBe(true);
  });
});

describe('principalNamespace', () => {
  it.each([
    ['cluster.local/ns/kubeflow/sa/x', 'kubeflow'],
    ['spiffe://td/ns/a/sa/b', 'a'],
    ['td/ns/a/sa/', undefined],
    ['ns/a/sa/b', undefined],
    ['td/ns//sa/b', undefined],
    ['td/x/a/sa/b', undefined],
  ])('%s -> %s', (principal, expected) => {
    expect(principalNamespace(principal)).toBe(expected);
  });
});
