import type { ClusterSnapshot } from '../cluster-snapshot.js';
import type { Evaluation } from '../engine.js';
import type { KubeObject } from '../kube-object.js';
import type { Policy } from '../policy-spec.js';
import type { Operation, TargetKind, UserInfo } from '../request.js';
import type { RuleId } from '../rule-ids.js';
import { validateAsWebhook } from './as-webhook.js';
import { SnapshotIndex } from '../snapshot-index.js';
import { input } from './fixtures.js';
import { ALICE_NAMESPACE, ALICE_PROFILE, NAMESPACE_ADMIN } from './kubeflow-objects.js';
import { testPolicy } from './test-policy.js';

/** A Profile object. */
export function profile(
  name: string,
  owner: string,
  labels: Record<string, string> = {},
): KubeObject {
  return {
    apiVersion: 'kubeflow.org/v1',
    kind: 'Profile',
    metadata: { name, labels },
    spec: { owner: { kind: 'User', name: owner } },
  };
}

/** A Namespace object, optionally with the profile controller's owner annotation and labels. */
export function namespace(
  name: string,
  options: { owner?: string; labels?: Record<string, string> } = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      ...(options.owner === undefined ? {} : { annotations: { owner: options.owner } }),
      ...(options.labels === undefined ? {} : { labels: options.labels }),
    },
  };
}

/** A RoleBinding object in `ns`. */
export function roleBinding(
  ns: string,
  name: string,
  roleRef: { kind?: string; name: string },
  subjects: readonly Record<string, unknown>[],
): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name, namespace: ns },
    roleRef: {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: roleRef.kind ?? 'ClusterRole',
      name: roleRef.name,
    },
    subjects,
  };
}

/** A User subject. */
export const user = (name: string): Record<string, unknown> => ({
  apiGroup: 'rbac.authorization.k8s.io',
  kind: 'User',
  name,
});

/** A ServiceAccount subject (namespace omitted: the binding's own). */
export const serviceAccount = (name: string, namespace?: string): Record<string, unknown> => ({
  kind: 'ServiceAccount',
  name,
  ...(namespace === undefined ? {} : { namespace }),
});

/** A Group subject. */
export const group = (name: string): Record<string, unknown> => ({
  apiGroup: 'rbac.authorization.k8s.io',
  kind: 'Group',
  name,
});

/** A RoleBinding of `kubeflow-edit` to `subjects`, by default `x` in `alice`. */
export function editBinding(
  subjects: Record<string, unknown>[],
  ns = 'alice',
  name = 'x',
): KubeObject {
  return roleBinding(ns, name, { name: 'kubeflow-edit' }, subjects);
}

/** An AuthorizationPolicy in `ns` with the given spec. */
export function authorizationPolicy(
  ns: string,
  name: string,
  spec: Record<string, unknown>,
): KubeObject {
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name, namespace: ns },
    spec,
  };
}

/** The Istio ingress gateway's principal, through which users reach a profile namespace. */
export const GATEWAY_PRINCIPAL =
  'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';

/** An AuthorizationPolicy `p` in `alice` with one rule admitting `source` (plus `extra` fields). */
export function allowFrom(
  source: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): KubeObject {
  return authorizationPolicy('alice', 'p', { rules: [{ from: [{ source }], ...extra }] });
}

/** An AuthorizationPolicy admitting the gateway with a `request.headers[kubeflow-userid]` condition. */
export function userHeaderRule(condition: Record<string, unknown>): KubeObject {
  return authorizationPolicy('alice', 'p', {
    rules: [
      {
        from: [{ source: { principals: [GATEWAY_PRINCIPAL] } }],
        when: [{ key: 'request.headers[kubeflow-userid]', ...condition }],
      },
    ],
  });
}

/**
 * The standard test cluster: Profiles `alice` (alice@example.com) and `bob` (bob@example.com)
 * with their Namespaces and `namespaceAdmin` bindings; `labelled` (a Namespace carrying the
 * profile label, no Profile); `plain` (an ordinary Namespace); plus `extra` objects.
 */
export function cluster(extra: readonly KubeObject[] = []): SnapshotIndex {
  return SnapshotIndex.fromObjects([
    ALICE_PROFILE,
    ALICE_NAMESPACE,
    NAMESPACE_ADMIN,
    profile('bob', 'bob@example.com'),
    namespace('bob', { owner: 'bob@example.com' }),
    roleBinding('bob', 'namespaceAdmin', { name: 'kubeflow-admin' }, [user('bob@example.com')]),
    namespace('labelled', { labels: { 'app.kubernetes.io/part-of': 'kubeflow-profile' } }),
    namespace('plain'),
    ...extra,
  ]);
}

/** An empty snapshot in the given state (`unsynced`: a cluster whose caches never loaded). */
export function emptySnapshot(state: ClusterSnapshot['state']): SnapshotIndex {
  const index = new SnapshotIndex();
  index.state = state;
  return index;
}

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  readonly operation?: Operation;
  readonly oldObject?: KubeObject;
  readonly user?: UserInfo;
  readonly policy?: Policy;
  readonly cluster?: ClusterSnapshot;
}

/**
 * Runs one request as the webhook would, `/mutate` then the whole catalog (default: CREATE by
 * alice, embedded default, cluster()).
 */
export function evaluate(
  target: TargetKind,
  object: KubeObject | undefined,
  options: EvaluateOptions = {},
): Evaluation {
  return validateAsWebhook(
    input(target, object, {
      ...(options.operation === undefined ? {} : { operation: options.operation }),
      ...(options.oldObject === undefined ? {} : { oldObject: options.oldObject }),
      ...(options.user === undefined ? {} : { user: options.user }),
    }),
    options.policy ?? testPolicy(),
    options.cluster ?? cluster(),
  );
}

/** The denials of one rule as `<rule-id>: <message>` (a table about one rule ignores the rest). */
export function ruleDenials(evaluation: Evaluation, ruleId: RuleId): string[] {
  return denials(evaluation).filter((denial) => denial.startsWith(`${ruleId}: `));
}

/** Denials as `<rule-id>: <message>`, the way the webhook reports them. */
export function denials(evaluation: Evaluation): string[] {
  return evaluation.denials.map((finding) => `${finding.ruleId}: ${finding.message}`);
}

/** The status a rule ended with in an evaluation (undefined when it did not run). */
export function statusOf(evaluation: Evaluation, ruleId: RuleId): string | undefined {
  return evaluation.evaluations.find((e) => e.ruleId === ruleId)?.status;
}
