import fc from 'fast-check';
import { EMBEDDED_DEFAULT_POLICY } from '../../config/default-policy.js';
import { deepFreeze } from '../../config/deep-freeze.js';
import { NO_CLUSTER } from '../cluster-snapshot.js';
import type { KubeObject } from '../kube-object.js';
import { createMutator } from '../mutation-engine.js';
import type { Policy } from '../policy-spec.js';
import type { Operation } from '../request.js';
import { MUTATORS } from '../catalog.js';
import { input } from '../test-support/fixtures.js';
import {
  aliceProfile,
  evaluateProfile,
  profileWithHard,
  profileWithSpec,
} from '../test-support/profile-fixtures.js';
import { CONTRACT_DEFAULT_SPEC, testPolicy } from '../test-support/test-policy.js';

const mutate = createMutator(MUTATORS);
const DEFAULTS = {
  cpu: '4',
  memory: '16Gi',
  persistentvolumeclaims: '10',
  'requests.storage': '100Gi',
};

/** Mutates and returns the result; fails the test when a mutator threw. */
function mutated(
  object: KubeObject,
  policy: Policy = testPolicy(),
  operation: Operation = 'CREATE',
) {
  // Frozen: a mutator that edits a container it did not declare in `writes` throws here.
  const frozen = deepFreeze(structuredClone(object));
  const oldObject = operation === 'UPDATE' ? frozen : undefined;
  const result = mutate(
    input('Profile', frozen, { operation, ...(oldObject ? { oldObject } : {}) }),
    policy,
    NO_CLUSTER,
  );
  expect(result?.errors).toEqual([]);
  return result?.mutated;
}

const hardOf = (object: KubeObject | undefined) =>
  (object?.spec as { resourceQuotaSpec?: { hard?: unknown } } | undefined)?.resourceQuotaSpec?.hard;

/** A policy with only the given quota settings (and no labels). */
const quotaPolicy = (defaults: Record<string, string>, fillMissing = true) =>
  testPolicy({ profiles: { quota: { defaults, fillMissing } } }, CONTRACT_DEFAULT_SPEC);

