import { CLUSTER_ADMIN } from '../../test-support/kubeflow-objects.js';
import { evaluateProfile, findingsOf } from '../../test-support/profile-fixtures.js';
import { caseTable, evaluateRuleCase, named } from '../../test-support/rule-cases.js';
import { CASES } from './profile-name-format.cases.js';

describe('profile-name-format', () => {
  it.each(caseTable(CASES))('%s', (_title, row) => {
    const result = evaluateRuleCase(row);
    expect(findingsOf(result, 'profile-name-format')).toEqual(row.findings);
    if (row.allowed !== undefined) expect(result.allowed).toBe(row.allowed);
  });

  it('is structural: the only denial of an exempt caller', () => {
    const result = evaluateProfile(named('Bad_Name'), { user: CLUSTER_ADMIN });
    expect(result.exempt).toBe(true);
    expect(result.allowed).toBe(false);
    expect(result.denials.map((d) => d.ruleId)).toEqual(['profile-name-format']);
  });
});
