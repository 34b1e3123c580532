import type { KubeObject } from '../../kube-object.js';
import {
  authorizationPolicy,
  evaluate,
  GATEWAY_PRINCIPAL,
  ruleDenials,
  statusOf,
} from '../../test-support/cluster-fixtures.js';
import { CLUSTER_ADMIN, KFAM_AUTHORIZATION_POLICY } from '../../test-support/kubeflow-objects.js';
import { testPolicy } from '../../test-support/test-policy.js';

const PIPELINES_UI = 'cluster.local/ns/kubeflow/sa/ml-pipeline-ui';
const judge = (object: KubeObject, policy = testPolicy()): string[] =>
  ruleDenials(evaluate('AuthorizationPolicy', object, { policy }), 'authz-gateway-user');
const rule = (body: Record<string, unknown>, action?: string): KubeObject =>
  authorizationPolicy('alice', 'p', { ...(action === undefined ? {} : { action }), rules: [body] });
const from = (source: Record<string, unknown>) => ({ from: [{ source }] });
const user = (...values: string[]) => ({ key: 'request.headers[kubeflow-userid]', values });
const opens = (path: string, principal = GATEWAY_PRINCIPAL, rulePath = 'spec.rules[0]') =>
  `authz-gateway-user: ${path} admits the gateway principal ${JSON.stringify(principal)} (authorizationPolicies.gatewayPrincipals), through which every Kubeflow user arrives, but ${rulePath} has no request.headers[kubeflow-userid] condition naming its users; add one with the users' ids in values`;
const P0 = 'spec.rules[0].from[0].source.principals[0]';
const N0 = 'spec.rules[0].from[0].source.namespaces[0]';

