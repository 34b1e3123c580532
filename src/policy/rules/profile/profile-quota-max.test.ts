import {
  evaluateProfile,
  findingsOf,
  profileWithHard,
} from '../../test-support/profile-fixtures.js';
import { caseTable, evaluateRuleCase, hardPath } from '../../test-support/rule-cases.js';
import { CONTRACT_DEFAULT_SPEC, testPolicy } from '../../test-support/test-policy.js';
import { CASES } from './profile-quota-max.cases.js';

describe('profile-quota-max', () => {
  it.each(caseTable(CASES))('%s', (_title, row) => {
    const result = evaluateRuleCase(row);
    expect(findingsOf(result, 'profile-quota-max')).toEqual(row.findings);
    if (row.allowed !== undefined) expect(result.allowed).toBe(row.allowed);
  });

  it('ignores a policy max that does not parse instead of throwing', () => {
    const policy = testPolicy(
      { profiles: { quota: { max: { cpu: 'lots' } } } },
      CONTRACT_DEFAULT_SPEC,
    );
    const result = evaluateProfile(profileWithHard({ cpu: '1000' }), { policy });
    expect(findingsOf(result, 'profile-quota-max')).toEqual([]);
    expect(result.evaluations.find((e) => e.ruleId === 'profile-quota-max')?.status).toBe('pass');
  });

  it('marks the kept excess of an UPDATE as ratcheted', () => {
    const old = profileWithHard({ cpu: '100', 'requests.nvidia.com/gpu': '8' });
    const kept = profileWithHard({ cpu: '100', 'requests.nvidia.com/gpu': '8', pods: '3' });
    const result = evaluateProfile(kept, { operation: 'UPDATE', oldObject: old });
    expect(result.warnings).toMatchObject([
      { ruleId: 'profile-quota-max', path: hardPath('cpu'), ratcheted: true },
    ]);
  });
});
