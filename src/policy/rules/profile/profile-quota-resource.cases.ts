import { profileWithHard } from '../../test-support/profile-fixtures.js';
import { hardPath, type ProfileRuleCase } from '../../test-support/rule-cases.js';
import { CONTRACT_DEFAULT_SPEC, testPolicy } from '../../test-support/test-policy.js';

/** profile-quota-resource's table (see rule-cases.ts). */
export const CASES: readonly ProfileRuleCase[] = [
  ...[
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
  ].map((key) => ({
    title: `accepts ${key}`,
    object: profileWithHard({ [key]: '1' }),
    findings: [],
  })),
  ...[
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
  ].map((key) => ({
    title: `rejects ${JSON.stringify(key)}`,
    object: profileWithHard({ [key]: '1' }),
    findings: [
      {
        path: hardPath(key),
        message: `${hardPath(key)} is not a ResourceQuota resource name (e.g. "cpu", "requests.nvidia.com/gpu", "count/pods")`,
      },
    ],
  })),
  ...(
    [
      [['cpu', 'memory'], 'cpu', true],
      [['cpu', 'memory'], 'requests.cpu', true],
      [['cpu', 'memory'], 'requests.memory', true],
      [['requests.cpu'], 'cpu', true],
      [['requests.memory'], 'memory', true],
      [['cpu', 'memory'], 'limits.cpu', false],
      [['cpu', 'memory'], 'requests.nvidia.com/gpu', false],
      [['requests.nvidia.com/gpu'], 'requests.nvidia.com/gpu', true],
    ] as const
  ).map(([allowed, key, ok]) => ({
    title: `allowedResources ${JSON.stringify(allowed)}, key ${key}: ${ok ? 'passes' : 'fails'}`,
    object: profileWithHard({ [key]: '1' }),
    // Over the contract's defaults (no quota defaults): injected defaults would be judged too.
    policy: testPolicy(
      { profiles: { quota: { allowedResources: allowed } } },
      CONTRACT_DEFAULT_SPEC,
    ),
    findings: ok
      ? []
      : [
          {
            path: hardPath(key),
            message: `${hardPath(key)} is not an allowed quota resource; allowed: ${allowed.join(', ')}`,
          },
        ],
  })),
];
