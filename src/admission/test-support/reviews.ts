import { countJsonTokens } from '../json-token-count.js';
import { NO_CLUSTER } from '../../policy/cluster-snapshot.js';
import { createValidator } from '../../policy/engine.js';
import type { KubeObject } from '../../policy/kube-object.js';
import { createMutator } from '../../policy/mutation-engine.js';
import { asRecord, asString, getPath } from '../../policy/object-access.js';
import { staticPolicyProvider } from '../../policy/policy-provider.js';
import type { Policy, PolicySpec } from '../../policy/policy-spec.js';
import { failIf, type MutatorDefinition, type RuleDefinition } from '../../policy/rule.js';
import type { DecisionObserver, DecisionRecord } from '../../observability/decision-record.js';
import { createMutatingHandler, createValidatingHandler, type HandlerDeps } from '../handler.js';
import type { JsonPatchOperation } from '../json-patch.js';
import { withObservers } from '../observed-handler.js';

/** A complete policy spec with the contract's field defaults. */
export const SPEC: PolicySpec = {
  defaultMode: 'Enforce',
  ruleModes: {},
  priority: 0,
  exemptions: { users: [], groups: ['system:masters'], serviceAccounts: [] },
  profileNamespaces: { label: { 'app.kubernetes.io/part-of': 'kubeflow-profile' } },
  profiles: {
    name: { pattern: '', reserved: ['kubeflow'], reservedPrefixes: ['kube-'] },
    owner: { kinds: ['User'], emailDomains: [], allowTransfer: false, maxProfilesPerOwner: 0 },
    quota: { defaults: { cpu: '4' }, fillMissing: true, max: {}, allowedResources: [] },
    limitRange: {
      enabled: true,
      defaultRequest: { cpu: '100m', memory: '256Mi' },
      defaultLimit: { cpu: '1', memory: '1Gi' },
    },
    labels: { 'app.kubernetes.io/part-of': 'kubeflow-profile' },
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
    forbiddenGroups: ['system:authenticated'],
    forbiddenUsers: ['system:anonymous'],
    userEmailDomains: [],
    maxContributors: 0,
    protected: ['namespaceAdmin'],
    protectedManagers: ['kubeflow/profiles-controller-service-account'],
  },
  authorizationPolicies: {
    principalNamespaces: ['istio-system', 'kubeflow'],
    gatewayPrincipals: ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'],
    allowedPaths: ['/healthz'],
    userIdHeader: 'kubeflow-userid',
  },
};

/** A policy named `test` at generation 3, with spec overrides. */
export function testPolicy(spec: Partial<PolicySpec> = {}): Policy {
  return { name: 'test', generation: 3, spec: { ...SPEC, ...spec } };
}

/** profile-name-reserved: denies reserved names (message names `metadata.name`). */
export const RESERVED_RULE: RuleDefinition = {
  id: 'profile-name-reserved',
  targets: ['Profile'],
  operations: ['CREATE'],
  structural: false,
  description: 'test',
  clusterState: 'none',
  check: ({ object, policy }) => {
    const name = asString(getPath(object, 'metadata', 'name')) ?? '';
    return failIf(
      policy.spec.profiles.name.reserved.includes(name)
        ? [{ path: 'metadata.name', message: `metadata.name "${name}" is reserved` }]
        : [],
    );
  },
};

/** profile-owner-format: the owner must contain `@` (message names `spec.owner.name`). */
export const OWNER_RULE: RuleDefinition = {
  id: 'profile-owner-format',
  targets: ['Profile'],
  operations: ['CREATE', 'UPDATE'],
  structural: false,
  description: 'test',
  clusterState: 'none',
  check: ({ object }) => {
    const owner = asString(getPath(object, 'spec', 'owner', 'name')) ?? '';
    return failIf(
      owner.includes('@')
        ? []
        : [
            {
              path: 'spec.owner.name',
              message: `spec.owner.name "${owner}" is not an e-mail address`,
            },
          ],
    );
  },
};

