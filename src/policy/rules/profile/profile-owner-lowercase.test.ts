import { findingsOf } from '../../test-support/profile-fixtures.js';
import { caseTable, evaluateRuleCase } from '../../test-support/rule-cases.js';
import { CASES } from './profile-owner-lowercase.cases.js';

describe('profile-owner-lowercase (Warn in the embedded default)', () => {
  it.each(caseTable(CASES))('%s', (_title, row) => {
    const result = evaluateRuleCase(row);
    expect(findingsOf(result, 'profile-owner-lowercase')).toEqual(row.findings);
    const warned = result.warnings.filter(
      (finding) => finding.ruleId === 'profile-owner-lowercase',
    );
    const denied = result.denials.filter((finding) => finding.ruleId === 'profile-owner-lowercase');
    // A finding is a warning exactly when the request is still allowed.
    expect([warned.length, denied.length]).toEqual(
      row.findings.length === 0 ? [0, 0] : row.allowed === true ? [1, 0] : [0, 1],
    );
    if (row.allowed !== undefined) expect(result.allowed).toBe(row.allowed);
  });
});
