import type { KubeObject } from '../../kube-object.js';
import {
  allowFrom,
  authorizationPolicy,
  denials,
  evaluate,
} from '../../test-support/cluster-fixtures.js';

const PATHS = '(authorizationPolicies.allowedPaths is /healthz, /metrics, /wait-for-drain)';

describe('authz-any-source (CREATE in a profile namespace by a non-exempt user)', () => {
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
      authorizationPolicy('alice', 'p', { rules: [{}] }),
      [
        `authz-any-source: spec.rules[0].from is missing, so the rule admits any source, and spec.rules[0].to does not limit it to paths ${PATHS}`,
      ],
    ],
    [
      'an empty from with a path outside allowedPaths',
      authorizationPolicy('alice', 'p', {
        rules: [{ from: [], to: [{ operation: { paths: ['/healthz', '/api'] } }] }],
      }),
      [
        `authz-any-source: spec.rules[0].from is empty, so the rule admits any source, and spec.rules[0].to[0].operation.paths[1] "/api" is not an allowed path ${PATHS}`,
      ],
    ],
    [
      'a source constrained only by exclusions',
      allowFrom({ notNamespaces: ['bob'] }),
      [
        `authz-any-source: spec.rules[0].from[0].source names neither namespaces nor principals, so the rule admits any source, and spec.rules[0].to does not limit it to paths ${PATHS}`,
      ],
    ],
  ])('denies %s', (_name, object, expected) => {
    expect(denials(evaluate('AuthorizationPolicy', object))).toEqual(expected);
  });

  it.each<[string, KubeObject]>([
    [
      'a from-less rule limited to allowed paths',
      authorizationPolicy('alice', 'p', {
        rules: [{ to: [{ operation: { paths: ['/metrics'], methods: ['GET'] } }] }],
      }),
    ],
    [
      'an AUDIT rule with no from',
      authorizationPolicy('alice', 'p', { action: 'AUDIT', rules: [{}] }),
    ],
    ['an allow-nothing policy', authorizationPolicy('alice', 'p', {})],
  ])('allows %s', (_name, object) => {
    expect(denials(evaluate('AuthorizationPolicy', object))).toEqual([]);
  });
});
