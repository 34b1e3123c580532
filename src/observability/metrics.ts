import { Counter, Gauge, Histogram, collectDefaultMetrics, type Registry } from 'prom-client';
import type { DecisionObserver, DecisionRecord, WebhookName } from './decision-record.js';

/** Every metric name profile-guard registers starts with this. */
export const METRIC_PREFIX = 'profile_guard_';

/** Admission latency buckets, 0.1 ms to 2.5 s (the API server's webhook timeout is 10 s). */
export const DURATION_BUCKETS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];

/** The `kind` label for requests of kinds the webhook does not handle. */
export const OTHER_KIND = 'other';

/** Every outcome of a policy (re)load: the values of `profile_guard_policy_reloads_total{result}`. */
export const POLICY_RELOAD_RESULTS = ['success', 'failure'] as const;

/** Outcome of a policy (re)load, the `result` label of `profile_guard_policy_reloads_total`. */
export type PolicyReloadResult = (typeof POLICY_RELOAD_RESULTS)[number];

/**
 * Outcome of one pass of the native policy sync, the `result` label of
 * `profile_guard_native_sync_total`: nothing to write, written, left to a newer profile-guard,
 * or a failure (retried).
 */
export type NativeSyncResult = 'converged' | 'written' | 'yielded' | 'failed';

/** A write of the native policy sync, the `operation` label of `profile_guard_native_writes_total`. */
export type NativeWriteOperation = 'apply' | 'delete';

/**
 * How a request decided off the main thread ended, the `result` label of
 * `profile_guard_offload_requests_total`: decided by the decision worker (`decided`), not an
 * AdmissionReview (`rejected`, 400), or denied without a decision: the watchdog stopped the
 * worker (`timeout`), the worker died (`crash`), too many were waiting (`queue_full`), it could
 * not be handed over (`error`), or the server was stopping (`shutdown`).
 */
export const OFFLOAD_RESULTS = [
  'decided',
  'rejected',
  'timeout',
  'crash',
  'queue_full',
  'error',
  'shutdown',
] as const;

/** One of {@link OFFLOAD_RESULTS}. */
export type OffloadResult = (typeof OFFLOAD_RESULTS)[number];

/**
 * Why the decision worker was replaced, the `reason` label of
 * `profile_guard_offload_worker_restarts_total`: stopped by the watchdog, or died on its own.
 */
export type WorkerRestartReason = 'timeout' | 'crash';

/**
 * The contract's metrics behind typed methods. Labels are bounded sets (webhook, kind, operation,
 * decision, rule, mode, result, policy name): never an object's namespace or name, never a user.
 * A Metrics is a {@link DecisionObserver}: it decorates the admission handlers beside the
 * decision logger.
 */
export interface Metrics extends DecisionObserver {
  /** Counts the request, observes its duration, and counts each rule that did not pass. */
  observeDecision(record: DecisionRecord): void;
  policyReloaded(result: PolicyReloadResult): void;
  /** Replaces the `profile_guard_policy_info` series with this one (value 1). */
  setPolicyInfo(name: string, generation: number): void;
  setCacheSynced(synced: boolean): void;
  setCacheObjects(kind: string, count: number): void;
  /** The serving certificate's `notAfter`. */
  setCertificateExpiry(notAfter: Date): void;
  /** Counts one write of a profile-guard LimitRange by its outcome. */
  limitRangeWritten(result: LimitRangeWriteOutcome): void;
  /** One pass of the native policy sync ended; `profile_guard_native_in_sync` follows it. */
  nativeSyncPassed(result: NativeSyncResult): void;
  /** One write of the native policy sync. */
  nativeWritten(operation: NativeWriteOperation, ok: boolean): void;
  /** One request decided off the main thread ended so. */
  offloaded(webhook: WebhookName, result: OffloadResult): void;
  /** The decision worker was replaced. */
  offloadWorkerRestarted(reason: WorkerRestartReason): void;
  /** Requests now waiting for the decision worker. */
  setOffloadQueueDepth(depth: number): void;
}

/**
 * Outcome of a LimitRange write, the `result` label of `profile_guard_limitrange_writes_total`:
 * `created`, `updated`, `deleted`, `conflict` (409: changed meanwhile, looked at again) or `error`.
 */
export type LimitRangeWriteOutcome = 'created' | 'updated' | 'deleted' | 'conflict' | 'error';

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** Also collect prom-client's process metrics as `profile_guard_process_*` etc. Default true. */
  readonly processMetrics?: boolean;
}

/**
 * Registers the contract's metrics on `registry` (which the caller owns, so tests and the server
 * each use their own) and returns their typed front. Registering twice on one registry throws.
 */
