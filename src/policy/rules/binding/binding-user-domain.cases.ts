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
  {
    // The domain is what follows the last `@` only in an e-mail address: these are no address of
    // example.com however they end (two `@`, an empty local part, a `#` or `%` route).
    title: 'denies names that only end in an allowed domain',
    target: 'RoleBinding',
    object: editBinding([
      user('eve@evil.io@example.com'),
      user('@example.com'),
      user('eve@evil.io#@example.com'),
      user('eve%example.com@evil.io'),
      user('eve@example.com.evil.io'),
      user('eve@sub.example.com'),
      user('eve@example.com '),
    ]),
    policy: DOMAINS,
    denials: [
      MESSAGE('subjects[0].name', 'eve@evil.io@example.com'),
      MESSAGE('subjects[1].name', '@example.com'),
      MESSAGE('subjects[2].name', 'eve@evil.io#@example.com'),
      MESSAGE('subjects[3].name', 'eve%example.com@evil.io'),
      MESSAGE('subjects[4].name', 'eve@example.com.evil.io'),
      MESSAGE('subjects[5].name', 'eve@sub.example.com'),
      MESSAGE('subjects[6].name', 'eve@example.com '),
    ],
  },
  {
    // Its own ServiceAccount spelt as a User is judged by binding-serviceaccount-namespace.
    title: 'leaves ServiceAccount user names to binding-serviceaccount-namespace',
    target: 'RoleBinding',
    object: editBinding([user('system:serviceaccount:alice:default-editor')]),
    policy: DOMAINS,
    denials: [],
  },
];
