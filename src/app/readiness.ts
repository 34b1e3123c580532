import type { Readiness } from '../http/webhook-listener.js';

/** What `/readyz` is computed from. */
export interface ReadinessInputs {
  /** True once a graceful shutdown has begun. */
  readonly draining: () => boolean;
  /** The policy source has a policy. */
  readonly policyLoaded: () => boolean;
  /** The cluster caches have synced once (always true without a cluster). */
  readonly clusterSynced: () => boolean;
}

/**
 * The readiness probe of `serve`: ready when not draining, the policy is loaded and the cluster
 * caches have synced; otherwise not ready, with each reason (`shutting down`, `policy not
 * loaded`, `cluster caches not synced`). Evaluated afresh on every call.
 */
export function createReadiness(inputs: ReadinessInputs): () => Readiness {
  return () => {
    const reasons: string[] = [];
    if (inputs.draining()) reasons.push('shutting down');
    if (!inputs.policyLoaded()) reasons.push('policy not loaded');
    if (!inputs.clusterSynced()) reasons.push('cluster caches not synced');
    return { ready: reasons.length === 0, reasons };
  };
}
