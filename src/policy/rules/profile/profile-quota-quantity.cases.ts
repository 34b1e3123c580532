import { CLUSTER_ADMIN } from '../../test-support/kubeflow-objects.js';
import { CONTRACT_DEFAULT_SPEC, testPolicy } from '../../test-support/test-policy.js';
import { profileWithHard, profileWithSpec } from '../../test-support/profile-fixtures.js';
import { hardPath, type ProfileRuleCase } from '../../test-support/rule-cases.js';

const NOT_A_QUANTITY = 'is not a Kubernetes quantity (e.g. "500m", "4", "16Gi")';
const SCOPES =
  'Terminating, NotTerminating, BestEffort, NotBestEffort, PriorityClass, CrossNamespacePodAffinity, VolumeAttributesClass';

/** profile-quota-quantity's table (see rule-cases.ts). */
export const CASES: readonly ProfileRuleCase[] = [
  ...(
    [
      ['cpu', '4'],
      ['cpu', '500m'],
      ['cpu', 1.5],
      ['cpu', 4],
      ['cpu', '0'],
      ['memory', '16Gi'],
      ['memory', '1e9'],
      ['requests.storage', '100Gi'],
      ['pods', '10'],
      ['pods', 10],
      ['requests.nvidia.com/gpu', '0.5'], // the API server does not require whole extended requests
    ] as const
  ).map(([key, value]) => ({
    title: `accepts ${key}: ${JSON.stringify(value)}`,
    object: profileWithHard({ [key]: value }),
    findings: [],
  })),
  ...(
    [
      ['cpu', 'abc', NOT_A_QUANTITY],
      ['cpu', '', NOT_A_QUANTITY],
      ['memory', '16 Gi', NOT_A_QUANTITY],
      ['memory', '16GB', NOT_A_QUANTITY],
      ['cpu', true, NOT_A_QUANTITY],
      ['cpu', null, NOT_A_QUANTITY],
      ['cpu', { value: 1 }, NOT_A_QUANTITY],
      ['cpu', '-1', 'is negative; quotas must be >= 0'],
      ['pods', '1.5', 'must be a whole number'],
      ['persistentvolumeclaims', '500m', 'must be a whole number'],
      ['count/deployments.apps', '2.5', 'must be a whole number'],
      ['nvidia.com/gpu', '0.5', 'must be a whole number'],
    ] as const
  ).map(([key, value, why]) => ({
    title: `rejects ${key}: ${JSON.stringify(value)}`,
    object: profileWithHard({ [key]: value }),
    findings: [
      { path: hardPath(key), message: `${hardPath(key)} ${JSON.stringify(value)} ${why}` },
    ],
  })),
  ...(
    [
      [
        { resourceQuotaSpec: 'x' },
        'spec.resourceQuotaSpec',
        'spec.resourceQuotaSpec "x" is not a map',
      ],
      [
        { resourceQuotaSpec: { hard: ['4'] } },
        'spec.resourceQuotaSpec.hard',
        'spec.resourceQuotaSpec.hard ["4"] is not a map',
      ],
      [
        { resourceQuotaSpec: { hard: 4 } },
        'spec.resourceQuotaSpec.hard',
        'spec.resourceQuotaSpec.hard 4 is not a map',
      ],
      [
        { resourceQuotaSpec: { scopes: 'BestEffort' } },
        'spec.resourceQuotaSpec.scopes',
        'spec.resourceQuotaSpec.scopes "BestEffort" is not a list',
      ],
      [
        { resourceQuotaSpec: { scopeSelector: [] } },
        'spec.resourceQuotaSpec.scopeSelector',
        'spec.resourceQuotaSpec.scopeSelector [] is not a map',
      ],
      [
        { resourceQuotaSpec: { scopeSelector: { matchExpressions: {} } } },
        'spec.resourceQuotaSpec.scopeSelector.matchExpressions',
        'spec.resourceQuotaSpec.scopeSelector.matchExpressions {} is not a list',
      ],
    ] as const
  ).map(([spec, path, message]) => ({
    title: `rejects the malformed shape ${JSON.stringify(spec)}`,
    object: profileWithSpec(spec),
    findings: [{ path, message }],
  })),
  ...[
    {},
    { resourceQuotaSpec: null },
    { resourceQuotaSpec: {} },
    { resourceQuotaSpec: { hard: null } },
    { resourceQuotaSpec: { hard: {} } },
  ].map((spec) => ({
    title: `accepts an absent or empty quota ${JSON.stringify(spec)}`,
    object: profileWithSpec(spec),
    findings: [],
  })),
  {
    title: 'checks scopes and scope selectors against the ResourceQuota scopes',
    // No default quota: the pod count alone, which every pod scope bounds.
    policy: testPolicy({}, CONTRACT_DEFAULT_SPEC),
    object: profileWithSpec({
      resourceQuotaSpec: {
        hard: { pods: '5' },
        scopes: ['BestEffort', 'NotTerminating', 'Forever', 3],
        scopeSelector: {
          matchExpressions: [
            { scopeName: 'PriorityClass', operator: 'In', values: ['high'] },
            { scopeName: 'CrossNamespacePodAffinity', operator: 'Exists' },
            { scopeName: 'Terminating', operator: 'Exists' },
            { scopeName: 'priorityclass', operator: 'Exists' },
            'junk',
          ],
        },
      },
    }),
    findings: [
      ['spec.resourceQuotaSpec.scopes[2]', '"Forever"'],
      ['spec.resourceQuotaSpec.scopes[3]', '3'],
      ['spec.resourceQuotaSpec.scopeSelector.matchExpressions[3].scopeName', '"priorityclass"'],
      ['spec.resourceQuotaSpec.scopeSelector.matchExpressions[4].scopeName', 'undefined'],
    ].map(([path, shown]) => ({
      path: path ?? '',
      message: `${path ?? ''} ${shown ?? ''} is not a ResourceQuota scope; allowed: ${SCOPES}`,
    })),
  },
  {
    title: 'accepts the storage scope VolumeAttributesClass over claims and storage',
    policy: testPolicy({}, CONTRACT_DEFAULT_SPEC),
    object: profileWithSpec({
      resourceQuotaSpec: {
        hard: { persistentvolumeclaims: '5', 'requests.storage': '10Gi' },
        scopeSelector: {
          matchExpressions: [{ scopeName: 'VolumeAttributesClass', operator: 'In', values: ['x'] }],
        },
      },
    }),
    findings: [],
  },
  {
    title: 'is structural: enforced for exempt callers',
    object: profileWithHard({ cpu: 'lots' }),
    user: CLUSTER_ADMIN,
    findings: [{ path: hardPath('cpu'), message: `${hardPath('cpu')} "lots" ${NOT_A_QUANTITY}` }],
    allowed: false,
  },
  // Attacks on the parser: bounded by its 64 characters, and read as the API server reads them.
  ...(
    [
      ['the stall of issue 8: a hundred thousand trailing zeros', `1${'0'.repeat(100_000)}`],
      ['65 characters', `1${'0'.repeat(64)}`],
      ['64 digits and a suffix', `${'1'.repeat(64)}Ki`],
      ['a long exponent', `1e${'0'.repeat(100)}1`],
    ] as const
  ).map(([title, value]) => ({
    title: `denies ${title}, naming the field and the limit`,
    object: profileWithHard({ cpu: value }),
    findings: [
      {
        path: hardPath('cpu'),
        message: `${hardPath('cpu')} is ${value.length} characters long; a quantity has at most 64`,
      },
    ],
    allowed: false,
  })),
  ...(
    [
      ['64 characters', `0.${'0'.repeat(61)}1`],
      ['a leading plus and zeros', `+${'0'.repeat(62)}4`],
      ['a number too large for a quantity string', 1e308],
      ['a negative zero', -0],
    ] as const
  ).map(([title, value]) => ({
    title: `accepts ${title}`,
    object: profileWithHard({ cpu: value }),
    findings: [],
  })),
  ...(
    [
      ['Infinity as text', 'Infinity'],
      ['a hexadecimal value', '0x10'],
      ['unicode digits', '١٠'],
      ['a fullwidth digit', '４'],
      ['a trailing newline', '4\n'],
      ['a suffix in the wrong case', '4KI'],
    ] as const
  ).map(([title, value]) => ({
    title: `rejects ${title}`,
    object: profileWithHard({ cpu: value }),
    findings: [
      {
        path: hardPath('cpu'),
        message: `${hardPath('cpu')} ${JSON.stringify(value)} ${NOT_A_QUANTITY}`,
      },
    ],
  })),
];
