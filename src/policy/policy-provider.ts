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
}

/** A provider that always answers the same policy. */
export function staticPolicyProvider(policy: Policy): PolicyProvider {
  return { select: () => policy };
}
