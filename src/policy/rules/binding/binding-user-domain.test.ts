import type { Policy } from '../../policy-spec.js';
import {
  denials,
  editBinding,
  evaluate,
  serviceAccount,
  statusOf,
  user,
} from '../../test-support/cluster-fixtures.js';
import { testPolicy } from '../../test-support/test-policy.js';

const DOMAINS = testPolicy({ bindings: { userEmailDomains: ['example.com'] } });
const MESSAGE = (path: string, name: string): string =>
  `binding-user-domain: ${path} "${name}" is not an e-mail address in an allowed domain; allowed: example.com (bindings.userEmailDomains)`;

describe('binding-user-domain', () => {
  it.each<[string, Policy | undefined, Record<string, unknown>[], string, string[]]>([
    [
      'users outside bindings.userEmailDomains, case-insensitively',
      DOMAINS,
      [user('bob@Example.COM'), user('eve@evil.io'), user('root'), serviceAccount('d')],
      'fail',
      [MESSAGE('subjects[1].name', 'eve@evil.io'), MESSAGE('subjects[2].name', 'root')],
    ],
    ['a user of an allowed domain', DOMAINS, [user('bob@example.com')], 'pass', []],
    ['any user when no domains are set', undefined, [user('eve@evil.io')], 'skip', []],
  ])('judges %s', (_case, policy, subjects, status, messages) => {
    const result = evaluate('RoleBinding', editBinding(subjects), {
      ...(policy === undefined ? {} : { policy }),
    });
    expect(statusOf(result, 'binding-user-domain')).toBe(status);
    expect(denials(result)).toEqual(messages);
  });
});
