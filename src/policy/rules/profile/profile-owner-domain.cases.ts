import { owned, type ProfileRuleCase } from '../../test-support/rule-cases.js';
import { testPolicy } from '../../test-support/test-policy.js';

/** profile-owner-domain's table: [emailDomains, owner, passes] (see rule-cases.ts). */
const TABLE: readonly (readonly [readonly string[], string, boolean])[] = [
  [[], 'bob@anywhere.org', true],
  [['example.com'], 'alice@example.com', true],
  [['example.com'], 'alice@EXAMPLE.com', true],
  [['Example.COM'], 'alice@example.com', true],
  [['example.com', 'corp.io'], 'bob@corp.io', true],
  [['example.com'], 'alice@corp.example.com', false], // exact match only, no subdomains
  [['example.com'], 'alice@example.com.evil.io', false],
  [['example.com'], 'alice@notexample.com', false],
  [['example.com'], 'alice', false],
];

export const CASES: readonly ProfileRuleCase[] = TABLE.map(([emailDomains, name, ok]) => ({
  title: `domains ${JSON.stringify(emailDomains)}, owner ${name}: ${ok ? 'passes' : 'fails'}`,
  object: owned({ kind: 'User', name }),
  policy: testPolicy({ profiles: { owner: { emailDomains } } }),
  findings: ok
    ? []
    : [
        {
          path: 'spec.owner.name',
          message: `spec.owner.name "${name}" is not in an allowed e-mail domain; allowed: ${emailDomains.join(', ')}`,
        },
      ],
}));
