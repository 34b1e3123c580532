import { CLUSTER_ADMIN } from '../../test-support/kubeflow-objects.js';
import { evaluateProfile, profileWithHard } from '../../test-support/profile-fixtures.js';
import { findingsOf } from '../../test-support/profile-fixtures.js';
import { caseTable, evaluateRuleCase, hardPath } from '../../test-support/rule-cases.js';
import { CASES } from './profile-quota-quantity.cases.js';

describe('profile-quota-quantity', () => {
  it.each(caseTable(CASES))('%s', (_title, row) => {
    const result = evaluateRuleCase(row);
    expect(findingsOf(result, 'profile-quota-quantity')).toEqual(row.findings);
    if (row.allowed !== undefined) expect(result.allowed).toBe(row.allowed);
  });

  it('is structural: the only denial of an exempt caller', () => {
    const result = evaluateProfile(profileWithHard({ cpu: 'lots' }), { user: CLUSTER_ADMIN });
    expect(result.denials.map((d) => d.ruleId)).toEqual(['profile-quota-quantity']);
  });

  it('denies a 3 MiB value, naming the field and the limit', () => {
    const value = '9'.repeat(3 * 1024 * 1024);
    expect(
      findingsOf(evaluateProfile(profileWithHard({ cpu: value })), 'profile-quota-quantity'),
    ).toEqual([
      {
        path: hardPath('cpu'),
        message: `${hardPath('cpu')} is ${value.length} characters long; a quantity has at most 64`,
      },
    ]);
  });

  it('denies an over-long value of an exempt caller too, and only under this rule', () => {
    const result = evaluateProfile(profileWithHard({ cpu: `1${'0'.repeat(100)}` }), {
      user: CLUSTER_ADMIN,
    });
    expect(result.denials.map((d) => d.ruleId)).toEqual(['profile-quota-quantity']);
  });
});
