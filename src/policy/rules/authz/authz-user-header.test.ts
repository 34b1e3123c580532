import type { KubeObject } from '../../kube-object.js';
import type { Policy } from '../../policy-spec.js';
import {
  authorizationPolicy,
  denials,
  evaluate,
  GATEWAY_PRINCIPAL,
  userHeaderRule,
} from '../../test-support/cluster-fixtures.js';
import { testPolicy } from '../../test-support/test-policy.js';

const DOMAINS = testPolicy({ bindings: { userEmailDomains: ['example.com'] } });

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
  ])('denies %s', (_name, object, policy, expected) => {
    const options = policy === undefined ? {} : { policy };
    expect(denials(evaluate('AuthorizationPolicy', object, options))).toEqual(expected);
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
  ])('allows %s', (_name, object) => {
    expect(denials(evaluate('AuthorizationPolicy', object))).toEqual([]);
  });
});
