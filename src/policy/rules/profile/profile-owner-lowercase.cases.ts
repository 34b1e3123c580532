import { owned, type ProfileRuleCase } from '../../test-support/rule-cases.js';
import { CONTRACT_DEFAULT_SPEC, testPolicy } from '../../test-support/test-policy.js';

const upperCase = (name: string) => [
  {
    path: 'spec.owner.name',
    message: `spec.owner.name ${JSON.stringify(name)} has upper-case letters; RBAC user names are case-sensitive, use ${JSON.stringify(name.toLowerCase())}`,
  },
];

/** profile-owner-lowercase's table (Warn in the embedded default; see rule-cases.ts). */
export const CASES: readonly ProfileRuleCase[] = [
  {
    title: 'warns of an upper-case User and allows (embedded default)',
    object: owned({ kind: 'User', name: 'Alice@Example.com' }),
    findings: upperCase('Alice@Example.com'),
    allowed: true,
  },
  {
    title: 'denies an upper-case User under the contract defaults (Enforce)',
    object: owned({ kind: 'User', name: 'ALICE@example.com' }),
    policy: testPolicy({}, CONTRACT_DEFAULT_SPEC),
    findings: upperCase('ALICE@example.com'),
    allowed: false,
  },
  {
    title: 'passes a lower-case User',
    object: owned({ kind: 'User', name: 'alice@example.com' }),
    findings: [],
    allowed: true,
  },
  {
    title: 'ignores a Group owner',
    object: owned({ kind: 'Group', name: 'ML' }),
    policy: testPolicy({ profiles: { owner: { kinds: ['Group'] } } }),
    findings: [],
  },
];
