import {
  evaluateProfile,
  findingsOf,
  pathsOf,
  profileWithHard,
  profileWithSpec,
} from '../../test-support/profile-fixtures.js';
import { CONTRACT_DEFAULT_SPEC, testPolicy } from '../../test-support/test-policy.js';

const ADMIN = { username: 'admin', groups: ['system:masters'] };
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
    const result = evaluateProfile(profileWithHard({ cpu: 'lots' }), { user: ADMIN });
    expect(result.denials.map((d) => d.ruleId)).toEqual(['profile-quota-quantity']);
  });
});

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
    expect(evaluateProfile(profileWithHard({ cpu: '1000' }), { user: ADMIN }).allowed).toBe(true);
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