describe('profile-default-quota', () => {
  it.each([
    ['no resourceQuotaSpec', aliceProfile()],
    ['an empty resourceQuotaSpec', profileWithSpec({ resourceQuotaSpec: {} })],
    ['an empty hard', profileWithHard({})],
    // null is what the profile controller reads as absent: left alone it is a quota with no limits.
    ['a null resourceQuotaSpec', profileWithSpec({ resourceQuotaSpec: null })],
    ['a null hard', profileWithHard(null)],
  ])('injects all defaults into %s', (_case, object) => {
    expect(hardOf(mutated(object))).toEqual(DEFAULTS);
  });

  it('creates spec when it is absent', () => {
    const object: KubeObject = {
      apiVersion: 'kubeflow.org/v1',
      kind: 'Profile',
      metadata: { name: 'a' },
    };
    expect(mutated(object)?.spec).toEqual({ resourceQuotaSpec: { hard: DEFAULTS } });
  });

  it('creates spec when it is null', () => {
    const object: KubeObject = {
      apiVersion: 'kubeflow.org/v1',
      kind: 'Profile',
      metadata: { name: 'a' },
      spec: null,
    };
    expect(mutated(object)?.spec).toEqual({ resourceQuotaSpec: { hard: DEFAULTS } });
  });

  it.each([
    ['spec a string', { spec: 'x' }],
    ['spec an array', { spec: [] }],
    ['resourceQuotaSpec a string', { spec: { resourceQuotaSpec: 'x' } }],
    ['hard an array', { spec: { resourceQuotaSpec: { hard: [] } } }],
    ['hard a number', { spec: { resourceQuotaSpec: { hard: 3 } } }],
  ])('leaves a malformed object alone: %s', (_case, fields) => {
    const object = {
      ...aliceProfile(),
      ...fields,
      metadata: { name: 'a', labels: { 'app.kubernetes.io/part-of': 'kubeflow-profile' } },
    };
    expect(mutated(object)).toEqual(object);
  });

  it.each([
    [
      'adds the missing keys, keeping existing values',
      { cpu: '8' },
      { cpu: '8', memory: '16Gi', persistentvolumeclaims: '10', 'requests.storage': '100Gi' },
    ],
    [
      'treats requests.cpu as cpu',
      { 'requests.cpu': '2' },
      {
        'requests.cpu': '2',
        memory: '16Gi',
        persistentvolumeclaims: '10',
        'requests.storage': '100Gi',
      },
    ],
    [
      'treats requests.memory as memory',
      { 'requests.memory': '1Gi' },
      {
        'requests.memory': '1Gi',
        cpu: '4',
        persistentvolumeclaims: '10',
        'requests.storage': '100Gi',
      },
    ],
    [
      'keeps unrelated keys',
      { 'requests.nvidia.com/gpu': '1' },
      { 'requests.nvidia.com/gpu': '1', ...DEFAULTS },
    ],
    [
      'keeps a value that is not a quantity',
      { cpu: 'junk', memory: 7 },
      { cpu: 'junk', memory: 7, persistentvolumeclaims: '10', 'requests.storage': '100Gi' },
    ],
    ['does not treat limits.cpu as cpu', { 'limits.cpu': '2' }, { 'limits.cpu': '2', ...DEFAULTS }],
  ])('fillMissing: %s', (_case, hard, expected) => {
    expect(hardOf(mutated(profileWithHard(hard)))).toEqual(expected);
  });

  it('does not add a default requests.cpu beside an existing cpu', () => {
    const policy = quotaPolicy({ 'requests.cpu': '1', 'requests.memory': '2Gi' });
    expect(hardOf(mutated(profileWithHard({ cpu: '3', memory: '5Gi' }), policy))).toEqual({
      cpu: '3',
      memory: '5Gi',
    });
  });

  it('leaves a partial hard alone when fillMissing is false', () => {
    const policy = quotaPolicy(DEFAULTS, false);
    expect(hardOf(mutated(profileWithHard({ cpu: '8' }), policy))).toEqual({ cpu: '8' });
    expect(hardOf(mutated(profileWithHard({}), policy))).toEqual(DEFAULTS);
  });

  it('fills and leaves a large hard (an overlay draft) as it does a small one', () => {
    const large = Object.fromEntries(
      Array.from({ length: 200 }, (_, index) => [`count/r${String(index)}.example.com`, '1']),
    );
    const withCpu = { ...large, 'requests.cpu': '2' };
    expect(hardOf(mutated(profileWithHard(withCpu)))).toEqual({
      ...withCpu,
      memory: '16Gi',
      persistentvolumeclaims: '10',
      'requests.storage': '100Gi',
    });
    expect(hardOf(mutated(profileWithHard(large), quotaPolicy(DEFAULTS, false)))).toEqual(large);
  });

  it('injects values exactly as the policy writes them', () => {
    const policy = quotaPolicy({ cpu: '4000m', memory: '0.5Ti', 'requests.nvidia.com/gpu': '0' });
    expect(hardOf(mutated(aliceProfile(), policy))).toEqual({
      cpu: '4000m',
      memory: '0.5Ti',
      'requests.nvidia.com/gpu': '0',
    });
  });

  it('adds nothing, not even empty maps, when there are no defaults', () => {
    const policy = quotaPolicy({});
    expect(mutated(aliceProfile(), policy)).toEqual(aliceProfile());
  });

  it('applies on UPDATE too', () => {
    expect(hardOf(mutated(profileWithHard({ cpu: '1' }), testPolicy(), 'UPDATE'))).toMatchObject({
      cpu: '1',
      memory: '16Gi',
    });
  });

  it('never patches DELETE', () => {
    const result = mutate(
      input('Profile', undefined, { operation: 'DELETE', oldObject: aliceProfile() }),
      testPolicy(),
      NO_CLUSTER,
    );
    expect(result).toBeUndefined();
  });
});