/** profile-owner-lowercase: the owner must be lower-case (long message: repeats the owner). */
export const LOWERCASE_RULE: RuleDefinition = {
  id: 'profile-owner-lowercase',
  targets: ['Profile'],
  operations: ['CREATE', 'UPDATE'],
  structural: false,
  description: 'test',
  clusterState: 'none',
  check: ({ object }) => {
    const owner = asString(getPath(object, 'spec', 'owner', 'name')) ?? '';
    return failIf(
      owner === owner.toLowerCase()
        ? []
        : [
            {
              path: 'spec.owner.name',
              message: `spec.owner.name "${owner}" has upper-case letters`,
            },
          ],
    );
  },
};

/** binding-role: RoleBindings may only bind the allowed ClusterRoles. */
export const ROLE_RULE: RuleDefinition = {
  id: 'binding-role',
  targets: ['RoleBinding'],
  operations: ['CREATE', 'UPDATE'],
  structural: false,
  description: 'test',
  clusterState: 'none',
  check: ({ object, policy }) => {
    const role = asString(getPath(object, 'roleRef', 'name')) ?? '';
    return failIf(
      policy.spec.bindings.allowedRoles.includes(role)
        ? []
        : [{ path: 'roleRef.name', message: `roleRef.name "${role}" is not an allowed role` }],
    );
  },
};

/** Injects the policy's labels (existing keys kept) into Profiles. */
export const LABELS_MUTATOR: MutatorDefinition = {
  id: 'profile-labels',
  targets: ['Profile'],
  writes: [],
  apply: ({ policy }, draft) => {
    const metadata = (asRecord(draft.metadata) ?? {}) as Record<string, unknown>;
    const labels = { ...(asRecord(metadata.labels) ?? {}) };
    for (const [key, value] of Object.entries(policy.spec.profiles.labels)) {
      if (!(key in labels)) labels[key] = value;
    }
    draft.metadata = { ...metadata, labels };
  },
};

/** Fills `spec.resourceQuotaSpec.hard` with the policy's defaults (existing keys kept). */
export const QUOTA_MUTATOR: MutatorDefinition = {
  id: 'profile-quota-defaults',
  targets: ['Profile'],
  writes: [],
  apply: ({ policy }, draft) => {
    const spec = (asRecord(draft.spec) ?? {}) as Record<string, unknown>;
    const quota = (asRecord(spec.resourceQuotaSpec) ?? {}) as Record<string, unknown>;
    const hard = { ...(asRecord(quota.hard) ?? {}) };
    for (const [key, value] of Object.entries(policy.spec.profiles.quota.defaults)) {
      if (!(key in hard)) hard[key] = value;
    }
    draft.spec = { ...spec, resourceQuotaSpec: { ...quota, hard } };
  },
};

/** The rules and mutators above. */
export const TEST_RULES: readonly RuleDefinition[] = [
  RESERVED_RULE,
  OWNER_RULE,
  LOWERCASE_RULE,
  ROLE_RULE,
];
export const TEST_MUTATORS: readonly MutatorDefinition[] = [LABELS_MUTATOR, QUOTA_MUTATOR];

/** Collects records; an observer for assertions. */
export function recorder(): DecisionObserver & { readonly records: DecisionRecord[] } {
  const records: DecisionRecord[] = [];
  return { records, onDecision: (record) => records.push(record) };
}

/** Handler deps over the test rules and mutators, a static policy and no cluster. */
export function testDeps(overrides: Partial<HandlerDeps> = {}, policy = testPolicy()): HandlerDeps {
  return {
    validator: createValidator(TEST_RULES),
    mutator: createMutator(TEST_MUTATORS),
    policies: staticPolicyProvider(policy),
    snapshot: () => NO_CLUSTER,
    ...overrides,
  };
}

/** What {@link testHandlers} takes besides deps: observers decorating both handlers. */
export interface TestHandlerOptions extends Partial<HandlerDeps> {
  readonly observer?: DecisionObserver;
  readonly observers?: readonly DecisionObserver[];
}

