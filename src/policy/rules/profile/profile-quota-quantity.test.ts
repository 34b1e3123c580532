import { CLUSTER_ADMIN } from '../../test-support/kubeflow-objects.js';
import { evaluateProfile, profileWithHard } from '../../test-support/profile-fixtures.js';
import { findingsOf } from '../../test-support/profile-fixtures.js';
import { caseTable, evaluateRuleCase, hardPath } from '../../test-support/rule-cases.js';
import { CONTRACT_DEFAULT_SPEC, testPolicy } from '../../test-support/test-policy.js';
import { profileWithSpec } from '../../test-support/profile-fixtures.js';
import fc from 'fast-check';
import { parseQuantity } from '../../quantity.js';
import { CASES } from './profile-quota-quantity.cases.js';
import { isPlainWholeQuantity } from './profile-quota-quantity.js';

const SCOPES_PATH = 'spec.resourceQuotaSpec.scopes';
const EXPRESSIONS_PATH = 'spec.resourceQuotaSpec.scopeSelector.matchExpressions';
/** No default quota: the rows' own `hard` is what the ResourceQuota gets. */
const NO_DEFAULTS = testPolicy({}, CONTRACT_DEFAULT_SPEC);
const quota = (resourceQuotaSpec: Record<string, unknown>) =>
  profileWithSpec({ resourceQuotaSpec });
