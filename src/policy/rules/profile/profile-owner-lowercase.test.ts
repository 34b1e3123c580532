import type { Finding } from '../../engine.js';
import type { Policy } from '../../policy-spec.js';
import { evaluateProfile, profileWithSpec } from '../../test-support/profile-fixtures.js';
import { CONTRACT_DEFAULT_SPEC, testPolicy } from '../../test-support/test-policy.js';

const owned = (owner: unknown) => profileWithSpec({ owner });
const upperCase = (name: string): string =>
  `spec.owner.name ${JSON.stringify(name)} has upper-case letters; RBAC user names are case-sensitive, use ${JSON.stringify(name.toLowerCase())}`;
const ruleFindings = (findings: readonly Finding[]) =>
  findings
    .filter((f) => f.ruleId === 'profile-owner-lowercase')
    .map(({ path, message }) => ({ path, message }));

describe('profile-owner-lowercase (Warn in the embedded default)', () => {
  it.each<[string, Record<string, unknown>, Policy, 'warning' | 'denial' | 'pass']>([
    [
      'warns of an upper-case User and allows (embedded default)',
      { kind: 'User', name: 'Alice@Example.com' },
      testPolicy(),
      'warning',
    ],
    [
      'denies an upper-case User under the contract defaults (Enforce)',
      { kind: 'User', name: 'ALICE@example.com' },
      testPolicy({}, CONTRACT_DEFAULT_SPEC),
      'denial',
    ],
    ['passes a lower-case User', { kind: 'User', name: 'alice@example.com' }, testPolicy(), 'pass'],
    [
      'ignores a Group owner',
      { kind: 'Group', name: 'ML' },
      testPolicy({ profiles: { owner: { kinds: ['Group'] } } }),
      'pass',
    ],
  ])('%s', (_case, owner, policy, outcome) => {
    const result = evaluateProfile(owned(owner), { policy });
    const expected =
      outcome === 'pass'
        ? []
        : [{ path: 'spec.owner.name', message: upperCase(owner.name as string) }];
    expect(ruleFindings(result.warnings)).toEqual(outcome === 'warning' ? expected : []);
    expect(ruleFindings(result.denials)).toEqual(outcome === 'denial' ? expected : []);
    expect(result.allowed).toBe(outcome !== 'denial');
  });
});
