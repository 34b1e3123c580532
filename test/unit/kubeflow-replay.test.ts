import { EMBEDDED_DEFAULT_POLICY } from '../../src/config/default-policy.js';
import { memoryLogger } from '../../src/observability/test-support/memory-logger.js';
import { staticPolicyProvider } from '../../src/policy/policy-provider.js';
import type { UserInfo } from '../../src/policy/request.js';
import { KUBE_CONTROLLER_MANAGER_USER } from '../../src/policy/test-support/kubeflow-upstream.js';
import {
  KUBEFLOW_ACTORS,
  kubeflowSequences,
  type KubeflowActor,
  type KubeflowSequence,
} from '../../src/policy/test-support/kubeflow-writes.js';
import { createAdmissionHandlers } from '../../src/admission/admission-handlers.js';
import { createWebhookListener } from '../../src/http/webhook-listener.js';
import { SimulatedApiServer, type WriteOutcome } from './simulated-api-server.js';

/*
 * Every write Kubeflow's profile controller and KFAM make over a Profile's life (sidecar and
 * ambient mode, see src/policy/test-support/kubeflow-writes.ts), replayed through the webhook's
 * `/mutate` and `/validate` as the API server sends them, under the embedded default policy, by
 * the identities that make them upstream (the controller's ServiceAccount, which is not exempt).
 */

const SEQUENCES = kubeflowSequences();

interface Replay {
  readonly outcomes: readonly (WriteOutcome & { readonly phase: string })[];
  /** The stored Profile and ResourceQuota right after the first reconcile. */
  readonly afterFirstReconcile: { profile: unknown; quota: unknown } | undefined;
}

async function replay(
  sequence: KubeflowSequence,
  identities: Partial<Record<KubeflowActor, UserInfo>> = {},
): Promise<Replay> {
  // The webhook reads the cluster state the simulated API server keeps.
  const cluster: { server?: SimulatedApiServer } = {};
  const handlers = createAdmissionHandlers({
    policies: staticPolicyProvider(EMBEDDED_DEFAULT_POLICY),
    snapshot: () => {
      if (cluster.server === undefined) throw new Error('no server yet');
      return cluster.server.snapshot;
    },
  });
  const webhook = createWebhookListener({
    ...handlers,
    logger: memoryLogger().logger,
    readiness: () => ({ ready: true, reasons: [] }),
  });
  const server = new SimulatedApiServer(webhook, identities);
  cluster.server = server;
  const outcomes: (WriteOutcome & { phase: string })[] = [];
  let afterFirstReconcile: Replay['afterFirstReconcile'];
  for (const phase of sequence.phases) {
    for (const write of phase.writes) {
      outcomes.push({ ...(await server.apply(write)), phase: phase.name });
    }
    if (phase.name.startsWith('first reconcile')) {
      afterFirstReconcile = {
        profile: server.read({
          apiVersion: 'kubeflow.org/v1',
          kind: 'Profile',
          resource: 'profiles',
          name: sequence.profile,
        }),
        quota: server.read({
          apiVersion: 'v1',
          kind: 'ResourceQuota',
          resource: 'resourcequotas',
          namespace: sequence.profile,
          name: 'kf-resource-quota',
        }),
      };
    }
  }
  return { outcomes, afterFirstReconcile };
}

/** `#07 <phase>: <write>` for every write of a sequence, with its index. */
function steps(sequence: KubeflowSequence): [string, number][] {
  const labels = sequence.phases.flatMap((phase) =>
    phase.writes.map((write) => `${phase.name}: ${write.label}`),
  );
  return labels.map((label, index) => [`#${String(index + 1).padStart(2, '0')} ${label}`, index]);
}

describe('the webhook listener', () => {
  describe.each(SEQUENCES.map((sequence) => [sequence.name, sequence] as const))(
    '%s',
    (_name, sequence) => {
      let result: Replay;
      beforeAll(async () => {
        result = await replay(sequence);
      });

      it.each(steps(sequence))('admits %s', (_label, index) => {
        const outcome = result.outcomes[index];
        expect(outcome).toBeDefined();
        expect({ allowed: outcome?.allowed, message: outcome?.message }).toEqual({
          allowed: true,
          message: undefined,
        });
        expect(outcome?.warnings).toEqual([]);
      });

      if (sequence.phases.some((phase) => phase.name.startsWith('first reconcile'))) {
        it('leaves the Profile with the default quota, and the ResourceQuota made from it', () => {
          const profile = result.afterFirstReconcile?.profile as
            { spec?: { resourceQuotaSpec?: unknown } } | undefined;
          expect(profile?.spec?.resourceQuotaSpec).toEqual({
            hard: EMBEDDED_DEFAULT_POLICY.spec.profiles.quota.defaults,
          });
          const quota = result.afterFirstReconcile?.quota as { spec?: unknown } | undefined;
          expect(quota?.spec).toEqual(profile?.spec?.resourceQuotaSpec);
        });
      }
    },
  );
});