const selector = (...matchExpressions: Record<string, unknown>[]) => ({
  scopeSelector: { matchExpressions },
});

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

  // The profile controller copies spec.resourceQuotaSpec into the namespace's ResourceQuota; one
  // the API server refuses is never created, and the namespace then has no quota at all (its
  // defaults and maxima included). These are webhook-only: the native translation does not make
  // them (README, Native admission policies).
  describe('scopes the API server refuses with the hard resources', () => {
    it.each([
      ['Terminating', 'persistentvolumeclaims', 1],
      ['NotTerminating', 'persistentvolumeclaims', 1],
      ['NotBestEffort', 'persistentvolumeclaims', 1],
      ['PriorityClass', 'persistentvolumeclaims', 1],
      ['CrossNamespacePodAffinity', 'persistentvolumeclaims', 1],
      ['BestEffort', 'cpu', 3],
    ] as const)(
      'denies scopes: [%s] over the injected default quota (it cannot bound %s)',
      (scope, first, more) => {
        const result = evaluateProfile(quota({ scopes: [scope] }));
        expect(result.allowed).toBe(false);
        const path = `${SCOPES_PATH}[0]`;
        expect(findingsOf(result, 'profile-quota-quantity')).toEqual([
          {
            path,
            message: expect.stringContaining(
              `${path} "${scope}" cannot bound ${hardPath(first)} (and ${more} more): the API server refuses such a ResourceQuota (unsupported scope applied to resource), which would leave the namespace without any quota; ${scope} bounds only `,
            ) as string,
          },
        ]);
      },
    );

    it.each([
      [
        'a PriorityClass no pod has',
        { scopeName: 'PriorityClass', operator: 'In', values: ['none'] },
      ],
      [
        'VolumeAttributesClass over cpu',
        { scopeName: 'VolumeAttributesClass', operator: 'Exists' },
      ],
    ])('denies a scope selector on %s over the injected default quota', (_title, expression) => {
      const result = evaluateProfile(quota(selector(expression)));
      expect(result.allowed).toBe(false);
      expect(findingsOf(result, 'profile-quota-quantity').map((f) => f.path)).toEqual([
        `${EXPRESSIONS_PATH}[0].scopeName`,
      ]);
    });

    it('is structural: denies a cluster admin too', () => {
      const result = evaluateProfile(quota({ scopes: ['NotTerminating'] }), {
        user: CLUSTER_ADMIN,
      });
      expect(result.denials.map((d) => d.ruleId)).toEqual(['profile-quota-quantity']);
    });

    it('judges repeated scopes entry by entry: every entry that cannot bound, each conflict once', () => {
      const scopes = [
        'Terminating',
        'BestEffort',
        'Terminating',
        'NotTerminating',
        'BestEffort',
        'NotTerminating',
        7,
      ];
      const result = evaluateProfile(quota({ hard: { cpu: '1' }, scopes }), {
        policy: NO_DEFAULTS,
      });
      const paths = findingsOf(result, 'profile-quota-quantity').map((finding) => finding.path);
      expect(paths).toEqual([
        `${SCOPES_PATH}[1]`, // BestEffort cannot bound cpu
        `${SCOPES_PATH}[4]`, // nor here
        `${SCOPES_PATH}[6]`, // 7 is not a scope
        `${SCOPES_PATH}[3]`, // NotTerminating conflicts with Terminating, at its first entry only
      ]);
    });

    it.each([
      [
        'pod scopes over pod resources',
        {
          hard: { pods: '5', cpu: '1', 'limits.memory': '1Gi' },
          scopes: ['Terminating', 'NotBestEffort', 'PriorityClass'],
        },
      ],
      ['BestEffort over pods', { hard: { pods: '5' }, scopes: ['BestEffort'] }],
      [
        'resources with a prefix, which the API server does not check',
        { hard: { 'requests.nvidia.com/gpu': '1', 'count/pods': '5' }, scopes: ['Terminating'] },
      ],
      ['a scope listed twice', { hard: { pods: '5' }, scopes: ['Terminating', 'Terminating'] }],
      ['no hard at all', { scopes: ['BestEffort'] }],
    ])('accepts %s (no default quota)', (_title, spec) => {
      const result = evaluateProfile(quota(spec), { policy: NO_DEFAULTS });
      expect(findingsOf(result, 'profile-quota-quantity')).toEqual([]);
    });

    it.each([
      [
        'BestEffort and NotBestEffort',
        { hard: { pods: '5' }, scopes: ['BestEffort', 'NotBestEffort'] },
        `${SCOPES_PATH}[1]`,
        `${SCOPES_PATH}[1] "NotBestEffort" conflicts with ${SCOPES_PATH}[0] "BestEffort": the API server refuses such a ResourceQuota (conflicting scopes), which would leave the namespace without any quota`,
      ],
      [
        'Terminating and NotTerminating in a selector',
        {
          hard: { pods: '5' },
          ...selector(
            { scopeName: 'NotTerminating', operator: 'Exists' },
            { scopeName: 'Terminating', operator: 'Exists' },
          ),
        },
        `${EXPRESSIONS_PATH}[1].scopeName`,
        `${EXPRESSIONS_PATH}[1].scopeName "Terminating" conflicts with ${EXPRESSIONS_PATH}[0].scopeName "NotTerminating": the API server refuses such a ResourceQuota (conflicting scopes), which would leave the namespace without any quota`,
      ],
      [
        'a boolean scope with In',
        {
          hard: { pods: '5' },
          ...selector({ scopeName: 'Terminating', operator: 'In', values: ['x'] }),
        },
        `${EXPRESSIONS_PATH}[0].operator`,
        `${EXPRESSIONS_PATH}[0].operator "In" must be "Exists" for the scope "Terminating"`,
      ],
      [
        'an unknown operator',
        {
          hard: { pods: '5' },
          ...selector({ scopeName: 'PriorityClass', operator: 'Equals', values: ['x'] }),
        },
        `${EXPRESSIONS_PATH}[0].operator`,
        `${EXPRESSIONS_PATH}[0].operator "Equals" is not a scope selector operator; allowed: In, NotIn, Exists, DoesNotExist`,
      ],
      [
        'In without values',
        { hard: { pods: '5' }, ...selector({ scopeName: 'PriorityClass', operator: 'In' }) },
        `${EXPRESSIONS_PATH}[0].values`,
        `${EXPRESSIONS_PATH}[0].values must list at least one value with the operator "In"`,
      ],
      [
        'Exists with values',
        {
          hard: { pods: '5' },
          ...selector({ scopeName: 'PriorityClass', operator: 'Exists', values: ['x'] }),
        },
        `${EXPRESSIONS_PATH}[0].values`,
        `${EXPRESSIONS_PATH}[0].values must be empty with the operator "Exists"`,
      ],
    ])('denies %s, as the API server does', (_title, spec, path, message) => {
      const result = evaluateProfile(quota(spec), { policy: NO_DEFAULTS });
      expect(findingsOf(result, 'profile-quota-quantity')).toEqual([{ path, message }]);
      expect(result.allowed).toBe(false);
    });

    it('checks each distinct scope against hard once: 20 000 scopes over 20 000 resources', () => {
      const hard = Object.fromEntries(
        Array.from({ length: 20_000 }, (_, index) => [`hugepages-${index}Ki`, '1']),
      );
      const scopes = Array.from({ length: 20_000 }, () => 'NotTerminating');
      const result = evaluateProfile(quota({ hard, scopes }), { policy: NO_DEFAULTS });
      expect(result.allowed).toBe(false);
      const findings = findingsOf(result, 'profile-quota-quantity');
      expect(findings).toHaveLength(21);
      expect(findings[20]?.message).toContain('(19980 in all)');
    });

    it('keeps a stored scoped quota as a warning on an UPDATE that leaves it alone', () => {
      const stored = quota({
        hard: {
          cpu: '4',
          memory: '16Gi',
          persistentvolumeclaims: '10',
          'requests.storage': '100Gi',
        },
        scopes: ['Terminating'],
      });
      const updated = { ...stored, metadata: { name: 'alice', annotations: { note: 'x' } } };
      const result = evaluateProfile(updated, { operation: 'UPDATE', oldObject: stored });
      expect(result.allowed).toBe(true);
      expect(result.warnings.map((w) => [w.ruleId, w.ratcheted])).toEqual([
        ['profile-quota-quantity', true],
      ]);
    });
  });

  describe('values read without parsing (isPlainWholeQuantity)', () => {
    /** What checkValue concludes from parsing: a valid, non-negative, whole quantity. */
    const parsedPlainWhole = (value: string | number): boolean => {
      const quantity = parseQuantity(value);
      return quantity !== undefined && quantity.mantissa >= 0n && quantity.exponent >= 0;
    };
    const quantityText = fc
      .array(
        fc.constantFrom('0', '1', '2', '5', '9', '+', '-', '.', 'e', 'E', 'm', 'k', 'Ki', ' ', 'x'),
        {
          maxLength: 70,
        },
      )
      .map((parts) => parts.join(''));

    it('is taken only for text that parses to a valid, non-negative, whole quantity', () => {
      fc.assert(
        fc.property(fc.oneof(quantityText, fc.stringMatching(/^\d{1,70}$/)), (text) => {
          if (isPlainWholeQuantity(text)) expect(parsedPlainWhole(text)).toBe(true);
        }),
        { numRuns: 3000 },
      );
      fc.assert(
        fc.property(fc.oneof(fc.integer(), fc.double(), fc.maxSafeInteger()), (value) => {
          if (isPlainWholeQuantity(value)) expect(parsedPlainWhole(value)).toBe(true);
        }),
        { numRuns: 2000 },
      );
    });

    it.each<[unknown, boolean]>([
      ['0', true],
      ['007', true],
      ['9'.repeat(64), true],
      ['9'.repeat(65), false],
      ['', false],
      ['-1', false],
      ['+1', false],
      ['1.0', false],
      ['1k', false],
      ['1e3', false],
      [' 1', false],
      [4, true],
      [-0, true],
      [-1, false],
      [0.5, false],
      [2 ** 53, false],
      [null, false],
    ])('%p: %p', (value, expected) => {
      expect(isPlainWholeQuantity(value)).toBe(expected);
    });

    it('judges the rest by parsing: a fractional count or a negative value is still denied', () => {
      const result = evaluateProfile(
        profileWithHard({ pods: '1.5', cpu: '-1', memory: '007', 'count/jobs.batch': 3 }),
        { policy: NO_DEFAULTS },
      );
      expect(findingsOf(result, 'profile-quota-quantity').map((finding) => finding.path)).toEqual([
        hardPath('pods'),
        hardPath('cpu'),
      ]);
    });
  });
});
