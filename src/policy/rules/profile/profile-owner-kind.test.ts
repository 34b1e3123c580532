import { findingsOf } from '../../test-support/profile-fixtures.js';
import { caseTable, evaluateRuleCase } from '../../test-support/rule-cases.js';
import { CASES } from './profile-owner-kind.cases.js';

describe('profile-owner-kind', () => {
  it.each(caseTable(CASES))('%s', (_title, row) => {
    const result = evaluateRuleCase(row);
    expect(findingsOf(result, 'profile-owner-kind')).toEqual(row.findings);
    if (row.allowed !== undefined) expect(result.allowed).toBe(row.allowed);
  });
});
