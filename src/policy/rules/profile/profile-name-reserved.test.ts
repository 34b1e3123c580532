import { evaluateProfile, findingsOf } from '../../test-support/profile-fixtures.js';
import { caseTable, evaluateRuleCase, named } from '../../test-support/rule-cases.js';
import { testPolicy } from '../../test-support/test-policy.js';
import { CASES } from './profile-name-reserved.cases.js';

describe('profile-name-reserved (embedded default lists)', () => {
  it.each(caseTable(CASES))('%s', (_title, row) => {
    const result = evaluateRuleCase(row);
    expect(findingsOf(result, 'profile-name-reserved')).toEqual(row.findings);
    if (row.allowed !== undefined) expect(result.allowed).toBe(row.allowed);
  });

  it('warns, not denies, in Warn mode', () => {
    const policy = testPolicy({ ruleModes: { 'profile-name-reserved': 'Warn' } });
    const result = evaluateProfile(named('default'), { policy });
    expect(result.warnings.map((w) => w.ruleId)).toEqual(['profile-name-reserved']);
  });

  it.each([[{ a: 1 }], [42], [null]])(
    'leaves the non-string name %p to profile-name-format',
    (name) => {
      const policy = testPolicy({ profiles: { name: { pattern: 'x' } } });
      const result = evaluateProfile(named(name), { policy });
      expect(findingsOf(result, 'profile-name-reserved')).toEqual([]);
      expect(result.evaluations.find((e) => e.ruleId === 'profile-name-reserved')?.status).toBe(
        'skip',
      );
    },
  );
});
