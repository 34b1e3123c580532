import { editBinding, serviceAccount, user } from '../../test-support/cluster-fixtures.js';
import type { ObjectRuleCase } from '../../test-support/rule-cases.js';
import { testPolicy } from '../../test-support/test-policy.js';

const DOMAINS = testPolicy({ bindings: { userEmailDomains: ['example.com'] } });
const MESSAGE = (path: string, name: string): string =>
  `binding-user-domain: ${path} "${name}" is not an e-mail address in an allowed domain; allowed: example.com (bindings.userEmailDomains)`;

/** binding-user-domain's table: CREATEs in profile namespace alice by alice. */
export const CASES: readonly ObjectRuleCase[] = [
  {
    title: 'denies users outside bindings.userEmailDomains, case-insensitively',
    target: 'RoleBinding',
    object: editBinding([
      user('bob@Example.COM'),
      user('eve@evil.io'),
      user('root'),
      serviceAccount('d'),
    ]),
    policy: DOMAINS,
    denials: [MESSAGE('subjects[1].name', 'eve@evil.io'), MESSAGE('subjects[2].name', 'root')],
  },
  {
    title: 'allows a user of an allowed domain',
    target: 'RoleBinding',
    object: editBinding([user('bob@example.com')]),
    policy: DOMAINS,
    denials: [],
  },
  {
    title: 'allows any user when no domains are set',
    target: 'RoleBinding',
    object: editBinding([user('eve@evil.io')]),
    denials: [],
  },
];