describe('profile-labels and profile-annotations', () => {
  const policy = testPolicy(
    {
      profiles: {
        labels: { 'app.kubernetes.io/part-of': 'kubeflow-profile', team: 'ml' },
        annotations: { 'example.com/managed-by': 'profile-guard' },
      },
    },
    CONTRACT_DEFAULT_SPEC,
  );

  it('adds absent keys, creating the maps', () => {
    expect(mutated(aliceProfile(), policy)?.metadata).toEqual({
      name: 'alice',
      labels: { 'app.kubernetes.io/part-of': 'kubeflow-profile', team: 'ml' },
      annotations: { 'example.com/managed-by': 'profile-guard' },
    });
  });

  it('keeps existing keys and their values', () => {
    const object = {
      ...aliceProfile(),
      metadata: {
        name: 'alice',
        labels: { team: 'infra', x: 'y' },
        annotations: { 'example.com/managed-by': 'me' },
      },
    };
    expect(mutated(object, policy)?.metadata).toEqual({
      name: 'alice',
      labels: { team: 'infra', x: 'y', 'app.kubernetes.io/part-of': 'kubeflow-profile' },
      annotations: { 'example.com/managed-by': 'me' },
    });
  });

  it('creates metadata when absent', () => {
    const object: KubeObject = { apiVersion: 'kubeflow.org/v1', kind: 'Profile' };
    expect(mutated(object, policy)?.metadata).toMatchObject({ labels: { team: 'ml' } });
  });

  it('reads null maps as absent (as the API server decodes them)', () => {
    const object = {
      ...aliceProfile(),
      metadata: { name: 'alice', labels: null, annotations: null },
    } as KubeObject;
    expect(mutated(object, policy)?.metadata).toEqual({
      name: 'alice',
      labels: { 'app.kubernetes.io/part-of': 'kubeflow-profile', team: 'ml' },
      annotations: { 'example.com/managed-by': 'profile-guard' },
    });
  });

  it('leaves maps that are no object alone (profile-defaults-applied denies them)', () => {
    const object = {
      ...aliceProfile(),
      metadata: { name: 'alice', labels: 'x', annotations: ['y'] },
    } as KubeObject;
    expect(mutated(object, policy)).toEqual(object);
  });

  it('leaves a malformed metadata alone', () => {
    const object = { ...aliceProfile(), metadata: 'x' } as unknown as KubeObject;
    expect(mutated(object, policy)).toEqual(object);
  });

  it('the embedded default adds its part-of label', () => {
    expect(mutated(aliceProfile())?.metadata).toEqual({
      name: 'alice',
      labels: { 'app.kubernetes.io/part-of': 'kubeflow-profile' },
    });
  });
});

describe('Profile mutation is idempotent', () => {
  const policies: [string, Policy][] = [
    ['embedded default', testPolicy()],
    [
      'aliased defaults',
      quotaPolicy({ cpu: '1', 'requests.cpu': '2', memory: '1Gi', 'requests.memory': '2Gi' }),
    ],
    ['no fillMissing', quotaPolicy(DEFAULTS, false)],
  ];
  const objects: [string, KubeObject][] = [
    ['no quota', aliceProfile()],
    ['partial quota', profileWithHard({ 'requests.cpu': '2' })],
    ['empty hard', profileWithHard({})],
    ['requests.memory only', profileWithHard({ 'requests.memory': '3Gi' })],
  ];
  const cases = policies.flatMap(([p, policy]) =>
    objects.map(([o, object]) => [p, o, policy, object] as const),
  );

  it.each(cases)('%s, %s: a second pass changes nothing', (_p, _o, policy, object) => {
    const once = mutated(object, policy);
    expect(once).toBeDefined();
    expect(mutated(once!, policy)).toEqual(once);
  });

  it('holds for arbitrary objects and defaults, and never throws', () => {
    const json = fc.jsonValue({ maxDepth: 3 });
    const quantity = fc.constantFrom('1', '2Gi', '500m', '10');
    const resource = fc.constantFrom(
      'cpu',
      'requests.cpu',
      'memory',
      'requests.memory',
      'pods',
      'limits.cpu',
    );
    const object = fc.record(
      {
        metadata: fc.oneof(
          json,
          fc.record({
            name: fc.string(),
            labels: fc.oneof(json, fc.dictionary(fc.string(), fc.string())),
          }),
        ),
        spec: fc.oneof(
          json,
          fc.record({
            resourceQuotaSpec: fc.oneof(
              json,
              fc.record({ hard: fc.oneof(json, fc.dictionary(resource, quantity)) }),
            ),
          }),
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        object,
        fc.dictionary(resource, quantity),
        fc.boolean(),
        (obj, defaults, fillMissing) => {
          const policy = testPolicy(
            { profiles: { quota: { defaults, fillMissing }, labels: { a: 'b' } } },
            CONTRACT_DEFAULT_SPEC,
          );
          const once = mutated(obj as KubeObject, policy);
          expect(mutated(once!, policy)).toEqual(once);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('the Kubeflow Profile under the embedded default policy', () => {
  it.each(['kubeflow.org/v1', 'kubeflow.org/v1beta1'])(
    'gets the default quota and label, and the result is allowed without warnings (%s)',
    (apiVersion) => {
      const result = mutated(aliceProfile(apiVersion), EMBEDDED_DEFAULT_POLICY);
      expect(result).toEqual({
        apiVersion,
        kind: 'Profile',
        metadata: { name: 'alice', labels: { 'app.kubernetes.io/part-of': 'kubeflow-profile' } },
        spec: {
          owner: { kind: 'User', name: 'alice@example.com' },
          resourceQuotaSpec: { hard: DEFAULTS },
        },
      });
      const evaluation = evaluateProfile(result!, { policy: EMBEDDED_DEFAULT_POLICY });
      expect(evaluation).toMatchObject({ allowed: true, denials: [], warnings: [] });
    },
  );
});