/*
 * kube-controller-manager may run without --use-service-account-credentials: its garbage collector
 * and namespace controller then delete a deleted Profile's objects as the plain user
 * system:kube-controller-manager, which no kube-system group covers. The chart keeps those requests
 * away from the webhook (matchConditions.skipKubeControllerManager); where matchConditions are off,
 * the embedded default policy's exemption must admit them, or the namespace never finishes
 * terminating.
 */
describe('the cleanup by kube-controller-manager as the plain user system:kube-controller-manager', () => {
  const withCleanup = SEQUENCES.filter((sequence) =>
    sequence.phases.some((phase) =>
      phase.writes.some(
        (write) => write.actor === 'garbage-collector' || write.actor === 'namespace-controller',
      ),
    ),
  );

  it('is part of at least one sequence, and deletes protected objects', () => {
    expect(withCleanup.length).toBeGreaterThan(0);
    const deleted = new Set(
      withCleanup.flatMap((sequence) =>
        sequence.phases.flatMap((phase) =>
          phase.writes
            .filter((write) => write.actor === 'garbage-collector' && write.verb === 'delete')
            .map((write) => write.ref.name),
        ),
      ),
    );
    const { protected: protectedNames } = EMBEDDED_DEFAULT_POLICY.spec.bindings;
    expect([...deleted].filter((name) => protectedNames.includes(name)).length).toBeGreaterThan(0);
  });

  it.each(withCleanup.map((sequence) => [sequence.name, sequence] as const))(
    'is admitted in %s',
    async (_name, sequence) => {
      const result = await replay(sequence, {
        'garbage-collector': KUBE_CONTROLLER_MANAGER_USER,
        'namespace-controller': KUBE_CONTROLLER_MANAGER_USER,
      });
      const cleanup = result.outcomes.filter(
        (outcome) =>
          outcome.write.actor === 'garbage-collector' ||
          outcome.write.actor === 'namespace-controller',
      );
      expect(cleanup.length).toBeGreaterThan(0);
      expect(
        cleanup
          .filter((outcome) => !outcome.allowed || outcome.warnings.length > 0)
          .map(
            (outcome) =>
              `${outcome.write.label}: ${outcome.message ?? outcome.warnings.join('; ')}`,
          ),
      ).toEqual([]);
    },
  );
});

describe('the Kubeflow write sequences', () => {
  it('are made by the non-exempt controller ServiceAccount, except the cluster-side cleanup', () => {
    const exemptions = EMBEDDED_DEFAULT_POLICY.spec.exemptions;
    const actors = new Set(
      SEQUENCES.flatMap((sequence) =>
        sequence.phases.flatMap((phase) => phase.writes.map((write) => write.actor)),
      ),
    );
    for (const actor of ['controller', 'kfam'] as const) {
      expect(actors.has(actor)).toBe(true);
      const user = KUBEFLOW_ACTORS[actor];
      expect(exemptions.users).not.toContain(user.username);
      expect(user.groups.filter((group) => exemptions.groups.includes(group))).toEqual([]);
    }
  });

  it('name every RoleBinding and AuthorizationPolicy the controller owns in bindings.protected', () => {
    const owned = new Set(
      SEQUENCES.flatMap((sequence) =>
        sequence.phases.flatMap((phase) =>
          phase.writes
            .filter(
              (write) =>
                write.actor === 'controller' &&
                write.verb === 'create' &&
                (write.ref.kind === 'RoleBinding' || write.ref.kind === 'AuthorizationPolicy'),
            )
            .map((write) => write.ref.name),
        ),
      ),
    );
    expect([...owned].sort()).toEqual([
      'default-editor',
      'default-viewer',
      'namespaceAdmin',
      'ns-owner-access-istio',
      'waypoint-l4-access',
    ]);
    const unprotected = [...owned].filter(
      (name) => !EMBEDDED_DEFAULT_POLICY.spec.bindings.protected.includes(name),
    );
    expect(unprotected).toEqual([]);
  });
});
