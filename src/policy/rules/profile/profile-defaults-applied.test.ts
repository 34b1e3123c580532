import { NO_CLUSTER } from '../../cluster-snapshot.js';
import { createValidator } from '../../engine.js';
import type { KubeObject } from '../../kube-object.js';
import { createMutator } from '../../mutation-engine.js';
import type { MutatorDefinition } from '../../rule.js';
import { MUTATORS, RULES } from '../../catalog.js';
import { input } from '../../test-support/fixtures.js';
import { CLUSTER_ADMIN } from '../../test-support/kubeflow-objects.js';
import { aliceProfile, evaluateProfile } from '../../test-support/profile-fixtures.js';
import { CONTRACT_DEFAULT_SPEC, testPolicy } from '../../test-support/test-policy.js';
import { profileDefaultsApplied } from './profile-defaults-applied.js';

// Straight to /validate, as when the mutating webhook failed or was skipped.
const validate = createValidator(RULES);
const mutate = createMutator(MUTATORS);
const POLICY = testPolicy();
const skipped = (object: KubeObject, options: Parameters<typeof input>[2] = {}) =>
  validate(input('Profile', object, options), POLICY, NO_CLUSTER);
const messages = (object: KubeObject, options: Parameters<typeof input>[2] = {}) =>
  skipped(object, options)
    .denials.filter((finding) => finding.ruleId === 'profile-defaults-applied')
    .map((finding) => `${finding.path}: ${finding.message}`);
const mutated = (object: KubeObject): KubeObject =>
  mutate(input('Profile', object), POLICY, NO_CLUSTER)?.mutated ?? object;
const lacks = (path: string, value: string) =>
  `${path}: ${path} lacks ${value}, which /mutate injects under policy "test": the mutating webhook failed or was skipped`;
const withHard = (hard: Record<string, unknown>, labels?: Record<string, string>): KubeObject => ({
  ...aliceProfile(),
  metadata: { name: 'alice', ...(labels === undefined ? {} : { labels }) },
  spec: { owner: { kind: 'User', name: 'alice@example.com' }, resourceQuotaSpec: { hard } },
});
const LABEL = { 'app.kubernetes.io/part-of': 'kubeflow-profile' };
const DEFAULTS = {
  cpu: '4',
  memory: '16Gi',
  persistentvolumeclaims: '10',
  'requests.storage': '100Gi',
};

