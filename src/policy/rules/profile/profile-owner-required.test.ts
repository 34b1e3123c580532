import { CLUSTER_ADMIN } from '../../test-support/kubeflow-objects.js';
import { evaluateProfile, findingsOf } from '../../test-support/profile-fixtures.js';
import { caseTable, evaluateRuleCase, owned } from '../../test-support/rule-cases.js';
import { CASES } from './profile-owner-required.cases.js';

describe('profile-owner-required', () => {
  it.each(caseTable(CASES))('%s', (_title, row) => {
    const result = evaluateRuleCase(row);
    expect(findingsOf(result, 'profile-owner-required')).toEqual(row.findings);
    if (row.allowed !== undefined) expect(result.allowed).toBe(row.allowed);
  });

  it('is structural', () => {
    const result = evaluateProfile(owned({ kind: 'User' }), { user: CLUSTER_ADMIN });
    expect(result.denials.map((d) => d.ruleId)).toEqual(['profile-owner-required']);
  });
});
