import {
  evaluateProfile,
  findingsOf,
  pathsOf,
  profileWithHard,
} from '../../test-support/profile-fixtures.js';
import { testPolicy } from '../../test-support/test-policy.js';

const hardPath = (key: string) => `spec.resourceQuotaSpec.hard[${JSON.stringify(key)}]`;

describe('profile-quota-resource', () => {
  it.each([
    'cpu',
    'memory',
    'requests.cpu',
    'limits.memory',
    'ephemeral-storage',
    'requests.storage',
    'pods',
    'services.loadbalancers',
    'persistentvolumeclaims',
    'requests.nvidia.com/gpu',
    'count/deployments.apps',
    'count/pods',
    'gold.storageclass.storage.k8s.io/requests.storage',
    'hugepages-2Mi',
    'requests.hugepages-1Gi',
  ])('accepts %s', (key) => {
    expect(pathsOf('profile-quota-resource', profileWithHard({ [key]: '1' }))).toEqual([]);
  });

  it.each([
    'gpu',
    'CPU',
    'storage',
    'requests.gpu',
    '-cpu',
    'nvidia.com/',
    '/gpu',
    'a/b/c',
    'requests.nvidia.com/gpu!',
    '',
  ])('rejects %p', (key) => {
    expect(
      findingsOf(evaluateProfile(profileWithHard({ [key]: '1' })), 'profile-quota-resource'),
    ).toEqual([
      {
        path: hardPath(key),
        message: `${hardPath(key)} is not a ResourceQuota resource name (e.g. "cpu", "requests.nvidia.com/gpu", "count/pods")`,
      },
    ]);
  });

  describe('with allowedResources', () => {
    const allow = (allowedResources: string[]) =>
      testPolicy({ profiles: { quota: { allowedResources } } });

    it.each([
      [['cpu', 'memory'], 'cpu', true],
      [['cpu', 'memory'], 'requests.cpu', true],
      [['cpu', 'memory'], 'requests.memory', true],
      [['requests.cpu'], 'cpu', true],
      [['requests.memory'], 'memory', true],
      [['cpu', 'memory'], 'limits.cpu', false],
      [['cpu', 'memory'], 'requests.nvidia.com/gpu', false],
      [['requests.nvidia.com/gpu'], 'requests.nvidia.com/gpu', true],
    ])('allowed %p, key %p: passes %p', (allowed, key, ok) => {
      const findings = findingsOf(
        evaluateProfile(profileWithHard({ [key]: '1' }), { policy: allow(allowed) }),
        'profile-quota-resource',
      );
      expect(findings).toEqual(
        ok
          ? []
          : [
              {
                path: hardPath(key),
                message: `${hardPath(key)} is not an allowed quota resource; allowed: ${allowed.join(', ')}`,
              },
            ],
      );
    });
  });
});
