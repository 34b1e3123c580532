/**
 * The webhook as `serve` builds it (the full rule catalog behind the one HTTP listener), for the
 * http-*.test.ts files that drive it with supertest: one place that composes it, so that a change
 * to how `serve` wires its handlers changes every HTTP test at once.
 */
import type { RequestListener } from 'node:http';

import { createAdmissionHandlers } from '../../src/admission/admission-handlers.js';
import { EMBEDDED_DEFAULT_POLICY } from '../../src/config/default-policy.js';
import { createWebhookListener } from '../../src/http/webhook-listener.js';
import { memoryLogger } from '../../src/observability/test-support/memory-logger.js';
import { NO_CLUSTER, type ClusterSnapshot } from '../../src/policy/cluster-snapshot.js';
import { staticPolicyProvider, type PolicyProvider } from '../../src/policy/policy-provider.js';

/**
 * A ready webhook deciding under `policies` (default: the embedded default policy) with `snapshot`
 * as its cluster state (default: no cluster); it logs to memory.
 */
export function testWebhook({
  policies = staticPolicyProvider(EMBEDDED_DEFAULT_POLICY),
  snapshot = NO_CLUSTER,
}: {
  readonly policies?: PolicyProvider;
  readonly snapshot?: ClusterSnapshot;
} = {}): RequestListener {
  const { logger } = memoryLogger();
  return createWebhookListener({
    ...createAdmissionHandlers({ policies, snapshot: () => snapshot }),
    logger,
    readiness: () => ({ ready: true, reasons: [] }),
  });
}
