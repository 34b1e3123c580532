import type { KubeObject } from '../../kube-object.js';
import { lazyMessagesWritten } from '../../rule.js';
import {
  allowFrom,
  authorizationPolicy,
  evaluate,
  ruleDenials,
} from '../../test-support/cluster-fixtures.js';
import { NS_OWNER_ACCESS_ISTIO } from '../../test-support/kubeflow-objects.js';

const PATHS = '(authorizationPolicies.allowedPaths is /healthz, /metrics, /wait-for-drain)';
const judge = (object: KubeObject): string[] =>
  ruleDenials(evaluate('AuthorizationPolicy', object), 'authz-any-source');
const rules = (...list: Record<string, unknown>[]): KubeObject =>
  authorizationPolicy('alice', 'p', { rules: list });
const NO_TO = `spec.rules[0].to does not limit it to paths ${PATHS}`;

describe('authz-any-source (alice, in her profile namespace)', () => {
  it.each<[string, KubeObject, string[]]>([
    [
      'an ALLOW rule with no from',
      authorizationPolicy('alice', 'p', {
        action: 'ALLOW',
        rules: [{ to: [{ operation: { methods: ['GET'] } }] }],
      }),
      [
        `authz-any-source: spec.rules[0].from is missing, so the rule admits any source, and spec.rules[0].to[0].operation.paths is empty, so it is not limited to paths ${PATHS}`,
      ],
    ],
    [
      'an allow-all rule',
      rules({}),
      [
        `authz-any-source: spec.rules[0].from is missing, so the rule admits any source, and ${NO_TO}`,
      ],
    ],
    [
      'an empty from with a path outside allowedPaths',
      rules({ from: [], to: [{ operation: { paths: ['/healthz', '/api'] } }] }),
      [
        `authz-any-source: spec.rules[0].from is empty, so the rule admits any source, and spec.rules[0].to[0].operation.paths[1] "/api" is not an allowed path ${PATHS}`,
      ],
    ],
    [
      'a source constrained only by exclusions',
      allowFrom({ notNamespaces: ['bob'] }),
      [
        `authz-any-source: spec.rules[0].from[0].source names neither namespaces nor principals, so the rule admits any source, and ${NO_TO}`,
      ],
    ],
    [
      'an empty from entry (from: [{}])',
      rules({ from: [{}] }),
      [
        `authz-any-source: spec.rules[0].from[0].source names neither namespaces nor principals, so the rule admits any source, and ${NO_TO}`,
      ],
    ],
    [
      'an empty source (source: {})',
      rules({ from: [{ source: {} }] }),
      [
        `authz-any-source: spec.rules[0].from[0].source names neither namespaces nor principals, so the rule admits any source, and ${NO_TO}`,
      ],
    ],
    [
      'IP blocks, request principals and empty lists only',
      allowFrom({
        ipBlocks: ['0.0.0.0/0'],
        requestPrincipals: ['*'],
        namespaces: [],
        principals: [],
      }),
      [
        `authz-any-source: spec.rules[0].from[0].source names neither namespaces nor principals, so the rule admits any source, and ${NO_TO}`,
      ],
    ],
    [
      'an open source beside a restricted one',
      rules({
        from: [{ source: { namespaces: ['alice'] } }, { source: { notPrincipals: ['x'] } }],
      }),
      [
        `authz-any-source: spec.rules[0].from[1].source names neither namespaces nor principals, so the rule admits any source, and ${NO_TO}`,
      ],
    ],
    [
      'a when condition with notValues only (notValues never restrict)',
      rules({ when: [{ key: 'source.namespace', notValues: ['bob'] }] }),
      [
        `authz-any-source: spec.rules[0].from is missing, so the rule admits any source, and ${NO_TO}`,
      ],
    ],
    [
      'a when condition with an empty values list',
      rules({ when: [{ key: 'source.principal', values: [] }] }),
      [
        `authz-any-source: spec.rules[0].from is missing, so the rule admits any source, and ${NO_TO}`,
      ],
    ],
    [
      'a when condition whose values are not strings (Istio refuses them)',
      rules({ when: [{ key: 'source.namespace', values: [1, null, { ns: 'alice' }] }] }),
      [
        `authz-any-source: spec.rules[0].from is missing, so the rule admits any source, and ${NO_TO}`,
      ],
    ],
    ...(['ALLOW', '', 'allow', 'Allow ', 7] as const).map(
      (action): [string, KubeObject, string[]] => [
        `an open rule under action ${JSON.stringify(action)} (judged as ALLOW, as with no action)`,
        authorizationPolicy('alice', 'p', { action, rules: [{}] }),
        [
          `authz-any-source: spec.rules[0].from is missing, so the rule admits any source, and ${NO_TO}`,
        ],
      ],
    ),
    [
      'a when condition on a misspelt key (Istio may ignore it)',
      rules({ when: [{ key: 'Source.Namespace', values: ['alice'] }] }),
      [
        `authz-any-source: spec.rules[0].from is missing, so the rule admits any source, and ${NO_TO}`,
      ],
    ],
    [
      'a when condition on another key',
      rules({ when: [{ key: 'request.headers[kubeflow-userid]', values: ['alice@example.com'] }] }),
      [
        `authz-any-source: spec.rules[0].from is missing, so the rule admits any source, and ${NO_TO}`,
      ],
    ],
    [
      'paths that are wildcards or prefixes of allowed ones',
      rules({ to: [{ operation: { paths: ['/healthz*'] } }] }),
      [
        `authz-any-source: spec.rules[0].from is missing, so the rule admits any source, and spec.rules[0].to[0].operation.paths[0] "/healthz*" is not an allowed path ${PATHS}`,
      ],
    ],
    [
      'notPaths instead of paths',
      rules({ to: [{ operation: { notPaths: ['/api'] } }] }),
      [
        `authz-any-source: spec.rules[0].from is missing, so the rule admits any source, and spec.rules[0].to[0].operation.paths is empty, so it is not limited to paths ${PATHS}`,
      ],
    ],
    [
      'a second operation without paths',
      rules({ to: [{ operation: { paths: ['/healthz'] } }, { operation: { methods: ['POST'] } }] }),
      [
        `authz-any-source: spec.rules[0].from is missing, so the rule admits any source, and spec.rules[0].to[1].operation.paths is empty, so it is not limited to paths ${PATHS}`,
      ],
    ],
    [
      'a path in another case',
      rules({ to: [{ operation: { paths: ['/HEALTHZ'] } }] }),
      [
        `authz-any-source: spec.rules[0].from is missing, so the rule admits any source, and spec.rules[0].to[0].operation.paths[0] "/HEALTHZ" is not an allowed path ${PATHS}`,
      ],
    ],
  ])('denies %s', (_name, object, expected) => {
    expect(judge(object)).toEqual(expected);
  });

  it.each<[string, KubeObject]>([
    [
      'a from-less rule limited to allowed paths',
      rules({ to: [{ operation: { paths: ['/metrics'], methods: ['GET'] } }] }),
    ],
    [
      'allowed paths with notPaths and hosts besides',
      rules({ to: [{ operation: { paths: ['/healthz'], notPaths: ['/x'], hosts: ['*'] } }] }),
    ],
    [
      'a when condition on source.namespace (ns-owner-access-istio’s second rule)',
      rules({ when: [{ key: 'source.namespace', values: ['alice'] }] }),
    ],
    [
      'a when condition on source.principal',
      rules({ when: [{ key: 'source.principal', values: ['cluster.local/ns/alice/sa/x'] }] }),
    ],
    [
      'an open from narrowed by a source condition',
      rules({
        from: [{ source: { ipBlocks: ['10.0.0.0/8'] } }],
        when: [{ key: 'source.namespace', values: ['alice'] }],
      }),
    ],
    [
      'an AUDIT rule with no from',
      authorizationPolicy('alice', 'p', { action: 'AUDIT', rules: [{}] }),
    ],
    [
      'a DENY rule with no from',
      authorizationPolicy('alice', 'p', { action: 'DENY', rules: [{}] }),
    ],
    [
      'a CUSTOM rule with no from',
      authorizationPolicy('alice', 'p', {
        action: 'CUSTOM',
        provider: { name: 'oauth2' },
        rules: [{}],
      }),
    ],
    ['an allow-nothing policy', authorizationPolicy('alice', 'p', {})],
    [
      'an allow-nothing policy with an empty rules list',
      authorizationPolicy('alice', 'p', { rules: [] }),
    ],
    ['Kubeflow’s ns-owner-access-istio', NS_OWNER_ACCESS_ISTIO],
  ])('allows %s', (_name, object) => {
    expect(judge(object)).toEqual([]);
  });
});