export function createMetrics(registry: Registry, options: MetricsOptions = {}): Metrics {
  const registers = [registry];
  const requests = new Counter({
    name: `${METRIC_PREFIX}admission_requests_total`,
    help: 'Admission requests answered, by webhook (mutate|validate), kind, operation and decision (allowed|denied|warned|patched|error).',
    labelNames: ['webhook', 'kind', 'operation', 'decision'] as const,
    registers,
  });
  const duration = new Histogram({
    name: `${METRIC_PREFIX}admission_duration_seconds`,
    help: 'Time to reach an admission decision, in seconds, by webhook and kind.',
    labelNames: ['webhook', 'kind'] as const,
    buckets: [...DURATION_BUCKETS],
    registers,
  });
  const violations = new Counter({
    name: `${METRIC_PREFIX}rule_violations_total`,
    help: 'Validation requests in which a rule did not pass, by rule id, the rule mode (Enforce|Warn|Audit) and kind.',
    labelNames: ['rule', 'mode', 'kind'] as const,
    registers,
  });
  const reloads = new Counter({
    name: `${METRIC_PREFIX}policy_reloads_total`,
    help: 'Policy loads and reloads, by result (success|failure).',
    labelNames: ['result'] as const,
    registers,
  });
  // Both series exist from the start, at 0: increase() over a series that first appears at 1 sees
  // no increase, so an alert on the first failed reload would never fire.
  for (const result of POLICY_RELOAD_RESULTS) reloads.inc({ result }, 0);
  const policyInfo = new Gauge({
    name: `${METRIC_PREFIX}policy_info`,
    help: 'The policy in force: always 1, labelled with its name and generation.',
    labelNames: ['name', 'generation'] as const,
    registers,
  });
  const cacheSynced = new Gauge({
    name: `${METRIC_PREFIX}cache_synced`,
    help: '1 when the cluster caches have synced (or cluster lookups are off), else 0.',
    registers,
  });
  const cacheObjects = new Gauge({
    name: `${METRIC_PREFIX}cache_objects`,
    help: 'Objects held in the cluster caches, by kind.',
    labelNames: ['kind'] as const,
    registers,
  });
  const certificateExpiry = new Gauge({
    name: `${METRIC_PREFIX}tls_certificate_expiry_timestamp_seconds`,
    help: "The serving certificate's notAfter, as a Unix timestamp in seconds.",
    registers,
  });
  const limitRangeWrites = new Counter({
    name: `${METRIC_PREFIX}limitrange_writes_total`,
    help: 'Writes of the LimitRange profile-guard keeps in profile namespaces, by result (created|updated|deleted|conflict|error).',
    labelNames: ['result'] as const,
    registers,
  });
  const nativeSync = new Counter({
    name: `${METRIC_PREFIX}native_sync_total`,
    help: 'Passes of the native admission policy sync, by result (converged|written|yielded|failed).',
    labelNames: ['result'] as const,
    registers,
  });
  const nativeInSync = new Gauge({
    name: `${METRIC_PREFIX}native_in_sync`,
    help: '1 when the last pass of the native admission policy sync left every object as the policy says (converged or written), else 0.',
    registers,
  });
  const nativeWrites = new Counter({
    name: `${METRIC_PREFIX}native_writes_total`,
    help: 'Writes of the native admission policy sync, by operation (apply|delete) and result (success|failure).',
    labelNames: ['operation', 'result'] as const,
    registers,
  });
  const offloads = new Counter({
    name: `${METRIC_PREFIX}offload_requests_total`,
    help: 'Admission requests decided off the main thread (bodies above --offload-bytes), by webhook and result (decided|rejected|timeout|crash|queue_full|error|shutdown).',
    labelNames: ['webhook', 'result'] as const,
    registers,
  });
  const workerRestarts = new Counter({
    name: `${METRIC_PREFIX}offload_worker_restarts_total`,
    help: 'Decision workers replaced, by reason (timeout: stopped by the watchdog; crash: died on its own).',
    labelNames: ['reason'] as const,
    registers,
  });
  for (const reason of ['timeout', 'crash'] as const) workerRestarts.inc({ reason }, 0);
  const offloadQueue = new Gauge({
    name: `${METRIC_PREFIX}offload_queue_depth`,
    help: 'Admission requests waiting for the decision worker.',
    registers,
  });
  if (options.processMetrics ?? true) {
    collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  }

  const observeDecision = (record: DecisionRecord): void => {
    const { webhook, input, decision } = record;
    const kind = input.target ?? OTHER_KIND;
    requests.inc({ webhook, kind, operation: input.operation, decision });
    duration.observe({ webhook, kind }, record.durationSeconds);
    for (const rule of record.evaluation?.evaluations ?? []) {
      const failed = rule.status === 'fail' || rule.status === 'warn' || rule.status === 'error';
      if (failed && rule.mode !== 'Disabled') {
        violations.inc({ rule: rule.ruleId, mode: rule.mode, kind });
      }
    }
  };

  return {
    observeDecision,
    onDecision: observeDecision,
    policyReloaded: (result) => {
      reloads.inc({ result });
    },
    setPolicyInfo: (name, generation) => {
      policyInfo.reset();
      policyInfo.set({ name, generation: String(generation) }, 1);
    },
    setCacheSynced: (synced) => {
      cacheSynced.set(synced ? 1 : 0);
    },
    setCacheObjects: (kind, count) => {
      cacheObjects.set({ kind }, count);
    },
    setCertificateExpiry: (notAfter) => {
      certificateExpiry.set(Math.floor(notAfter.getTime() / 1000));
    },
    limitRangeWritten: (result) => {
      limitRangeWrites.inc({ result });
    },
    nativeSyncPassed: (result) => {
      nativeSync.inc({ result });
      nativeInSync.set(result === 'converged' || result === 'written' ? 1 : 0);
    },
    nativeWritten: (operation, ok) => {
      nativeWrites.inc({ operation, result: ok ? 'success' : 'failure' });
    },
    offloaded: (webhook, result) => {
      offloads.inc({ webhook, result });
    },
    offloadWorkerRestarted: (reason) => {
      workerRestarts.inc({ reason });
    },
    setOffloadQueueDepth: (depth) => {
      offloadQueue.set(depth);
    },
  };
}
