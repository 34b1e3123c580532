import { aliceProfile, evaluateProfile, findingsOf } from '../../test-support/profile-fixtures.js';
import { caseTable, evaluateRuleCase } from '../../test-support/rule-cases.js';
import { CASES } from './profile-owner-immutable.cases.js';

describe('profile-owner-immutable', () => {
  it.each(caseTable(CASES))('%s', (_title, row) => {
    const result = evaluateRuleCase(row);
    expect(findingsOf(result, 'profile-owner-immutable')).toEqual(row.findings);
    if (row.allowed !== undefined) expect(result.allowed).toBe(row.allowed);
  });

  it('does not run on CREATE', () => {
    const result = evaluateProfile(aliceProfile());
    expect(result.evaluations.some((e) => e.ruleId === 'profile-owner-immutable')).toBe(false);
  });
});
