import { CLUSTER_ADMIN } from '../../test-support/kubeflow-objects.js';
import { profileWithHard } from '../../test-support/profile-fixtures.js';
import { hardPath, type ProfileRuleCase } from '../../test-support/rule-cases.js';
import { CONTRACT_DEFAULT_SPEC, testPolicy } from '../../test-support/test-policy.js';

const exceeds = (key: string, value: unknown, max: string, limitKey: string) => ({
  path: hardPath(key),
  message: `${hardPath(key)} ${JSON.stringify(value)} exceeds the maximum ${JSON.stringify(max)} (profiles.quota.max[${JSON.stringify(limitKey)}])`,
});

/** [key, value, the max it exceeds or null] under the embedded default maxima. */
const TABLE: readonly (readonly [string, string | number, string | null])[] = [
  ['cpu', '64', null],
  ['cpu', 64, null],
  ['cpu', '64000m', null],
  ['cpu', '64001m', '64'],
  ['cpu', 65, '64'],
  ['cpu', '0.065k', '64'],
  ['cpu', '6.4e1', null], // exponent forms
  ['cpu', '6.5e1', '64'],
  ['cpu', '+65', '64'],
  ['requests.cpu', '64', null],
  ['requests.cpu', '65', '64'], // cpu ≡ requests.cpu
  ['limits.cpu', '1000', null], // not an alias of cpu
  ['requests.nvidia.com/gpu', '8', null],
  ['requests.nvidia.com/gpu', '9', '8'],
  ['memory', '512Gi', null],
  ['memory', '549755813888', null], // exactly 512Gi
  ['memory', 549755813888, null],
  ['memory', '549755813889', '512Gi'],
  ['memory', '513Gi', '512Gi'],
  ['memory', '0.5Ti', null],
  ['memory', '550G', '512Gi'],
  ['requests.memory', '513Gi', '512Gi'], // memory ≡ requests.memory
  ['persistentvolumeclaims', '100', null],
  ['persistentvolumeclaims', '101', '100'],
  ['requests.storage', '10Ti', null],
  ['requests.storage', '11Ti', '10Ti'],
  ['pods', '100000', null], // no max for pods
  ['cpu', 'junk', null], // profile-quota-quantity reports it
];
const ALIAS_OF: Readonly<Record<string, string>> = {
  'requests.cpu': 'cpu',
  'requests.memory': 'memory',
};

/** profile-quota-max's table (see rule-cases.ts). */
export const CASES: readonly ProfileRuleCase[] = [
  ...TABLE.map(([key, value, max]) => ({
    title: `${key}: ${JSON.stringify(value)} ${max === null ? 'is within the maximum' : `exceeds ${max}`}`,
    object: profileWithHard({ [key]: value }),
    findings: max === null ? [] : [exceeds(key, value, max, ALIAS_OF[key] ?? key)],
  })),
  ...(
    [
      ['15', [exceeds('cpu', '15', '10', 'requests.cpu')]],
      ['10', []],
    ] as const
  ).map(([value, findings]) => ({
    title: `cpu ${value} under a max on requests.cpu (10) and cpu (20): the smaller binds`,
    object: profileWithHard({ cpu: value }),
    policy: testPolicy(
      { profiles: { quota: { max: { 'requests.cpu': '10', cpu: '20' } } } },
      CONTRACT_DEFAULT_SPEC,
    ),
    findings,
  })),
  {
    title: 'reports every exceeding key',
    object: profileWithHard({
      cpu: '100',
      memory: '1Ti',
      'requests.nvidia.com/gpu': 16,
      pods: '5',
    }),
    findings: [
      exceeds('cpu', '100', '64', 'cpu'),
      exceeds('memory', '1Ti', '512Gi', 'memory'),
      exceeds('requests.nvidia.com/gpu', 16, '8', 'requests.nvidia.com/gpu'),
    ],
  },
  {
    title: 'lets exempt callers exceed the maximum',
    object: profileWithHard({ cpu: '1000' }),
    user: CLUSTER_ADMIN,
    findings: [],
    allowed: true,
  },
  {
    title: 'ratchets an excess the stored Profile already had',
    object: profileWithHard({ cpu: '100', 'requests.nvidia.com/gpu': '8', pods: '3' }),
    operation: 'UPDATE',
    oldObject: profileWithHard({ cpu: '100', 'requests.nvidia.com/gpu': '8' }),
    findings: [exceeds('cpu', '100', '64', 'cpu')],
    allowed: true,
  },
  {
    title: 'denies a new excess next to a ratcheted one',
    object: profileWithHard({ cpu: '100', 'requests.nvidia.com/gpu': '9' }),
    operation: 'UPDATE',
    oldObject: profileWithHard({ cpu: '100', 'requests.nvidia.com/gpu': '8' }),
    // The denial first, then the (ratcheted) warning, as findingsOf lists them.
    findings: [
      exceeds('requests.nvidia.com/gpu', '9', '8', 'requests.nvidia.com/gpu'),
      exceeds('cpu', '100', '64', 'cpu'),
    ],
    allowed: false,
  },
];
