import { EMBEDDED_DEFAULT_POLICY } from '../../config/default-policy.js';
import { NO_CLUSTER, type ClusterSnapshot } from '../cluster-snapshot.js';
import { createMutator } from '../mutation-engine.js';
import { SnapshotIndex } from '../snapshot-index.js';
import { input } from '../test-support/fixtures.js';
import {
  ALICE_NAMESPACE,
  KUBEFLOW_OBJECTS,
  PROFILES_CONTROLLER,
  type KubeflowObject,
} from '../test-support/kubeflow-objects.js';
import { MUTATORS } from '../catalog.js';
import { validateAsWebhook } from '../test-support/as-webhook.js';

// As the webhook pair judges them: /mutate first, then /validate.
const validate = validateAsWebhook;
const mutate = createMutator(MUTATORS);

function snapshotWithout(excluded: KubeflowObject | undefined): SnapshotIndex {
  return SnapshotIndex.fromObjects(
    KUBEFLOW_OBJECTS.filter((entry) => entry !== excluded).map((entry) => entry.object),
  );
}

function stale(snapshot: SnapshotIndex): SnapshotIndex {
  snapshot.state = 'stale';
  return snapshot;
}

// The order Kubeflow creates things in: each object sees only the ones created before it.
function createdBefore(entry: KubeflowObject): SnapshotIndex {
  const index = KUBEFLOW_OBJECTS.indexOf(entry);
  return SnapshotIndex.fromObjects(KUBEFLOW_OBJECTS.slice(0, index).map((e) => e.object));
}

const scenarios: readonly [string, (entry: KubeflowObject) => ClusterSnapshot][] = [
  ['first creation (only earlier objects exist)', createdBefore],
  ['re-creation (every other object exists)', (entry) => snapshotWithout(entry)],
  ['re-creation against a stale cache', (entry) => stale(snapshotWithout(entry))],
  ['no cluster lookups', () => NO_CLUSTER],
];

describe('Kubeflow objects under the embedded default policy, non-exempt callers', () => {
  describe.each(scenarios)('%s', (_name, snapshotFor) => {
    it.each(KUBEFLOW_OBJECTS.map((entry) => [entry.label, entry] as const))(
      'allows CREATE of %s with no warnings',
      (_label, entry) => {
        const result = validate(
          input(entry.target, entry.object, { user: entry.user }),
          EMBEDDED_DEFAULT_POLICY,
          snapshotFor(entry),
        );
        expect(result.exempt).toBe(false);
        expect(result.denials).toEqual([]);
        expect(result.warnings).toEqual([]);
        expect(result.audits).toEqual([]);
        expect(result.evaluations.filter((e) => e.status === 'error')).toEqual([]);
      },
    );
  });

  it.each(KUBEFLOW_OBJECTS.map((entry) => [entry.label, entry] as const))(
    'allows an UPDATE of %s by its writer',
    (_label, entry) => {
      const metadata = { ...entry.object.metadata, labels: { reconciled: 'true' } };
      const result = validate(
        input(
          entry.target,
          { ...entry.object, metadata },
          {
            user: entry.user,
            operation: 'UPDATE',
            oldObject: entry.object,
          },
        ),
        EMBEDDED_DEFAULT_POLICY,
        snapshotWithout(undefined),
      );
      expect(result.denials).toEqual([]);
      expect(result.warnings).toEqual([]);
    },
  );

  it('runs the binding and authz rules on them (they pass, not skip)', () => {
    const cluster = snapshotWithout(undefined);
    const statuses = KUBEFLOW_OBJECTS.filter(
      (e) => e.target !== 'Profile' && e.target !== 'Namespace',
    )
      .flatMap(
        (entry) =>
          validate(
            input(entry.target, entry.object, { user: entry.user }),
            EMBEDDED_DEFAULT_POLICY,
            cluster,
          ).evaluations,
      )
      .filter((e) => e.status === 'pass')
      .map((e) => e.ruleId);
    expect(new Set(statuses)).toEqual(
      new Set([
        'binding-serviceaccount-namespace',
        'binding-group',
        'binding-forbidden-user',
        'binding-role',
        'binding-owner-only-role',
        'authz-source-namespace',
        'authz-any-source',
        'authz-gateway-user',
        'authz-user-header',
      ]),
    );
  });

  it('leaves the profile controller Namespace unchanged (nothing to inject by default)', () => {
    const result = mutate(
      input('Namespace', ALICE_NAMESPACE, { user: PROFILES_CONTROLLER }),
      EMBEDDED_DEFAULT_POLICY,
      snapshotWithout(undefined),
    );
    expect(result?.mutated).toEqual(ALICE_NAMESPACE);
    expect(result?.errors).toEqual([]);
  });
});
