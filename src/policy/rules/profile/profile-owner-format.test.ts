import { findingsOf } from '../../test-support/profile-fixtures.js';
import { caseTable, evaluateRuleCase } from '../../test-support/rule-cases.js';
import { CASES } from './profile-owner-format.cases.js';

describe('profile-owner-format', () => {
  it.each(caseTable(CASES))('%s', (_title, row) => {
    expect(findingsOf(evaluateRuleCase(row), 'profile-owner-format')).toEqual(row.findings);
  });
});