describe('authz-any-source over many open rules', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['no from', {}, 'from is missing'],
    ['an empty from', { from: [] }, 'from is empty'],
    [
      'an identity-free source',
      { from: [{ source: { ipBlocks: ['10.0.0.0/8'] } }] },
      'from[0].source names neither namespaces nor principals',
    ],
  ])(
    'judges each rule with %s, writing the messages of the reported findings only',
    (_name, rule, what) => {
      const before = lazyMessagesWritten();
      const found = judge(rules(...Array.from({ length: 2000 }, () => rule)));
      expect(lazyMessagesWritten() - before).toBe(20);
      expect(found).toHaveLength(21);
      expect(found[19]).toBe(
        `authz-any-source: spec.rules[19].${what}, so the rule admits any source, and spec.rules[19].to does not limit it to paths ${PATHS}`,
      );
      expect(found[20]).toContain('spec.rules[20].');
      expect(found[20]).toContain('(1980 in all)');
    },
  );

  it('reports every identity-free source of one rule, at its index', () => {
    const from = Array.from({ length: 30 }, (_, index) =>
      index % 2 === 0 ? { source: { namespaces: ['alice'] } } : {},
    );
    const found = judge(rules({ from }));
    expect(found).toHaveLength(15);
    expect(found[14]).toBe(
      `authz-any-source: spec.rules[0].from[29].source names neither namespaces nor principals, so the rule admits any source, and ${NO_TO}`,
    );
  });
});