describe('profile-defaults-applied', () => {
  it.each<[string, KubeObject, string[]]>([
    [
      'a Profile the mutating webhook never saw',
      aliceProfile(),
      [
        lacks('metadata.labels', '{"app.kubernetes.io/part-of":"kubeflow-profile"}'),
        lacks(
          'spec.resourceQuotaSpec',
          '{"hard":{"cpu":"4","memory":"16Gi","persistentvolumeclaims":"10","requests.stor…',
        ),
      ],
    ],
    [
      'a quota without one default',
      withHard({ cpu: '4', memory: '16Gi', persistentvolumeclaims: '10' }, LABEL),
      [lacks('spec.resourceQuotaSpec.hard["requests.storage"]', '"100Gi"')],
    ],
    [
      'an empty quota',
      withHard({}, LABEL),
      [
        lacks('spec.resourceQuotaSpec.hard["cpu"]', '"4"'),
        lacks('spec.resourceQuotaSpec.hard["memory"]', '"16Gi"'),
        lacks('spec.resourceQuotaSpec.hard["persistentvolumeclaims"]', '"10"'),
        lacks('spec.resourceQuotaSpec.hard["requests.storage"]', '"100Gi"'),
      ],
    ],
    [
      'the label missing, with other labels',
      withHard(DEFAULTS, { team: 'ml' }),
      [lacks('metadata.labels["app.kubernetes.io/part-of"]', '"kubeflow-profile"')],
    ],
    [
      // What the API server decodes as absent: left alone it is a Profile without its label.
      'null labels',
      { ...withHard(DEFAULTS), metadata: { name: 'alice', labels: null } },
      [lacks('metadata.labels', '{"app.kubernetes.io/part-of":"kubeflow-profile"}')],
    ],
    [
      'labels that are no map (the label cannot be added)',
      { ...withHard(DEFAULTS), metadata: { name: 'alice', labels: 'x' } },
      [
        'metadata.labels: metadata.labels "x" is not a map, so profiles.labels (policy "test") cannot be added to it',
      ],
    ],
    [
      'labels that are a list',
      {
        ...withHard(DEFAULTS),
        metadata: { name: 'alice', labels: [LABEL] },
      },
      [
        'metadata.labels: metadata.labels [{"app.kubernetes.io/part-of":"kubeflow-profile"}] is not a map, so profiles.labels (policy "test") cannot be added to it',
      ],
    ],
  ])('denies %s', (_name, object, expected) => {
    expect(messages(object)).toEqual(expected);
  });

  it.each<[string, KubeObject]>([
    ['a Profile /mutate has seen', mutated(aliceProfile())],
    [
      'a Profile with every default under its own values',
      withHard({ ...DEFAULTS, cpu: '8' }, { ...LABEL }),
    ],
    [
      'the label under another value (existing keys are kept)',
      withHard(DEFAULTS, { 'app.kubernetes.io/part-of': 'mine' }),
    ],
    [
      'requests.cpu standing for the cpu default',
      withHard({ ...DEFAULTS, cpu: undefined, 'requests.cpu': '2' }, LABEL),
    ],
    [
      'a malformed quota (the mutation leaves it alone; profile-quota-quantity denies it)',
      {
        ...aliceProfile(),
        metadata: { name: 'alice', labels: LABEL },
        spec: {
          owner: { kind: 'User', name: 'alice@example.com' },
          resourceQuotaSpec: { hard: ['4'] },
        },
      },
    ],
  ])('passes %s', (_name, object) => {
    expect(messages(object)).toEqual([]);
  });

  it('is structural: enforced for exempt callers too', () => {
    expect(skipped(aliceProfile(), { user: CLUSTER_ADMIN }).denials.map((d) => d.ruleId)).toEqual([
      'profile-defaults-applied',
      'profile-defaults-applied',
    ]);
  });

  it('never ratchets, but lets a metadata-only UPDATE through', () => {
    const stored = aliceProfile();
    const relabelled = { ...stored, metadata: { name: 'alice', labels: { team: 'ml' } } };
    expect(skipped(relabelled, { operation: 'UPDATE', oldObject: stored }).allowed).toBe(false);
    const finalizing = { ...stored, metadata: { name: 'alice', finalizers: [] } };
    const result = skipped(finalizing, { operation: 'UPDATE', oldObject: stored });
    expect(result.allowed).toBe(true);
    expect(result.warnings.map((w) => [w.ruleId, w.ratcheted])).toEqual([
      ['profile-defaults-applied', true],
      ['profile-defaults-applied', true],
    ]);
  });

  it('passes when the policy injects nothing', () => {
    const bare = testPolicy({}, CONTRACT_DEFAULT_SPEC);
    expect(validate(input('Profile', aliceProfile()), bare, NO_CLUSTER).allowed).toBe(true);
  });

  it('passes every Profile that went through /mutate first (the webhook pair)', () => {
    expect(evaluateProfile(aliceProfile()).allowed).toBe(true);
    expect(evaluateProfile(withHard({ cpu: '1' }, { team: 'ml' })).allowed).toBe(true);
  });

  it('denies, naming the field, when a mutation fails at /validate', () => {
    const broken: MutatorDefinition = {
      id: 'broken-quota',
      targets: ['Profile'],
      writes: [['spec', 'resourceQuotaSpec', 'hard']],
      apply: () => {
        throw new Error('boom');
      },
    };
    const rule = profileDefaultsApplied([broken]);
    const result = createValidator([rule])(input('Profile', aliceProfile()), POLICY, NO_CLUSTER);
    expect(result.denials.map((d) => `${d.path}: ${d.message}`)).toEqual([
      'spec.resourceQuotaSpec.hard: spec.resourceQuotaSpec.hard cannot be given its defaults: the broken-quota mutation of policy "test" fails (boom)',
    ]);
  });

  it('judges a plugin spec nested 200 000 levels deep without walking it', () => {
    let deep: unknown = 'leaf';
    for (let level = 0; level < 200_000; level++) deep = { a: deep };
    const object = {
      ...withHard(DEFAULTS, LABEL),
      spec: {
        ...(withHard(DEFAULTS, LABEL).spec as object),
        plugins: [{ kind: 'WorkloadIdentity', spec: deep }],
      },
    };
    expect(messages(object)).toEqual([]);
    const bare = { ...object, metadata: { name: 'alice' } };
    expect(messages(bare)).toEqual([
      lacks('metadata.labels', '{"app.kubernetes.io/part-of":"kubeflow-profile"}'),
    ]);
  });
});
