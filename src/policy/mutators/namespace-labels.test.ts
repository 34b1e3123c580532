import { diffToJsonPatch } from '../../admission/json-patch.js';
import { deepFreeze } from '../../config/deep-freeze.js';
import { NO_CLUSTER, type ClusterSnapshot } from '../cluster-snapshot.js';
import type { KubeObject } from '../kube-object.js';
import { createMutator } from '../mutation-engine.js';
import type { Policy } from '../policy-spec.js';
import { MUTATORS } from '../catalog.js';
import { cluster, emptySnapshot, namespace, profile } from '../test-support/cluster-fixtures.js';
import { input } from '../test-support/fixtures.js';
import { ALICE_NAMESPACE, PROFILES_CONTROLLER } from '../test-support/kubeflow-objects.js';
import { testPolicy } from '../test-support/test-policy.js';

const mutate = createMutator(MUTATORS);
const policy = testPolicy({
  profiles: {
    namespaceLabels: {
      inject: { 'pod-security.kubernetes.io/enforce': 'restricted', 'istio-injection': 'enabled' },
      propagate: ['team', 'cost-center', 'missing'],
    },
  },
});
const state = cluster([
  profile('carol', 'carol@example.com', { team: 'ml', 'cost-center': '42', other: 'x' }),
]);

function labelsAfter(
  object: KubeObject,
  options: { policy?: Policy; cluster?: ClusterSnapshot; operation?: 'CREATE' | 'UPDATE' } = {},
): unknown {
  const result = mutate(
    input('Namespace', object, {
      user: PROFILES_CONTROLLER,
      ...(options.operation === 'UPDATE' ? { operation: 'UPDATE', oldObject: object } : {}),
    }),
    options.policy ?? policy,
    options.cluster ?? state,
  );
  expect(result?.errors).toEqual([]);
  expect(result?.applied).toContain('namespace-labels');
  return result?.mutated.metadata?.labels;
}

const owned = (name: string, labels?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: {
    name,
    ...(labels === undefined ? {} : { labels }),
    ownerReferences: [
      { apiVersion: 'kubeflow.org/v1beta1', kind: 'Profile', name: 'carol', uid: 'u' },
    ],
  },
});

describe('namespace-labels', () => {
  it('injects labels, overwriting existing keys, and copies the listed Profile labels', () => {
    expect(
      labelsAfter(
        owned('carol', {
          'pod-security.kubernetes.io/enforce': 'privileged',
          keep: 'me',
          team: 'old',
        }),
      ),
    ).toEqual({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'istio-injection': 'enabled',
      keep: 'me',
      team: 'ml',
      'cost-center': '42',
    });
  });

  it('recognises a Profile of the same name without an ownerReference', () => {
    expect(labelsAfter(namespace('carol'))).toEqual({
      team: 'ml',
      'cost-center': '42',
      'pod-security.kubernetes.io/enforce': 'restricted',
      'istio-injection': 'enabled',
    });
  });

  it('is idempotent', () => {
    const once = {
      ...owned('carol'),
      metadata: { ...owned('carol').metadata, labels: labelsAfter(owned('carol')) },
    };
    const result = mutate(
      input('Namespace', once, {
        operation: 'UPDATE',
        oldObject: once,
      }),
      policy,
      state,
    );
    expect(result?.mutated).toEqual(once);
  });

  it('leaves Namespaces of no Profile alone', () => {
    expect(labelsAfter(namespace('plain', { labels: { a: 'b' } }))).toEqual({ a: 'b' });
    expect(labelsAfter(namespace('plain'))).toBeUndefined();
    const foreign = {
      ...namespace('x'),
      metadata: {
        name: 'x',
        ownerReferences: [{ apiVersion: 'example.com/v1', kind: 'Profile', name: 'carol' }],
      },
    };
    expect(labelsAfter(foreign)).toBeUndefined();
  });

  it('with cluster lookups off, counts only the ownerReference and injects without propagating', () => {
    expect(labelsAfter(namespace('carol'), { cluster: NO_CLUSTER })).toBeUndefined();
    expect(labelsAfter(owned('carol'), { cluster: NO_CLUSTER })).toEqual({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'istio-injection': 'enabled',
    });
    expect(labelsAfter(owned('carol'), { cluster: emptySnapshot('unsynced') })).toEqual({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'istio-injection': 'enabled',
    });
  });

  it('applies on UPDATE too', () => {
    expect(
      labelsAfter(owned('carol', { 'pod-security.kubernetes.io/enforce': 'baseline' }), {
        operation: 'UPDATE',
      }),
    ).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
  });

  it('on a Namespace with many labels (an overlay draft), leaves the request untouched and patches what it writes', () => {
    const many = Object.fromEntries(
      Array.from({ length: 500 }, (_, index) => [`l${String(index)}`, 'v']),
    );
    const object = deepFreeze(
      owned('carol', { ...many, 'pod-security.kubernetes.io/enforce': 'privileged' }),
    );
    expect(labelsAfter(object)).toEqual({
      ...many,
      'pod-security.kubernetes.io/enforce': 'restricted',
      'istio-injection': 'enabled',
      team: 'ml',
      'cost-center': '42',
    });
    const result = mutate(input('Namespace', object, { user: PROFILES_CONTROLLER }), policy, state);
    expect(diffToJsonPatch(object, result?.mutated)).toEqual([
      {
        op: 'replace',
        path: '/metadata/labels/pod-security.kubernetes.io~1enforce',
        value: 'restricted',
      },
      { op: 'add', path: '/metadata/labels/team', value: 'ml' },
      { op: 'add', path: '/metadata/labels/cost-center', value: '42' },
      { op: 'add', path: '/metadata/labels/istio-injection', value: 'enabled' },
    ]);
  });

  it('replaces malformed labels by a map of the labels it writes', () => {
    const inject = {
      'pod-security.kubernetes.io/enforce': 'restricted',
      'istio-injection': 'enabled',
    };
    const withLabels = (labels: unknown): KubeObject => ({
      ...owned('carol'),
      metadata: { ...owned('carol').metadata, labels },
    });
    expect(labelsAfter(withLabels(['a']), { cluster: NO_CLUSTER })).toEqual(inject);
    expect(labelsAfter(withLabels('a=b'), { cluster: NO_CLUSTER })).toEqual(inject);
  });

  it('changes nothing under the embedded default policy', () => {
    const result = mutate(input('Namespace', ALICE_NAMESPACE), testPolicy(), cluster());
    expect(result?.mutated).toEqual(ALICE_NAMESPACE);
  });

  it('never patches a DELETE', () => {
    expect(
      mutate(
        input('Namespace', undefined, { operation: 'DELETE', oldObject: owned('carol') }),
        policy,
        state,
      ),
    ).toBeUndefined();
  });
});
