import type { Policy, PolicySpec } from '../policy-spec.js';
import { asRecord } from '../object-access.js';

/** The contract's defaults: what a policy that sets nothing means. */
export const CONTRACT_DEFAULT_SPEC: PolicySpec = {
  defaultMode: 'Enforce',
  ruleModes: {},
  priority: 0,
  exemptions: { users: [], groups: [], serviceAccounts: [] },
  profileNamespaces: { label: { 'app.kubernetes.io/part-of': 'kubeflow-profile' } },
  profiles: {
    name: { pattern: '', reserved: [], reservedPrefixes: [] },
    owner: { kinds: ['User'], emailDomains: [], allowTransfer: false, maxProfilesPerOwner: 0 },
    quota: { defaults: {}, fillMissing: true, max: {}, allowedResources: [] },
    limitRange: {
      enabled: true,
      defaultRequest: { cpu: '100m', memory: '256Mi' },
      defaultLimit: { cpu: '1', memory: '1Gi' },
    },
    labels: {},
    annotations: {},
    namespaceLabels: { inject: {}, propagate: [] },
    plugins: {
      allowedKinds: ['WorkloadIdentity', 'AwsIamForServiceAccount'],
      exclusiveIdentities: false,
    },
    namespace: { adoptUnannotated: false },
  },
  bindings: {
    allowedRoles: ['kubeflow-admin', 'kubeflow-edit', 'kubeflow-view'],
    ownerOnlyRoles: ['kubeflow-admin'],
    serviceAccountNamespaces: ['kubeflow'],
    forbiddenGroups: ['system:authenticated', 'system:unauthenticated', 'system:serviceaccounts'],
    forbiddenUsers: ['system:anonymous'],
    userEmailDomains: [],
    maxContributors: 0,
    protected: [
      'namespaceAdmin',
      'default-editor',
      'default-viewer',
      'ns-owner-access-istio',
      'waypoint-l4-access',
    ],
    protectedManagers: ['kubeflow/profiles-controller-service-account'],
  },
  authorizationPolicies: {
    principalNamespaces: ['istio-system', 'kubeflow'],
    gatewayPrincipals: [
      'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account',
      'cluster.local/ns/kubeflow/sa/ml-pipeline-ui',
    ],
    allowedPaths: ['/healthz', '/metrics', '/wait-for-drain'],
    userIdHeader: 'kubeflow-userid',
  },
};

/** The contract's embedded default policy spec, written out for tests of the pure core. */
export const EMBEDDED_DEFAULT_SPEC: PolicySpec = {
  ...CONTRACT_DEFAULT_SPEC,
  ruleModes: { 'profile-owner-lowercase': 'Warn' },
  exemptions: {
    users: ['system:kube-controller-manager'],
    groups: ['system:masters', 'system:serviceaccounts:kube-system'],
    serviceAccounts: [],
  },
  profiles: {
    ...CONTRACT_DEFAULT_SPEC.profiles,
    name: {
      pattern: '',
      reserved: [
        'default',
        'kube-system',
        'kube-public',
        'kube-node-lease',
        'kubeflow',
        'istio-system',
        'cert-manager',
        'auth',
        'knative-serving',
        'knative-eventing',
        'oauth2-proxy',
      ],
      reservedPrefixes: ['kube-', 'istio-', 'openshift-'],
    },
    quota: {
      defaults: {
        cpu: '4',
        memory: '16Gi',
        persistentvolumeclaims: '10',
        'requests.storage': '100Gi',
      },
      fillMissing: true,
      max: {
        cpu: '64',
        memory: '512Gi',
        'requests.nvidia.com/gpu': '8',
        persistentvolumeclaims: '100',
        'requests.storage': '10Ti',
      },
      allowedResources: [],
    },
    labels: { 'app.kubernetes.io/part-of': 'kubeflow-profile' },
  },
};

/** A recursive partial: objects merge, arrays and scalars replace. */
export type SpecOverrides<T> = {
  [K in keyof T]?: T[K] extends readonly unknown[]
    ? T[K]
    : T[K] extends object
      ? SpecOverrides<T[K]>
      : T[K];
};

/**
 * A Policy over `base` (the embedded default unless given) with `overrides` deep-merged in:
 * nested objects merge key by key, arrays and scalars replace. Map-valued fields such as
 * `quota.max` or `labels` also merge, so pass `{}`-replacing bases explicitly when needed.
 */
export function testPolicy(
  overrides: SpecOverrides<PolicySpec> = {},
  base: PolicySpec = EMBEDDED_DEFAULT_SPEC,
): Policy {
  return { name: 'test', generation: 1, spec: merge(base, overrides) as PolicySpec };
}

function merge(base: unknown, patch: unknown): unknown {
  const baseRecord = asRecord(base);
  const patchRecord = asRecord(patch);
  if (baseRecord === undefined || patchRecord === undefined) {
    return patch === undefined ? base : patch;
  }
  const out: Record<string, unknown> = { ...baseRecord };
  for (const [key, value] of Object.entries(patchRecord)) out[key] = merge(baseRecord[key], value);
  return out;
}
