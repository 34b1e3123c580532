import {
  evaluateProfile,
  findingsOf,
  pathsOf,
  profileWithHard,
} from '../../test-support/profile-fixtures.js';
import { CLUSTER_ADMIN } from '../../test-support/kubeflow-objects.js';
import { CONTRACT_DEFAULT_SPEC, testPolicy } from '../../test-support/test-policy.js';

const hardPath = (key: string) => `spec.resourceQuotaSpec.hard[${JSON.stringify(key)}]`;

describe('profile-quota-max (embedded default maxima)', () => {
  it.each([
    ['cpu', '64', null],
    ['cpu', 64, null],
    ['cpu', '64000m', null],
    ['cpu', '64001m', '"64"'],
    ['cpu', 65, '"64"'],
    ['cpu', '0.065k', '"64"'],
    ['requests.cpu', '64', null],
    ['requests.cpu', '65', '"64"'], // cpu ≡ requests.cpu
    ['limits.cpu', '1000', null], // not an alias of cpu
    ['requests.nvidia.com/gpu', '8', null],
    ['requests.nvidia.com/gpu', '9', '"8"'],
    ['memory', '512Gi', null],
    ['memory', '549755813888', null], // exactly 512Gi
    ['memory', 549755813888, null],
    ['memory', '549755813889', '"512Gi"'],
    ['memory', '513Gi', '"512Gi"'],
    ['memory', '0.5Ti', null],
    ['memory', '550G', '"512Gi"'],
    ['requests.memory', '513Gi', '"512Gi"'], // memory ≡ requests.memory
    ['persistentvolumeclaims', '100', null],
    ['persistentvolumeclaims', '101', '"100"'],
    ['requests.storage', '10Ti', null],
    ['requests.storage', '11Ti', '"10Ti"'],
    ['pods', '100000', null], // no max for pods
    ['cpu', 'junk', null], // profile-quota-quantity reports it
  ])('%s: %p exceeds %s', (key, value, max) => {
    const result = evaluateProfile(profileWithHard({ [key]: value }));
    const limitKey = key === 'requests.cpu' ? 'cpu' : key === 'requests.memory' ? 'memory' : key;
    expect(findingsOf(result, 'profile-quota-max')).toEqual(
      max === null
        ? []
        : [
            {
              path: hardPath(key),
              message: `${hardPath(key)} ${JSON.stringify(value)} exceeds the maximum ${max} (profiles.quota.max[${JSON.stringify(limitKey)}])`,
            },
          ],
    );
  });

  it('applies a max on requests.cpu to cpu, and the smaller of two spellings', () => {
    const policy = testPolicy(
      { profiles: { quota: { max: { 'requests.cpu': '10', cpu: '20' } } } },
      CONTRACT_DEFAULT_SPEC,
    );
    expect(
      findingsOf(evaluateProfile(profileWithHard({ cpu: '15' }), { policy }), 'profile-quota-max'),
    ).toEqual([
      {
        path: hardPath('cpu'),
        message: `${hardPath('cpu')} "15" exceeds the maximum "10" (profiles.quota.max["requests.cpu"])`,
      },
    ]);
    expect(pathsOf('profile-quota-max', profileWithHard({ cpu: '10' }), { policy })).toEqual([]);
  });

  it('reports every exceeding key', () => {
    const object = profileWithHard({
      cpu: '100',
      memory: '1Ti',
      'requests.nvidia.com/gpu': 16,
      pods: '5',
    });
    expect(pathsOf('profile-quota-max', object)).toEqual([
      hardPath('cpu'),
      hardPath('memory'),
      hardPath('requests.nvidia.com/gpu'),
    ]);
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

  it('lets exempt callers exceed the maximum', () => {
    expect(evaluateProfile(profileWithHard({ cpu: '1000' }), { user: CLUSTER_ADMIN }).allowed).toBe(
      true,
    );
  });

  it('ratchets an excess the stored Profile already had, but denies a new one', () => {
    const old = profileWithHard({ cpu: '100', 'requests.nvidia.com/gpu': '8' });
    const kept = profileWithHard({ cpu: '100', 'requests.nvidia.com/gpu': '8', pods: '3' });
    const keptResult = evaluateProfile(kept, { operation: 'UPDATE', oldObject: old });
    expect(keptResult.allowed).toBe(true);
    expect(keptResult.warnings).toMatchObject([
      { ruleId: 'profile-quota-max', path: hardPath('cpu'), ratcheted: true },
    ]);

    const raised = profileWithHard({ cpu: '100', 'requests.nvidia.com/gpu': '9' });
    const raisedResult = evaluateProfile(raised, { operation: 'UPDATE', oldObject: old });
    expect(raisedResult.allowed).toBe(false);
    expect(raisedResult.denials.map((d) => d.path)).toEqual([hardPath('requests.nvidia.com/gpu')]);
  });
});
