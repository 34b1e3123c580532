import {
  evaluateProfile,
  findingsOf,
  pathsOf,
  profileWithHard,
  profileWithSpec,
} from '../../test-support/profile-fixtures.js';
import { CLUSTER_ADMIN } from '../../test-support/kubeflow-objects.js';

const hardPath = (key: string) => `spec.resourceQuotaSpec.hard[${JSON.stringify(key)}]`;

describe('profile-quota-quantity', () => {
  it.each([
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
  ])('accepts %s: %p', (key, value) => {
    expect(pathsOf('profile-quota-quantity', profileWithHard({ [key]: value }))).toEqual([]);
  });

  it.each([
    ['cpu', 'abc', 'is not a Kubernetes quantity (e.g. "500m", "4", "16Gi")'],
    ['cpu', '', 'is not a Kubernetes quantity (e.g. "500m", "4", "16Gi")'],
    ['memory', '16 Gi', 'is not a Kubernetes quantity (e.g. "500m", "4", "16Gi")'],
    ['memory', '16GB', 'is not a Kubernetes quantity (e.g. "500m", "4", "16Gi")'],
    ['cpu', true, 'is not a Kubernetes quantity (e.g. "500m", "4", "16Gi")'],
    ['cpu', null, 'is not a Kubernetes quantity (e.g. "500m", "4", "16Gi")'],
    ['cpu', { value: 1 }, 'is not a Kubernetes quantity (e.g. "500m", "4", "16Gi")'],
    ['cpu', '-1', 'is negative; quotas must be >= 0'],
    ['pods', '1.5', 'must be a whole number'],
    ['persistentvolumeclaims', '500m', 'must be a whole number'],
    ['count/deployments.apps', '2.5', 'must be a whole number'],
    ['nvidia.com/gpu', '0.5', 'must be a whole number'],
  ])('rejects %s: %p', (key, value, why) => {
    expect(
      findingsOf(evaluateProfile(profileWithHard({ [key]: value })), 'profile-quota-quantity'),
    ).toEqual([
      { path: hardPath(key), message: `${hardPath(key)} ${JSON.stringify(value)} ${why}` },
    ]);
  });

  it('names the key in bracket notation', () => {
    expect(
      pathsOf('profile-quota-quantity', profileWithHard({ 'requests.nvidia.com/gpu': 'x' })),
    ).toEqual(['spec.resourceQuotaSpec.hard["requests.nvidia.com/gpu"]']);
  });

  it.each([
    [{ resourceQuotaSpec: 'x' }, 'spec.resourceQuotaSpec "x" is not a map'],
    [{ resourceQuotaSpec: { hard: ['4'] } }, 'spec.resourceQuotaSpec.hard ["4"] is not a map'],
    [{ resourceQuotaSpec: { hard: 4 } }, 'spec.resourceQuotaSpec.hard 4 is not a map'],
    [
      { resourceQuotaSpec: { scopes: 'BestEffort' } },
      'spec.resourceQuotaSpec.scopes "BestEffort" is not a list',
    ],
    [
      { resourceQuotaSpec: { scopeSelector: [] } },
      'spec.resourceQuotaSpec.scopeSelector [] is not a map',
    ],
    [
      { resourceQuotaSpec: { scopeSelector: { matchExpressions: {} } } },
      'spec.resourceQuotaSpec.scopeSelector.matchExpressions {} is not a list',
    ],
  ])('rejects the malformed shape %o', (spec, message) => {
    const findings = findingsOf(evaluateProfile(profileWithSpec(spec)), 'profile-quota-quantity');
    expect(findings.map((f) => f.message)).toEqual([message]);
  });

  it.each([
    [{}],
    [{ resourceQuotaSpec: null }],
    [{ resourceQuotaSpec: {} }],
    [{ resourceQuotaSpec: { hard: null } }],
    [{ resourceQuotaSpec: { hard: {} } }],
  ])('accepts an absent or empty quota %o', (spec) => {
    expect(pathsOf('profile-quota-quantity', profileWithSpec(spec))).toEqual([]);
  });

  it('checks scopes and scope selectors against the ResourceQuota scopes', () => {
    const object = profileWithSpec({
      resourceQuotaSpec: {
        hard: { pods: '5' },
        scopes: ['BestEffort', 'NotTerminating', 'Forever', 3],
        scopeSelector: {
          matchExpressions: [
            { scopeName: 'PriorityClass', operator: 'In', values: ['high'] },
            { scopeName: 'CrossNamespacePodAffinity', operator: 'Exists' },
            { scopeName: 'VolumeAttributesClass', operator: 'Exists' },
            { scopeName: 'priorityclass', operator: 'Exists' },
            'junk',
          ],
        },
      },
    });
    const findings = findingsOf(evaluateProfile(object), 'profile-quota-quantity');
    expect(findings.map((f) => f.path)).toEqual([
      'spec.resourceQuotaSpec.scopes[2]',
      'spec.resourceQuotaSpec.scopes[3]',
      'spec.resourceQuotaSpec.scopeSelector.matchExpressions[3].scopeName',
      'spec.resourceQuotaSpec.scopeSelector.matchExpressions[4].scopeName',
    ]);
    expect(findings[0]?.message).toBe(
      'spec.resourceQuotaSpec.scopes[2] "Forever" is not a ResourceQuota scope; allowed: Terminating, NotTerminating, BestEffort, NotBestEffort, PriorityClass, CrossNamespacePodAffinity, VolumeAttributesClass',
    );
  });

  it('is structural: enforced for exempt callers', () => {
    const result = evaluateProfile(profileWithHard({ cpu: 'lots' }), { user: CLUSTER_ADMIN });
    expect(result.denials.map((d) => d.ruleId)).toEqual(['profile-quota-quantity']);
  });

  describe('attacks on the parser', () => {
    it.each([
      ['the stall of issue 8: a hundred thousand trailing zeros', `1${'0'.repeat(100_000)}`],
      ['65 characters', `1${'0'.repeat(64)}`],
      ['64 digits and a suffix', `${'1'.repeat(64)}Ki`],
      ['a long exponent', `1e${'0'.repeat(100)}1`],
      ['a 3 MiB value', '9'.repeat(3 * 1024 * 1024)],
    ])('denies %s, naming the field and the limit', (_name, value) => {
      const findings = findingsOf(
        evaluateProfile(profileWithHard({ cpu: value })),
        'profile-quota-quantity',
      );
      expect(findings).toEqual([
        {
          path: hardPath('cpu'),
          message: `${hardPath('cpu')} is ${value.length} characters long; a quantity has at most 64`,
        },
      ]);
    });

    it('is enforced for exempt callers too, and also under the maximum rule', () => {
      const result = evaluateProfile(profileWithHard({ cpu: `1${'0'.repeat(100)}` }), {
        user: CLUSTER_ADMIN,
      });
      expect(result.denials.map((d) => d.ruleId)).toEqual(['profile-quota-quantity']);
    });

    it.each([
      ['64 characters', `0.${'0'.repeat(61)}1`],
      ['a leading plus and zeros', `+${'0'.repeat(62)}4`],
    ])('accepts %s', (_name, value) => {
      expect(pathsOf('profile-quota-quantity', profileWithHard({ cpu: value }))).toEqual([]);
    });

    it.each([
      ['a number too large for a quantity string', 1e308, []],
      ['a negative zero', -0, []],
      ['Infinity as text', 'Infinity', [hardPath('cpu')]],
      ['a hexadecimal value', '0x10', [hardPath('cpu')]],
      ['unicode digits', '١٠', [hardPath('cpu')]],
      ['a fullwidth digit', '４', [hardPath('cpu')]],
      ['a trailing newline', '4\n', [hardPath('cpu')]],
      ['a suffix in the wrong case', '4KI', [hardPath('cpu')]],
    ])('judges %s', (_name, value, paths) => {
      expect(pathsOf('profile-quota-quantity', profileWithHard({ cpu: value }))).toEqual(paths);
    });
  });
});
