import {
  createAdmissionHandlers,
  type AdmissionHandlers,
} from '../admission/admission-handlers.js';
import { groupVersion, targetKind } from '../admission/dispatch.js';
import type { AdmissionResult } from '../admission/handler.js';
import { internalErrorStatus } from '../admission/responses.js';
import type { AdmissionReview } from '../admission/review.js';
import {
  decodeReviewBytes,
  encodeReviewResponse,
  undecodedRecord,
} from '../admission/review-codec.js';
import type { DecisionInput } from '../observability/decision-record.js';
import type { KubeObject } from '../policy/kube-object.js';
import { NO_CLUSTER, type ClusterSnapshot } from '../policy/cluster-snapshot.js';
import { selectingProvider } from '../policy/policy-selection.js';
import type { PolicyProvider } from '../policy/policy-provider.js';
import { NO_SELECTOR_LABEL_KEYS } from '../policy/rule.js';
import { createLookupSnapshot } from './lookup-client.js';
import type { DecisionWorkerData, FromWorker, JobOutcome, ToWorker } from './protocol.js';
import { trimInput, trimRecord } from './trim-record.js';

/**
 * The worker's message handler (kept apart from the entry point so that it is plain code over
 * its inputs): `policies` replaces the provider later jobs select with; `decide` decodes the
 * bytes, posts `started` with the request's identity, decides, and posts `done`.
 */
export function decideBody(
  data: DecisionWorkerData,
  post: (message: FromWorker) => void,
): (message: ToWorker) => void {
  const signal = new Int32Array(data.signal);
  const hold = data.testHooks?.hold === undefined ? undefined : new Int32Array(data.testHooks.hold);
  let calls = 0;
  let provider: PolicyProvider | undefined;
  let snapshot: ClusterSnapshot = NO_CLUSTER;
  // One pair of handlers for the worker's life, as inline: the provider and snapshot they read
  // are swapped per message and per job.
  const handlers: AdmissionHandlers = createAdmissionHandlers({
    policies: {
      select: (input, cluster) => current().select(input, cluster),
      selectorLabelKeys: () => current().selectorLabelKeys?.() ?? NO_SELECTOR_LABEL_KEYS,
      guardedLabelKeys: (input) =>
        current().guardedLabelKeys?.(input) ??
        current().selectorLabelKeys?.() ??
        NO_SELECTOR_LABEL_KEYS,
    },
    snapshot: () => snapshot,
  });
  const current = (): PolicyProvider => {
    if (provider === undefined) throw new Error('the decision worker has no policy yet');
    return provider;
  };

  return (message) => {
    if (message.type === 'policies') {
      provider = selectingProvider(message.inForce.policies, message.inForce.fallback);
      return;
    }
    const { job, webhook } = message;
    if (data.testHooks?.exitBeforeDecoding === true) process.exit(3);
    const arrived = performance.now();
    const decoded = decodeReviewBytes(message.bytes);
    if (decoded.denied !== undefined) {
      // Denied unread (over the token bound): answered and observed as a decided denial.
      const seconds = (performance.now() - arrived) / 1000;
      const outcome: JobOutcome = {
        kind: 'decided',
        body: JSON.stringify(decoded.body),
        record: undecodedRecord(webhook, decoded.denied, seconds),
      };
      post({ type: 'done', job, outcome });
      return;
    }
    if (!decoded.ok) {
      const outcome: JobOutcome = {
        kind: 'rejected',
        body: JSON.stringify(decoded.body),
        error: decoded.body.error,
      };
      post({ type: 'done', job, outcome });
      return;
    }
    const { review } = decoded;
    post({ type: 'started', job, apiVersion: review.apiVersion, input: identity(review) });
    if (hold !== undefined) {
      Atomics.store(hold, 1, 1);
      Atomics.notify(hold, 1);
      Atomics.wait(hold, 0, 0);
    }
    if (data.testHooks?.exitOnUid === review.request.uid) process.exit(3);
    const lookups = createLookupSnapshot({
      port: data.lookupPort,
      signal,
      job,
      state: message.state,
      timeoutMs: data.lookupTimeoutMs,
      nextCall: () => ++calls,
    });
    snapshot = lookups;
    try {
      const handler = webhook === 'validate' ? handlers.validating : handlers.mutating;
      const result = failedClosed(handler.handle(review), lookups.failure());
      const outcome: JobOutcome = {
        kind: 'decided',
        body: JSON.stringify(encodeReviewResponse(result)),
        record: trimRecord(result),
      };
      post({ type: 'done', job, outcome });
    } finally {
      snapshot = NO_CLUSTER;
    }
  };
}

/**
 * The request's identity as the decision record names it, read before deciding: what a failure
 * that keeps the worker from deciding (watchdog, crash) is reported with.
 */
function identity(review: AdmissionReview): DecisionInput {
  const { request } = review;
  const deleting = request.operation === 'DELETE';
  const object = deleting ? request.oldObject : request.object;
  return trimInput({
    uid: request.uid,
    target: targetKind(request.kind),
    apiVersion: groupVersion(request.kind),
    kind: request.kind.kind,
    operation: request.operation,
    name: request.name,
    namespace: request.namespace,
    user: { username: request.userInfo.username, groups: request.userInfo.groups },
    dryRun: request.dryRun,
    object:
      typeof object === 'object' && object !== null && !Array.isArray(object)
        ? (object as KubeObject)
        : undefined,
  });
}

/**
 * `result`, unless a cluster lookup failed while deciding it: then a denial with code 500 naming
 * the lookup, as the inline handler answers an internal error. A rule that read the failed
 * lookup may have turned the error into a warning (Warn and Audit modes do), but a decision
 * reached without the cluster state it asked for is never an allow.
 */
function failedClosed(result: AdmissionResult, failure: string | undefined): AdmissionResult {
  if (failure === undefined) return result;
  const error = `internal error: ${failure}`;
  return {
    ...result,
    decision: 'error',
    allowed: false,
    status: internalErrorStatus(error),
    warnings: [],
    auditAnnotations: { decision: 'denied' },
    patch: [],
    error,
  };
}
