import type { KubeObject } from '../../kube-object.js';
import {
  allowFrom,
  authorizationPolicy,
  evaluate,
  GATEWAY_PRINCIPAL,
  ruleDenials,
} from '../../test-support/cluster-fixtures.js';

const ALLOWED =
  'allowed: this namespace, istio-system, kubeflow (authorizationPolicies.principalNamespaces)';
const judge = (object: KubeObject): string[] =>
  ruleDenials(evaluate('AuthorizationPolicy', object), 'authz-source-namespace');
const whenRule = (...when: Record<string, unknown>[]): KubeObject =>
  authorizationPolicy('alice', 'p', { rules: [{ when }] });
const foreign = (path: string, value: string) =>
  `authz-source-namespace: ${path} ${JSON.stringify(value)} admits another namespace into "alice"; ${ALLOWED}`;
const foreignWorkload = (path: string, value: string, ns: string) =>
  `authz-source-namespace: ${path} ${JSON.stringify(value)} admits a workload of namespace "${ns}" into "alice"; ${ALLOWED}`;
const wildcard = (path: string, value: string) =>
  `authz-source-namespace: ${path} ${JSON.stringify(value)} is a wildcard; ${ALLOWED}`;

describe('authz-source-namespace (alice, in her profile namespace)', () => {
  describe('from[].source', () => {
    it.each<[string, KubeObject, string[]]>([
      [
        "another profile's namespace",
        allowFrom({ namespaces: ['alice', 'bob'] }),
        [foreign('spec.rules[0].from[0].source.namespaces[1]', 'bob')],
      ],
      [
        "another profile's principal",
        allowFrom({ principals: [GATEWAY_PRINCIPAL, 'cluster.local/ns/bob/sa/default-editor'] }),
        [
          foreignWorkload(
            'spec.rules[0].from[0].source.principals[1]',
            'cluster.local/ns/bob/sa/default-editor',
            'bob',
          ),
        ],
      ],
      [
        'a principal of another trust domain and namespace',
        allowFrom({ principals: ['other.domain/ns/bob/sa/x'] }),
        [
          foreignWorkload(
            'spec.rules[0].from[0].source.principals[0]',
            'other.domain/ns/bob/sa/x',
            'bob',
          ),
        ],
      ],
      [
        'a spiffe-prefixed principal of another namespace',
        allowFrom({ principals: ['spiffe://cluster.local/ns/bob/sa/x'] }),
        [
          foreignWorkload(
            'spec.rules[0].from[0].source.principals[0]',
            'spiffe://cluster.local/ns/bob/sa/x',
            'bob',
          ),
        ],
      ],
      [
        'the * namespace',
        allowFrom({ namespaces: ['*'] }),
        [wildcard('spec.rules[0].from[0].source.namespaces[0]', '*')],
      ],
      [
        'a prefix namespace',
        allowFrom({ namespaces: ['ali*'] }),
        [wildcard('spec.rules[0].from[0].source.namespaces[0]', 'ali*')],
      ],
      [
        'a suffix namespace',
        allowFrom({ namespaces: ['*ice'] }),
        [wildcard('spec.rules[0].from[0].source.namespaces[0]', '*ice')],
      ],
      [
        'wildcard principals',
        allowFrom({ principals: ['*', 'cluster.local/ns/kubeflow/*', '*/ns/alice/sa/x'] }),
        [
          wildcard('spec.rules[0].from[0].source.principals[0]', '*'),
          wildcard('spec.rules[0].from[0].source.principals[1]', 'cluster.local/ns/kubeflow/*'),
          wildcard('spec.rules[0].from[0].source.principals[2]', '*/ns/alice/sa/x'),
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
        'a namespace in another case (Istio compares exactly: another namespace)',
        allowFrom({ namespaces: ['Alice'] }),
        [foreign('spec.rules[0].from[0].source.namespaces[0]', 'Alice')],
      ],
      [
        'a foreign source hidden in a second from entry',
        authorizationPolicy('alice', 'p', {
          rules: [
            { from: [{ source: { namespaces: ['alice'] } }, { source: { namespaces: ['bob'] } }] },
          ],
        }),
        [foreign('spec.rules[0].from[1].source.namespaces[0]', 'bob')],
      ],
      [
        'a foreign source in a later rule',
        authorizationPolicy('alice', 'p', {
          rules: [
            { from: [{ source: { namespaces: ['alice'] } }] },
            { from: [{ source: { namespaces: ['bob'] } }] },
          ],
        }),
        [foreign('spec.rules[1].from[0].source.namespaces[0]', 'bob')],
      ],
      [
        'an ALLOW spelled out, or no action at all (ALLOW)',
        authorizationPolicy('alice', 'p', {
          action: 'ALLOW',
          rules: [{ from: [{ source: { namespaces: ['bob'] } }] }],
        }),
        [foreign('spec.rules[0].from[0].source.namespaces[0]', 'bob')],
      ],
      [
        'an unknown action (judged as ALLOW)',
        authorizationPolicy('alice', 'p', {
          action: 'allow',
          rules: [{ from: [{ source: { namespaces: ['bob'] } }] }],
        }),
        [foreign('spec.rules[0].from[0].source.namespaces[0]', 'bob')],
      ],
    ])('denies %s', (_name, object, expected) => {
      expect(judge(object)).toEqual(expected);
    });
  });

  describe('when conditions on source.namespace / source.principal restrict sources like from', () => {
    it.each<[string, KubeObject, string[]]>([
      [
        'source.namespace of another profile',
        whenRule({ key: 'source.namespace', values: ['bob'] }),
        [foreign('spec.rules[0].when[0].values[0]', 'bob')],
      ],
      [
        'source.namespace with a wildcard',
        whenRule({ key: 'source.namespace', values: ['*'] }),
        [wildcard('spec.rules[0].when[0].values[0]', '*')],
      ],
      [
        'source.principal of another namespace',
        whenRule({ key: 'source.principal', values: ['cluster.local/ns/bob/sa/default-editor'] }),
        [
          foreignWorkload(
            'spec.rules[0].when[0].values[0]',
            'cluster.local/ns/bob/sa/default-editor',
            'bob',
          ),
        ],
      ],
      [
        'source.principal with a prefix wildcard',
        whenRule({ key: 'source.principal', values: ['cluster.local/ns/alice/*'] }),
        [wildcard('spec.rules[0].when[0].values[0]', 'cluster.local/ns/alice/*')],
      ],
      [
        'a key in another case or with spaces (judged, since Istio might honour it)',
        whenRule(
          { key: ' Source.Namespace ', values: ['bob'] },
          { key: 'source.principals', values: ['x'] },
        ),
        [
          foreign('spec.rules[0].when[0].values[0]', 'bob'),
          'authz-source-namespace: spec.rules[0].when[1].values[0] "x" is not of the form <trust-domain>/ns/<namespace>/sa/<name>',
        ],
      ],
      [
        'a condition beside a from of the own namespace',
        authorizationPolicy('alice', 'p', {
          rules: [
            {
              from: [{ source: { namespaces: ['alice'] } }],
              when: [{ key: 'source.namespace', values: ['alice', 'bob'] }],
            },
          ],
        }),
        [foreign('spec.rules[0].when[0].values[1]', 'bob')],
      ],
    ])('denies %s', (_name, object, expected) => {
      expect(judge(object)).toEqual(expected);
    });
  });

  it.each<[string, KubeObject]>([
    ['its own namespace and kubeflow', allowFrom({ namespaces: ['alice', 'kubeflow'] })],
    [
      'spiffe-prefixed principals of istio-system',
      allowFrom({ principals: [`spiffe://${GATEWAY_PRINCIPAL}`] }),
    ],
    [
      'exclusions of any namespace (they never admit)',
      allowFrom({ namespaces: ['alice'], notNamespaces: ['*', 'bob'], notPrincipals: ['*'] }),
    ],
    [
      'a when condition on its own namespace (Kubeflow’s ns-owner-access-istio)',
      whenRule({ key: 'source.namespace', values: ['alice'] }),
    ],
    [
      'notValues of another namespace (they only exclude)',
      whenRule({ key: 'source.namespace', values: ['alice'], notValues: ['bob', '*'] }),
    ],
    [
      'a waypoint principal of its own namespace',
      allowFrom({ principals: ['cluster.local/ns/alice/sa/waypoint'] }),
    ],
    [
      'other condition keys',
      whenRule(
        { key: 'source.ip', values: ['10.0.0.0/8'] },
        { key: 'request.headers[x-ns]', values: ['bob'] },
      ),
    ],
    [
      'a DENY of everyone',
      authorizationPolicy('alice', 'p', {
        action: 'DENY',
        rules: [{ from: [{ source: { namespaces: ['*'] } }] }],
      }),
    ],
    [
      'an AUDIT or CUSTOM rule',
      authorizationPolicy('alice', 'p', {
        action: 'CUSTOM',
        provider: { name: 'x' },
        rules: [{ from: [{ source: { namespaces: ['bob'] } }] }],
      }),
    ],
  ])('allows %s', (_name, object) => {
    expect(judge(object)).toEqual([]);
  });

  it('judges v1beta1 exactly like v1', () => {
    const object = {
      ...allowFrom({ namespaces: ['bob'] }),
      apiVersion: 'security.istio.io/v1beta1',
    };
    expect(judge(object)).toEqual([foreign('spec.rules[0].from[0].source.namespaces[0]', 'bob')]);
  });
});
