import { findingsOf, evaluateProfile, pathsOf } from '../../test-support/profile-fixtures.js';
import { caseTable, evaluateRuleCase, named } from '../../test-support/rule-cases.js';
import { CONTRACT_DEFAULT_SPEC, testPolicy } from '../../test-support/test-policy.js';
import { CASES } from './profile-name-pattern.cases.js';
import { namePattern } from './profile-name-pattern.js';

const withPattern = (pattern: string) =>
  testPolicy({ profiles: { name: { pattern } } }, CONTRACT_DEFAULT_SPEC);

describe('profile-name-pattern', () => {
  it.each(caseTable(CASES))('%s', (_title, row) => {
    expect(findingsOf(evaluateRuleCase(row), 'profile-name-pattern')).toEqual(row.findings);
  });

  it('compiles the pattern once per policy object, for the linear-time engine', () => {
    const policy = withPattern('[a-z]+');
    expect(namePattern(policy.spec)).toBe(namePattern(policy.spec));
    expect(namePattern(withPattern('[a-z]+').spec)).not.toBe(namePattern(policy.spec));
    expect(namePattern(policy.spec)?.flags).toContain('l');
  });

  it('cannot be made to backtrack by a tenant-chosen name', () => {
    // 2^62 steps for a backtracking engine: this would not finish.
    const evil = withPattern('^(a|a)*$');
    const name = `${'a'.repeat(62)}b`;
    expect(pathsOf('profile-name-pattern', named(name), { policy: evil })).toEqual([
      'metadata.name',
    ]);
  });

  it.each([
    ['too long', 'a'.repeat(64)],
    ['a 3 MiB name', 'a'.repeat(3 * 1024 * 1024)],
    ['upper case', 'Team-ml'],
    ['with a dot', 'team.ml'],
  ])('leaves a name that is not a DNS-1123 label (%s) to profile-name-format', (_n, name) => {
    const result = evaluateProfile(named(name), { policy: withPattern('^(a|a)*$') });
    expect(findingsOf(result, 'profile-name-pattern')).toEqual([]);
    expect(result.evaluations.find((e) => e.ruleId === 'profile-name-pattern')?.status).toBe(
      'skip',
    );
    expect(result.denials.map((d) => d.ruleId)).toContain('profile-name-format');
  });

  it.each(['(', '(a)\\1', '^(?!kube-)'])(
    'fails closed without throwing on the pattern %p, which the loader refuses',
    (pattern) => {
      const result = evaluateProfile(named('alice'), { policy: withPattern(pattern) });
      expect(result.allowed).toBe(false);
      expect(findingsOf(result, 'profile-name-pattern')).toEqual([
        {
          path: 'metadata.name',
          message: `profiles.name.pattern ${JSON.stringify(pattern)} is not a regular expression that can be matched in linear time`,
        },
      ]);
    },
  );

  it.each([[{ a: 1 }], [42], [null]])(
    'leaves the non-string name %p to profile-name-format',
    (name) => {
      const policy = testPolicy({ profiles: { name: { pattern: 'x' } } });
      const result = evaluateProfile(named(name), { policy });
      expect(findingsOf(result, 'profile-name-pattern')).toEqual([]);
      expect(result.evaluations.find((e) => e.ruleId === 'profile-name-pattern')?.status).toBe(
        'skip',
      );
    },
  );
});
