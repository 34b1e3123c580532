import { parse } from 'yaml';
import { EMBEDDED_DEFAULT_POLICY, EMBEDDED_DEFAULT_POLICY_DOCUMENT } from './default-policy.js';
import { parsePolicyDocument } from './parse-policy.js';

// The Policy section of the public contract, verbatim: the defaults of every policy.
const CONTRACT_BLOCK = `
apiVersion: profile-guard.io/v1alpha1
kind: ProfilePolicy
metadata: {name: default}
spec:
  defaultMode: Enforce            # Enforce | Warn | Audit
  ruleModes: {}                   # rule-id -> Enforce | Warn | Audit | Disabled
  exemptions: {users: [], groups: [], serviceAccounts: []}
  profileNamespaces: {label: {app.kubernetes.io/part-of: kubeflow-profile}}
  profiles:
    name: {pattern: "", reserved: [], reservedPrefixes: []}
    owner: {kinds: [User], emailDomains: [], allowTransfer: false, maxProfilesPerOwner: 0}
    quota:
      defaults: {}                # injected into spec.resourceQuotaSpec.hard
      fillMissing: true           # partial hard: add the missing default keys
      max: {}
      allowedResources: []
    labels: {}                    # injected into the Profile's metadata.labels (existing keys kept)
    annotations: {}
    namespaceLabels: {inject: {}, propagate: []}   # onto the Namespace the profile controller creates
    plugins: {allowedKinds: [WorkloadIdentity, AwsIamForServiceAccount]}
    namespace: {adoptUnannotated: false}   # allow adopting an existing namespace without an owner annotation
  bindings:
    allowedRoles: [kubeflow-admin, kubeflow-edit, kubeflow-view]
    ownerOnlyRoles: [kubeflow-admin]
    serviceAccountNamespaces: [kubeflow]
    forbiddenGroups: [system:authenticated, system:unauthenticated, system:serviceaccounts]
    forbiddenUsers: [system:anonymous]
    userEmailDomains: []
    maxContributors: 0
    protected: [namespaceAdmin, default-editor, default-viewer, ns-owner-access-istio, waypoint-l4-access]
    protectedManagers: [kubeflow/profiles-controller-service-account]
  authorizationPolicies:
    principalNamespaces: [istio-system, kubeflow]
    gatewayPrincipals: [cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account, cluster.local/ns/kubeflow/sa/ml-pipeline-ui]
    allowedPaths: [/healthz, /metrics, /wait-for-drain]
    userIdHeader: kubeflow-userid
`;

// The contract's list of what the embedded default policy adds to the block.
const ADDITIONS = `
exemptions.groups: [system:masters, system:serviceaccounts:kube-system]
ruleModes: {profile-owner-lowercase: Warn}
profiles.name.reserved: [default, kube-system, kube-public, kube-node-lease, kubeflow, istio-system,
  cert-manager, auth, knative-serving, knative-eventing, oauth2-proxy]
profiles.name.reservedPrefixes: [kube-, istio-, openshift-]
profiles.quota.defaults: {cpu: "4", memory: 16Gi, persistentvolumeclaims: "10", requests.storage: 100Gi}
profiles.quota.max: {cpu: "64", memory: 512Gi, requests.nvidia.com/gpu: "8", persistentvolumeclaims: "100", requests.storage: 10Ti}
profiles.labels: {app.kubernetes.io/part-of: kubeflow-profile}
`;

// What this project adds to the embedded policy beyond the contract's list (README, "Additions to
// the contract"): kube-controller-manager without --use-service-account-credentials is the
// contract's exempt kube-system controllers under another name.
const EMBEDDED_ADDITIONS = `
exemptions.users: [system:kube-controller-manager]
`;

// Fields this project added to the contract's block (README, "Additions to the contract"): the
// defaults of every policy, the embedded one included.
const ADDED_FIELDS = `
profiles.limitRange: {enabled: true, defaultRequest: {cpu: 100m, memory: 256Mi}, defaultLimit: {cpu: "1", memory: 1Gi}}
profiles.plugins.exclusiveIdentities: false
`;

/** Sets each `a.b.c: value` line of `yaml` into `spec`. */
function assign(spec: Record<string, unknown>, yaml: string): void {
  for (const [path, value] of Object.entries(parse(yaml) as Record<string, unknown>)) {
    const keys = path.split('.');
    const last = keys.pop()!;
    let node = spec;
    for (const key of keys) node = node[key] as Record<string, unknown>;
    node[last] = value;
  }
}

function expectedSpec(): Record<string, unknown> {
  const spec = (parse(CONTRACT_BLOCK) as { spec: Record<string, unknown> }).spec;
  assign(spec, ADDED_FIELDS);
  assign(spec, ADDITIONS);
  assign(spec, EMBEDDED_ADDITIONS);
  return { ...spec, priority: 0 };
}

describe('EMBEDDED_DEFAULT_POLICY', () => {
  it('is the contract block plus exactly the listed additions', () => {
    expect(EMBEDDED_DEFAULT_POLICY.spec).toEqual(expectedSpec());
  });

  it('is named default, generation 1, and deep-frozen', () => {
    expect(EMBEDDED_DEFAULT_POLICY.name).toBe('default');
    expect(EMBEDDED_DEFAULT_POLICY.generation).toBe(1);
    expect(Object.isFrozen(EMBEDDED_DEFAULT_POLICY.spec.profiles.name.reserved)).toBe(true);
  });

  it('comes from a document that the loader accepts (the module throws otherwise)', () => {
    const result = parsePolicyDocument(EMBEDDED_DEFAULT_POLICY_DOCUMENT);
    expect(result).toEqual({ ok: true, policy: EMBEDDED_DEFAULT_POLICY });
  });

  it('the contract block alone is exactly what an empty spec defaults to', () => {
    const block = parsePolicyDocument(parse(CONTRACT_BLOCK));
    const bare = parsePolicyDocument({
      apiVersion: 'profile-guard.io/v1alpha1',
      kind: 'ProfilePolicy',
    });
    if (!block.ok || !bare.ok) throw new Error('both must parse');
    expect(block.policy).toEqual(bare.policy);
  });
});
