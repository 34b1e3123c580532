import type { KubeObject } from '../../kube-object.js';
import type { Policy } from '../../policy-spec.js';
import {
  authorizationPolicy,
  evaluate,
  GATEWAY_PRINCIPAL,
  ruleDenials,
  userHeaderRule,
} from '../../test-support/cluster-fixtures.js';
import { testPolicy } from '../../test-support/test-policy.js';

const DOMAINS = testPolicy({ bindings: { userEmailDomains: ['example.com'] } });
const headerKey = (key: string, condition: Record<string, unknown>): KubeObject =>
  authorizationPolicy('alice', 'p', {
    rules: [
      { from: [{ source: { principals: [GATEWAY_PRINCIPAL] } }], when: [{ key, ...condition }] },
    ],
  });

describe('authz-user-header (CREATE in a profile namespace by a non-exempt user)', () => {
  it.each<[string, KubeObject, Policy | undefined, string[]]>([
    [
      'a wildcard user header',
      userHeaderRule({ values: ['*'] }),
      undefined,
      [
        'authz-user-header: spec.rules[0].when[0].values[0] "*" is a wildcard on "request.headers[kubeflow-userid]"; name each user exactly',
      ],
    ],
    [
      'a suffix-wildcard user header, header name in another case',
      authorizationPolicy('alice', 'p', {
        rules: [
          {
            from: [{ source: { principals: [GATEWAY_PRINCIPAL] } }],
            when: [{ key: 'request.headers[KubeFlow-UserID]', values: ['*@example.com'] }],
          },
        ],
      }),
      undefined,
      [
        'authz-user-header: spec.rules[0].when[0].values[0] "*@example.com" is a wildcard on "request.headers[KubeFlow-UserID]"; name each user exactly',
      ],
    ],
    [
      'a user header with only notValues',
      userHeaderRule({ notValues: ['bob@example.com'] }),
      undefined,
      [
        'authz-user-header: spec.rules[0].when[0].notValues without spec.rules[0].when[0].values admits every other user on "request.headers[kubeflow-userid]"; name each user in values',
      ],
    ],
    [
      'header users outside bindings.userEmailDomains when set',
      userHeaderRule({ values: ['bob@example.com', 'eve@evil.io'] }),
      DOMAINS,
      [
        'authz-user-header: spec.rules[0].when[0].values[1] "eve@evil.io" is not a user in an allowed domain; allowed: example.com (bindings.userEmailDomains)',
      ],
    ],
    [
      'a presence wildcard under a spaced, upper-case key',
      headerKey(' Request.Headers[ KUBEFLOW-USERID ] ', { values: ['*'] }),
      undefined,
      [
        'authz-user-header: spec.rules[0].when[0].values[0] "*" is a wildcard on " Request.Headers[ KUBEFLOW-USERID ] "; name each user exactly',
      ],
    ],
    [
      'a prefix wildcard among exact users',
      userHeaderRule({ values: ['bob@example.com', 'alice*'] }),
      undefined,
      [
        'authz-user-header: spec.rules[0].when[0].values[1] "alice*" is a wildcard on "request.headers[kubeflow-userid]"; name each user exactly',
      ],
    ],
    [
      'a wildcard in notValues',
      userHeaderRule({ values: ['bob@example.com'], notValues: ['*@evil.io'] }),
      undefined,
      [
        'authz-user-header: spec.rules[0].when[0].notValues[0] "*@evil.io" is a wildcard on "request.headers[kubeflow-userid]"; name each user exactly',
      ],
    ],
    [
      'a domain that only resembles an allowed one',
      userHeaderRule({ values: ['bob@example.com.evil.io', 'eve@EXAMPLE.com'] }),
      DOMAINS,
      [
        'authz-user-header: spec.rules[0].when[0].values[0] "bob@example.com.evil.io" is not a user in an allowed domain; allowed: example.com (bindings.userEmailDomains)',
      ],
    ],
    [
      'users that only end in an allowed domain (no e-mail address of it)',
      userHeaderRule({ values: ['eve@evil.io@example.com', '@example.com', 'bob@example.com'] }),
      DOMAINS,
      [
        'authz-user-header: spec.rules[0].when[0].values[0] "eve@evil.io@example.com" is not a user in an allowed domain; allowed: example.com (bindings.userEmailDomains)',
        'authz-user-header: spec.rules[0].when[0].values[1] "@example.com" is not a user in an allowed domain; allowed: example.com (bindings.userEmailDomains)',
      ],
    ],
    [
      'the user header of a policy with another userIdHeader',
      headerKey('request.headers[x-auth-email]', { values: ['*'] }),
      testPolicy({ authorizationPolicies: { userIdHeader: 'X-Auth-Email' } }),
      [
        'authz-user-header: spec.rules[0].when[0].values[0] "*" is a wildcard on "request.headers[x-auth-email]"; name each user exactly',
      ],
    ],
  ])('denies %s', (_name, object, policy, expected) => {
    const options = policy === undefined ? {} : { policy };
    expect(
      ruleDenials(evaluate('AuthorizationPolicy', object, options), 'authz-user-header'),
    ).toEqual(expected);
  });

  it.each<[string, KubeObject]>([
    ['a user header naming one user', userHeaderRule({ values: ['bob@example.com'] })],
    [
      'an unrelated header with a wildcard',
      userHeaderRule({ key: 'request.headers[x-other]', values: ['*'] }),
    ],
    [
      'notValues with values',
      userHeaderRule({ values: ['bob@example.com'], notValues: ['carol@example.com'] }),
    ],
    [
      'wildcards in a DENY policy',
      authorizationPolicy('alice', 'p', {
        action: 'DENY',
        rules: [{ when: [{ key: 'request.headers[kubeflow-userid]', values: ['*'] }] }],
      }),
    ],
  ])('allows %s', (_name, object) => {
    expect(ruleDenials(evaluate('AuthorizationPolicy', object), 'authz-user-header')).toEqual([]);
  });
});
