import type { ClusterSnapshot } from './cluster-snapshot.js';
import type { Policy } from './policy-spec.js';
import type { AdmissionInput } from './request.js';

/**
 * Chooses the policy that governs one request. A file policy or the embedded default governs
 * everything; cluster ProfilePolicies are chosen by selector and priority over the Profile (or the
 * Profile that owns the request's namespace).
 */
export interface PolicyProvider {
  select(input: AdmissionInput, cluster: ClusterSnapshot): Policy;
  /**
   * The Profile label keys that the `spec.selector` of any policy this provider chooses among
   * reads (they decide which policy governs, so `profile-selector-label` guards them). Absent or
   * empty when the provider does not select by labels (a policy file, the embedded default).
   */
  selectorLabelKeys?(): ReadonlySet<string>;
  /**
   * The selector label keys this request's caller must leave alone: {@link selectorLabelKeys},
   * or none when the caller may move the Profile between policies (exempt under the policy
   * governing it before the request). Absent: {@link selectorLabelKeys} for everyone.
   */
  guardedLabelKeys?(input: AdmissionInput): ReadonlySet<string>;
}

/** A provider that always answers the same policy. */
export function staticPolicyProvider(policy: Policy): PolicyProvider {
  return { select: () => policy };
}
