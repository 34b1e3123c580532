import { findingsOf } from '../../test-support/profile-fixtures.js';
import { caseTable, evaluateRuleCase } from '../../test-support/rule-cases.js';
import { CASES } from './profile-quota-resource.cases.js';

describe('profile-quota-resource', () => {
  it.each(caseTable(CASES))('%s', (_title, row) => {
    expect(findingsOf(evaluateRuleCase(row), 'profile-quota-resource')).toEqual(row.findings);
  });
});