/** Both handlers over {@link testDeps}, decorated with `observer` and then `observers`. */
export function testHandlers(options: TestHandlerOptions = {}, policy = testPolicy()) {
  const { observer, observers = [], ...overrides } = options;
  const deps = testDeps(overrides, policy);
  const all = observer === undefined ? observers : [observer, ...observers];
  return {
    validating: withObservers(createValidatingHandler(deps), all),
    mutating: withObservers(createMutatingHandler(deps), all),
  };
}

/** A Profile object. */
export function profile(name: string, owner: string, extra: Partial<KubeObject> = {}): KubeObject {
  return {
    apiVersion: 'kubeflow.org/v1',
    kind: 'Profile',
    metadata: { name },
    spec: { owner: { kind: 'User', name: owner } },
    ...extra,
  };
}

/** Options for {@link reviewBody}. */
export interface ReviewOptions {
  uid?: string | undefined;
  apiVersion?: string | undefined;
  kind?: { group: string; version: string; kind: string } | undefined;
  operation?: string | undefined;
  name?: string | undefined;
  namespace?: string | undefined;
  object?: unknown;
  oldObject?: unknown;
  username?: string | undefined;
  groups?: string[] | undefined;
  dryRun?: boolean | undefined;
}

/** The group/version/kind of a kubeflow.org/v1 Profile. */
export const PROFILE_KIND = { group: 'kubeflow.org', version: 'v1', kind: 'Profile' };

/** A well-formed AdmissionReview request body as the API server sends it. */
export function reviewBody(options: ReviewOptions = {}): Record<string, unknown> {
  const object = options.object;
  const name =
    options.name ?? asString(getPath(object ?? options.oldObject, 'metadata', 'name')) ?? '';
  return {
    apiVersion: options.apiVersion ?? 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: options.uid ?? '705ab4f5-6393-11e8-b7cc-42010a800002',
      kind: options.kind ?? PROFILE_KIND,
      resource: { group: 'kubeflow.org', version: 'v1', resource: 'profiles' },
      requestKind: options.kind ?? PROFILE_KIND,
      name,
      ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
      operation: options.operation ?? 'CREATE',
      userInfo: {
        username: options.username ?? 'alice@example.com',
        uid: 'u-1',
        groups: options.groups ?? ['system:authenticated'],
      },
      object: object ?? null,
      oldObject: options.oldObject ?? null,
      dryRun: options.dryRun ?? false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  };
}

/** Decodes a response's base64 `patch` (trusted to be the operations the webhook emits). */
export function decodePatch(patch: unknown): JsonPatchOperation[] {
  if (typeof patch !== 'string') throw new Error('no patch');
  return JSON.parse(Buffer.from(patch, 'base64').toString('utf8')) as JsonPatchOperation[];
}

/**
 * The JSON text of a Profile CREATE review (uid `uid`, named `kube-system`: a reserved name, so
 * denied once decided) holding exactly `tokens` structural JSON tokens (see `countJsonTokens`):
 * labels to reach the count, an empty `annotations` object for its parity.
 */
export function profileReviewWithTokens(tokens: number, uid: string): string {
  const text = (labels: number, annotations: boolean): string =>
    JSON.stringify(
      reviewBody({
        uid,
        object: profile('kube-system', 'alice@example.com', {
          metadata: {
            name: 'kube-system',
            ...(annotations ? { annotations: {} } : {}),
            labels: Object.fromEntries(Array.from({ length: labels }, (_, i) => [`l${i}`, 'v'])),
          },
        }),
      }),
    );
  const count = (json: string): number =>
    countJsonTokens(Buffer.from(json), Number.MAX_SAFE_INTEGER);
  // With k ≥ 1 labels: base + 2k − 1 tokens (k colons, k − 1 commas); `"annotations":{},` adds 3.
  const base = count(text(1, false)) - 1;
  let rest = tokens - base;
  const annotations = rest % 2 === 0;
  if (annotations) rest -= 3;
  const json = text((rest + 1) / 2, annotations);
  if (count(json) !== tokens)
    throw new Error(`built ${String(count(json))} tokens, not ${String(tokens)}`);
  return json;
}