describe('authz-gateway-user (alice, in her profile namespace)', () => {
  it.each<[string, KubeObject, string[]]>([
    [
      'the gateway with no user condition',
      rule(from({ principals: [GATEWAY_PRINCIPAL] })),
      [opens(P0)],
    ],
    [
      'the pipelines UI with no user condition',
      rule(from({ principals: [PIPELINES_UI] })),
      [opens(P0, PIPELINES_UI)],
    ],
    [
      'the gateway spiffe-prefixed',
      rule(from({ principals: [`spiffe://${GATEWAY_PRINCIPAL}`] })),
      [opens(P0)],
    ],
    [
      'the gateway under another trust domain',
      rule(
        from({
          principals: ['corp.example/ns/istio-system/sa/istio-ingressgateway-service-account'],
        }),
      ),
      [opens(P0)],
    ],
    ['the gateway’s namespace', rule(from({ namespaces: ['istio-system'] })), [opens(N0)]],
    [
      'the pipelines UI’s namespace',
      rule(from({ namespaces: ['kubeflow'] })),
      [opens(N0, PIPELINES_UI)],
    ],
    [
      'the gateway in a when condition on source.principal',
      rule({ when: [{ key: 'source.principal', values: [GATEWAY_PRINCIPAL] }] }),
      [opens('spec.rules[0].when[0].values[0]')],
    ],
    [
      'the gateway’s namespace in a when condition',
      rule({ when: [{ key: 'source.namespace', values: ['istio-system'] }] }),
      [opens('spec.rules[0].when[0].values[0]')],
    ],
    [
      'a when source condition whose notValues miss the gateway',
      rule({
        ...from({ principals: [GATEWAY_PRINCIPAL] }),
        when: [{ key: 'source.namespace', notValues: ['bob'] }],
      }),
      [opens(P0)],
    ],
    [
      'a user condition with a wildcard',
      rule({ ...from({ principals: [GATEWAY_PRINCIPAL] }), when: [user('*')] }),
      [opens(P0)],
    ],
    [
      'a user condition with a prefix',
      rule({
        ...from({ principals: [GATEWAY_PRINCIPAL] }),
        when: [user('alice@example.com', 'b*')],
      }),
      [opens(P0)],
    ],
    [
      'a user condition with an empty value',
      rule({ ...from({ principals: [GATEWAY_PRINCIPAL] }), when: [user('')] }),
      [opens(P0)],
    ],
    [
      'a user condition with no values',
      rule({ ...from({ principals: [GATEWAY_PRINCIPAL] }), when: [user()] }),
      [opens(P0)],
    ],
    [
      'a user condition with notValues only',
      rule({
        ...from({ principals: [GATEWAY_PRINCIPAL] }),
        when: [{ key: 'request.headers[kubeflow-userid]', notValues: ['eve@example.com'] }],
      }),
      [opens(P0)],
    ],
    [
      'a condition on another header',
      rule({
        ...from({ principals: [GATEWAY_PRINCIPAL] }),
        when: [{ key: 'request.headers[x-user]', values: ['alice@example.com'] }],
      }),
      [opens(P0)],
    ],
    [
      'a user condition under a misspelt key prefix (Istio may ignore it)',
      rule({
        ...from({ principals: [GATEWAY_PRINCIPAL] }),
        when: [{ key: 'Request.Headers[kubeflow-userid]', values: ['alice@example.com'] }],
      }),
      [opens(P0)],
    ],
    [
      'the user condition in another rule',
      authorizationPolicy('alice', 'p', {
        rules: [
          { ...from({ principals: [PIPELINES_UI] }), when: [user('alice@example.com')] },
          from({ principals: [GATEWAY_PRINCIPAL] }),
        ],
      }),
      [opens('spec.rules[1].from[0].source.principals[0]', GATEWAY_PRINCIPAL, 'spec.rules[1]')],
    ],
    [
      'a path outside allowedPaths',
      rule({
        ...from({ principals: [GATEWAY_PRINCIPAL] }),
        to: [{ operation: { paths: ['/healthz', '/api'] } }],
      }),
      [opens(P0)],
    ],
    [
      'an unknown action (judged as ALLOW)',
      rule(from({ principals: [GATEWAY_PRINCIPAL] }), 'Allow'),
      [opens(P0)],
    ],
    ['an explicit ALLOW', rule(from({ principals: [GATEWAY_PRINCIPAL] }), 'ALLOW'), [opens(P0)]],
    [
      'an empty action (Istio’s default, ALLOW)',
      rule(from({ principals: [GATEWAY_PRINCIPAL] }), ''),
      [opens(P0)],
    ],
    [
      'a user condition whose values are not strings',
      rule({
        ...from({ principals: [GATEWAY_PRINCIPAL] }),
        when: [
          { key: 'request.headers[kubeflow-userid]', values: [1, null, ['alice@example.com']] },
        ],
      }),
      [opens(P0)],
    ],
  ])('denies %s', (_name, object, expected) => {
    expect(judge(object)).toEqual(expected);
  });

  it.each<[string, KubeObject, string]>([
    [
      'a prefix principal covering the gateway',
      rule(from({ principals: ['cluster.local/ns/istio-system/*'] })),
      'authz-source-namespace',
    ],
    [
      'a suffix principal covering the gateway',
      rule(from({ principals: ['*/sa/istio-ingressgateway-service-account'] })),
      'authz-source-namespace',
    ],
    ['any principal', rule(from({ principals: ['*'] })), 'authz-source-namespace'],
    ['a namespace wildcard', rule(from({ namespaces: ['istio-*'] })), 'authz-source-namespace'],
    [
      'a wildcard in a source condition',
      rule({ when: [{ key: 'source.principal', values: ['*'] }] }),
      'authz-source-namespace',
    ],
    ['no from at all', rule({}), 'authz-any-source'],
    ['an empty from entry', rule({ from: [{}] }), 'authz-any-source'],
    [
      'exclusions that miss the gateway',
      rule(from({ notPrincipals: ['cluster.local/ns/bob/sa/x'] })),
      'authz-any-source',
    ],
    [
      'IP blocks (any workload may have them)',
      rule(from({ ipBlocks: ['10.0.0.0/8'] })),
      'authz-any-source',
    ],
    [
      'request principals (a JWT the gateway may forward)',
      rule(from({ requestPrincipals: ['*'] })),
      'authz-any-source',
    ],
  ])('leaves %s, which admits every workload, to %s', (_name, object, other) => {
    const result = evaluate('AuthorizationPolicy', object);
    expect(ruleDenials(result, 'authz-gateway-user')).toEqual([]);
    expect(result.denials.map((finding) => finding.ruleId)).toEqual([other]);
  });

  it.each<[string, KubeObject]>([
    [
      'the gateway with a user named',
      rule({
        ...from({ principals: [GATEWAY_PRINCIPAL, PIPELINES_UI] }),
        when: [user('alice@example.com')],
      }),
    ],
    ['KFAM’s contributor policy', KFAM_AUTHORIZATION_POLICY],
    [
      'the user header name in another case, spaced (HTTP header names are case-insensitive)',
      rule({
        ...from({ principals: [GATEWAY_PRINCIPAL] }),
        when: [{ key: 'request.headers[ KubeFlow-UserId ]', values: ['alice@example.com'] }],
      }),
    ],
    [
      'a user condition beside other conditions',
      rule({
        ...from({ namespaces: ['istio-system'] }),
        when: [{ key: 'source.ip', values: ['10.0.0.1'] }, user('alice@example.com')],
      }),
    ],
    ['its own namespace', rule(from({ namespaces: ['alice'] }))],
    [
      'a when condition on its own namespace',
      rule({ when: [{ key: 'source.namespace', values: ['alice'] }] }),
    ],
    [
      'another workload of the gateway’s namespace',
      rule(from({ principals: ['cluster.local/ns/istio-system/sa/other'] })),
    ],
    [
      'the notebook controller (kubeflow, not a gateway)',
      rule(
        from({ principals: ['cluster.local/ns/kubeflow/sa/notebook-controller-service-account'] }),
      ),
    ],
    [
      'the gateway’s namespace with the gateways excluded',
      rule(
        from({
          namespaces: ['istio-system', 'kubeflow'],
          notPrincipals: [GATEWAY_PRINCIPAL, PIPELINES_UI],
        }),
      ),
    ],
    [
      'the gateway’s namespace excluded',
      rule(from({ principals: ['*'], notNamespaces: ['istio-system', 'kubeflow'] })),
    ],
    [
      'a from of the gateway narrowed by a source condition to its own namespace',
      rule({
        ...from({ principals: [GATEWAY_PRINCIPAL] }),
        when: [{ key: 'source.namespace', values: ['alice'] }],
      }),
    ],
    [
      'a from of the gateway with the gateway in notValues',
      rule({
        ...from({ namespaces: ['istio-system'] }),
        when: [{ key: 'source.principal', notValues: [GATEWAY_PRINCIPAL] }],
      }),
    ],
    [
      'health paths only',
      rule({
        ...from({ principals: [GATEWAY_PRINCIPAL] }),
        to: [{ operation: { paths: ['/healthz', '/metrics'] } }],
      }),
    ],
    [
      'no from, health paths only (ns-owner-access-istio’s third rule)',
      rule({ to: [{ operation: { paths: ['/healthz', '/metrics', '/wait-for-drain'] } }] }),
    ],
    ['a DENY of the gateway', rule(from({ principals: [GATEWAY_PRINCIPAL] }), 'DENY')],
    ['an AUDIT of the gateway', rule(from({ principals: [GATEWAY_PRINCIPAL] }), 'AUDIT')],
    ['a CUSTOM of the gateway', rule(from({ principals: [GATEWAY_PRINCIPAL] }), 'CUSTOM')],
  ])('allows %s', (_name, object) => {
    expect(judge(object)).toEqual([]);
  });

  it('reads the gateway principals and the user header from the policy', () => {
    const own = testPolicy({
      authorizationPolicies: {
        gatewayPrincipals: ['cluster.local/ns/gw/sa/edge'],
        userIdHeader: 'x-auth-email',
        principalNamespaces: ['gw'],
      },
    });
    expect(judge(rule(from({ principals: [GATEWAY_PRINCIPAL] })), own)).toEqual([]);
    expect(judge(rule(from({ namespaces: ['gw'] })), own)).toEqual([
      `authz-gateway-user: ${N0} admits the gateway principal "cluster.local/ns/gw/sa/edge" (authorizationPolicies.gatewayPrincipals), through which every Kubeflow user arrives, but spec.rules[0] has no request.headers[x-auth-email] condition naming its users; add one with the users' ids in values`,
    ]);
    expect(
      judge(
        rule({
          ...from({ namespaces: ['gw'] }),
          when: [{ key: 'request.headers[X-Auth-Email]', values: ['a@b.c'] }],
        }),
        own,
      ),
    ).toEqual([]);
  });

  it('skips exempt callers and namespaces that are not profile namespaces', () => {
    const open = rule(from({ principals: [GATEWAY_PRINCIPAL] }));
    expect(evaluate('AuthorizationPolicy', open, { user: CLUSTER_ADMIN }).allowed).toBe(true);
    const plain = authorizationPolicy('plain', 'p', {
      rules: [from({ principals: [GATEWAY_PRINCIPAL] })],
    });
    expect(statusOf(evaluate('AuthorizationPolicy', plain), 'authz-gateway-user')).toBe('skip');
  });

  it('judges a changed rule afresh on UPDATE, and keeps an untouched one as a warning', () => {
    const stored = rule(from({ principals: [GATEWAY_PRINCIPAL] }));
    const relabelled = { ...stored, metadata: { ...stored.metadata, labels: { a: 'b' } } };
    const kept = evaluate('AuthorizationPolicy', relabelled, {
      operation: 'UPDATE',
      oldObject: stored,
    });
    expect(kept.allowed).toBe(true);
    const widened = rule(from({ principals: [GATEWAY_PRINCIPAL, PIPELINES_UI] }));
    const changed = evaluate('AuthorizationPolicy', widened, {
      operation: 'UPDATE',
      oldObject: stored,
    });
    expect(ruleDenials(changed, 'authz-gateway-user')).toEqual([opens(P0)]);
  });
});
