import { findingsOf } from '../../test-support/profile-fixtures.js';
import { caseTable, evaluateRuleCase } from '../../test-support/rule-cases.js';
import { CASES } from './profile-owner-domain.cases.js';

describe('profile-owner-domain', () => {
  it.each(caseTable(CASES))('%s', (_title, row) => {
    expect(findingsOf(evaluateRuleCase(row), 'profile-owner-domain')).toEqual(row.findings);
  });
});
