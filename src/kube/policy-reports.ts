import type { Logger } from 'pino';
import type { DecisionObserver, DecisionRecord } from '../observability/decision-record.js';
import type { Finding } from '../policy/engine.js';
import type { EnforcementMode } from '../policy/policy-spec.js';
import type { RuleId } from '../policy/rule-ids.js';
import { asRecord, asString, asStringMap, getPath } from '../policy/object-access.js';
import { WGPOLICY_API, type ReportApi, type ReportKind } from './report-apis.js';
import { REAL_SCHEDULER, type Scheduler } from './scheduler.js';
import { statusOf } from './watch-source.js';
import { truncate } from '../util/truncate.js';
import { errorMessage } from '../util/error-message.js';

/** The name of every report profile-guard writes (one per namespace, one cluster-wide). */
export const REPORT_NAME = 'profile-guard';
/** `source` of every result, and the value of the managed-by label. */
export const REPORT_SOURCE = 'profile-guard';
/** The label that marks profile-guard's reports (and selects them for `profile-guard report`). */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';

/** A JSON object as read back from the API server. */
export type JsonObject = Readonly<Record<string, unknown>>;

/** What a result is about: the admitted object (`corev1.ObjectReference` fields). */
export type ReportResource = Readonly<{
  apiVersion: string;
  kind: string;
  name?: string;
  namespace?: string;
  uid?: string;
}>;

/** `result` values (the same in both report APIs) that profile-guard writes. */
export type ReportResultValue = 'fail' | 'warn' | 'error';

/**
 * One `results[]` entry: one rule of one admission decision, in the wire format both report APIs
 * share. `properties` (strings only, as the CRDs require) carry `operation`, `user`, `decision`,
 * `mode`, the request `uid` and `policyGeneration`, plus `ratcheted: "true"` when Enforce findings
 * were downgraded to warnings.
 */
export type PolicyReportResult = Readonly<{
  policy: string;
  rule: string;
  result: ReportResultValue;
  severity: 'high' | 'medium' | 'low';
  scored: boolean;
  message: string;
  source: string;
  timestamp: Readonly<{ seconds: number; nanos: number }>;
  resources: readonly ReportResource[];
  properties: Readonly<Record<string, string>>;
}>;

/** `summary` of a report: the number of results of each kind. */
export type PolicyReportSummary = Readonly<{
  pass: number;
  fail: number;
  warn: number;
  error: number;
  skip: number;
}>;

/** A namespaced report (namespace set) or cluster report as written, of either API. */
export type PolicyReportObject = Readonly<{
  apiVersion: string;
  kind: ReportKind;
  metadata: Readonly<{
    name: string;
    namespace?: string;
    labels: Readonly<Record<string, string>>;
    resourceVersion?: string;
    [field: string]: unknown;
  }>;
  summary: PolicyReportSummary;
  results: readonly JsonObject[];
  [field: string]: unknown;
}>;

/** A report as read back: the whole object (kept on replace) and its results. */
export interface StoredReport {
  readonly object: JsonObject;
  readonly results: readonly JsonObject[];
  readonly resourceVersion: string | undefined;
}

/**
 * Reads and writes profile-guard's reports of one API (`api`). `namespace` `''` means the cluster
 * report. Errors carry the HTTP status as client-node's do (`code`); 409 on `create` (it exists)
 * and on `replace` (stale resourceVersion) make the reporter read again and retry.
 */
export interface ReportWriter {
  readonly api: ReportApi;
  /** The stored report, or undefined when there is none (404). */
  get(namespace: string): Promise<StoredReport | undefined>;
  create(report: PolicyReportObject): Promise<void>;
  /** Replaces the report; `metadata.resourceVersion` makes a concurrent change a 409. */
  replace(report: PolicyReportObject): Promise<void>;
}

/**
 * Where results go, asked at each write because the cluster's report APIs can change: a writer,
 * `none` (no report API is served: the results are dropped) or `unknown` (not found out yet: the
 * results wait for the next flush).
 */
export interface ReportWriterSource {
  current(): ReportWriter | 'none' | 'unknown';
  /** A write got 404 (the API or its CRD went away): find out again. */
  notFound?(): void;
}

/** Lists profile-guard's reports for `profile-guard report` (raw objects, checked by the reader). */
export interface ReportReader {
  /** The report APIs the cluster serves, in {@link REPORT_APIS} order (OpenReports first). */
  servedApis(): Promise<readonly ReportApi[]>;
  /**
   * With a namespace: that namespace's report of `api`, if any. Without: every namespace's report
   * and the cluster report. Yields page by page so a large cluster is never held in memory at once.
   */
  reports(api: ReportApi, namespace: string | undefined): AsyncIterable<unknown>;
}

/** What became of pending results: written to a report, given up on, or not queued at all. */
export type ReportOutcome = 'written' | 'failed' | 'dropped';

/** Options of {@link createPolicyReporter}. */
export interface PolicyReporterOptions {
  /** One API's writer, or a source that picks the writer at each write (`serve --reports auto`). */
  readonly writer: ReportWriter | ReportWriterSource;
  readonly logger: Logger;
  /** Results are collected this long, then written in one update per report. Default 5000 ms. */
  readonly flushIntervalMs?: number;
  /** Results kept per report, newest first; older ones are dropped. Default 500. */
  readonly maxResults?: number;
  /** Upper bound of a report's serialized results (etcd refuses objects above 1.5 MiB). */
  readonly maxReportBytes?: number;
  /** Reports with results waiting; a decision for yet another report is dropped. Default 1000. */
  readonly maxPendingReports?: number;
  /** Tries per report write when others change it concurrently (409). Default 5. */
  readonly maxAttempts?: number;
  /** Called once per report write with the number of results involved. */
  readonly onOutcome?: (outcome: ReportOutcome, results: number) => void;
  readonly scheduler?: Scheduler;
}

/** A {@link DecisionObserver} that records denials, warnings and Audit findings in reports. */
export interface PolicyReporter extends DecisionObserver {
  /** Writes what is pending now; resolves when every write (including one under way) ended. */
  flush(): Promise<void>;
  /** Stops taking decisions, writes what is pending, and resolves when done. */
  stop(): Promise<void>;
}

const DEFAULTS = {
  flushIntervalMs: 5000,
  maxResults: 500,
  maxReportBytes: 1_000_000,
  maxPendingReports: 1000,
  maxAttempts: 5,
};
const MAX_MESSAGE = 1024;

/**
 * Records every validation decision that has findings (denied, warned, or allowed with Audit
 * findings) in reports named `profile-guard` of the writer's API: a namespaced report
 * (PolicyReport or Report) in the object's namespace, the cluster report (ClusterPolicyReport or
 * ClusterReport) for cluster-scoped objects (Profiles, ClusterRoleBindings). Dry runs, clean
 * allows, mutations and internal errors are not recorded. `onDecision` only queues; every
 * `flushIntervalMs` the queued results are appended to each report (read, then replace; create
 * when missing; a 409 re-reads and retries), keeping the newest `maxResults` within
 * `maxReportBytes`. With a {@link ReportWriterSource} the API is chosen at each flush: results
 * wait while it is `unknown` and are dropped while it is `none`. Failures are logged and counted,
 * never thrown.
 */
export function createPolicyReporter(options: PolicyReporterOptions): PolicyReporter {
  const { logger } = options;
  const source: ReportWriterSource =
    'current' in options.writer ? options.writer : fixedWriter(options.writer);
  const scheduler = options.scheduler ?? REAL_SCHEDULER;
  const interval = options.flushIntervalMs ?? DEFAULTS.flushIntervalMs;
  const limits: ReportLimits = {
    maxResults: options.maxResults ?? DEFAULTS.maxResults,
    maxBytes: options.maxReportBytes ?? DEFAULTS.maxReportBytes,
  };
  const maxPending = options.maxPendingReports ?? DEFAULTS.maxPendingReports;
  const maxAttempts = options.maxAttempts ?? DEFAULTS.maxAttempts;
  const outcome = (value: ReportOutcome, results: number): void => {
    try {
      options.onOutcome?.(value, results);
    } catch {
      // A metrics callback must not break reporting.
    }
  };

  let pending = new Map<string, PolicyReportResult[]>();
  let timer: unknown;
  let writing: Promise<void> = Promise.resolve();
  let stopped = false;
  let failures = 0;
  let dropped = 0;
  let unserved = 0;

  const logFailure = (
    writer: ReportWriter,
    namespace: string,
    results: number,
    error: unknown,
  ): void => {
    failures += 1;
    outcome('failed', results);
    // One line per power of two failures in a row: a missing CRD or RBAC rule is visible, not a flood.
    if ((failures & (failures - 1)) === 0) {
      logger.warn(
        {
          err: errorMessage(error),
          status: statusOf(error),
          report: reportLabel(namespace, writer.api),
          results,
          failures,
        },
        'could not write PolicyReport',
      );
    }
  };

  const write = async (
    writer: ReportWriter,
    namespace: string,
    batch: readonly PolicyReportResult[],
  ): Promise<void> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const stored = await writer.get(namespace);
        const report = mergeReport(namespace, stored, batch, limits, writer.api);
        if (stored === undefined) await writer.create(report);
        else await writer.replace(report);
        failures = 0;
        outcome('written', batch.length);
        return;
      } catch (error) {
        if (statusOf(error) === 409 && attempt < maxAttempts) continue;
        if (statusOf(error) === 404) source.notFound?.();
        logFailure(writer, namespace, batch.length, error);
        return;
      }
    }
  };

  const drain = async (): Promise<void> => {
    const target = source.current();
    // Not known yet where reports go: the results wait (bounded as always) for the next flush.
    if (target === 'unknown') return;
    const batches = pending;
    pending = new Map();
    if (target === 'none') {
      let count = 0;
      for (const batch of batches.values()) count += batch.length;
      if (count === 0) return;
      unserved += 1;
      outcome('dropped', count);
      if ((unserved & (unserved - 1)) === 0) {
        logger.warn(
          { results: count, times: unserved },
          'no report API served (install the OpenReports or PolicyReport CRDs); dropping results',
        );
      }
      return;
    }
    unserved = 0;
    for (const [namespace, batch] of batches) await write(target, namespace, batch);
  };

  const flush = (): Promise<void> => {
    if (timer !== undefined) scheduler.clearTimeout(timer);
    timer = undefined;
    // Writes never overlap: a report is read and replaced by one writer at a time.
    writing = writing.then(drain).finally(() => {
      if (!stopped && pending.size > 0) timer ??= scheduler.setTimeout(onTimer, interval);
    });
    return writing;
  };
  const onTimer = (): void => {
    timer = undefined;
    void flush();
  };

  return {
    onDecision(record) {
      try {
        if (stopped) return;
        const entry = reportResultsFor(record, scheduler.now());
        if (entry === undefined) return;
        let batch = pending.get(entry.namespace);
        if (batch === undefined) {
          if (pending.size >= maxPending) {
            dropped += 1;
            outcome('dropped', entry.results.length);
            if ((dropped & (dropped - 1)) === 0) {
              logger.warn({ dropped, maxPending }, 'PolicyReport queue full; dropping results');
            }
            return;
          }
          batch = [];
          pending.set(entry.namespace, batch);
        }
        batch.push(...entry.results);
        // What a single report cannot keep need not wait in memory either.
        if (batch.length > limits.maxResults) batch.splice(0, batch.length - limits.maxResults);
        timer ??= scheduler.setTimeout(onTimer, interval);
      } catch (error) {
        logger.warn({ err: errorMessage(error) }, 'could not prepare PolicyReport results');
      }
    },
    flush,
    stop() {
      stopped = true;
      return flush();
    },
  };
}

/** The report a decision's results go to (`''`: the cluster report) and those results. */
export interface DecisionResults {
  readonly namespace: string;
  readonly results: readonly PolicyReportResult[];
}

/**
 * The results one decision calls for, or undefined (dry run, no evaluation, no findings). One
 * result per rule: Enforce denials are `fail`/high, warnings (Warn mode, or ratcheted Enforce)
 * `warn`/medium, Audit findings `fail`/low; a rule that threw is `error`. The message joins the
 * rule's finding messages with `; `.
 */
export function reportResultsFor(record: DecisionRecord, now: number): DecisionResults | undefined {
  const { input, evaluation } = record;
  if (input.dryRun || evaluation === undefined) return undefined;
  const groups = [
    ...groupByRule(evaluation.denials, 'denial'),
    ...groupByRule(evaluation.warnings, 'warning'),
    ...groupByRule(evaluation.audits, 'audit'),
  ];
  if (groups.length === 0) return undefined;

  const errored = new Set(
    evaluation.evaluations.filter((rule) => rule.status === 'error').map((rule) => rule.ruleId),
  );
  const uid = asString(getPath(input.object, 'metadata', 'uid')) ?? '';
  const generateName = asString(getPath(input.object, 'metadata', 'generateName')) ?? '';
  const resource: ReportResource = {
    apiVersion: input.apiVersion,
    kind: input.kind,
    ...(input.name === '' ? {} : { name: input.name }),
    ...(input.namespace === '' ? {} : { namespace: input.namespace }),
    ...(uid === '' ? {} : { uid }),
  };
  const timestamp = { seconds: Math.floor(now / 1000), nanos: (now % 1000) * 1_000_000 };
  const results = groups.map(({ kind, rule, mode, findings }): PolicyReportResult => {
    const result: ReportResultValue = errored.has(rule)
      ? 'error'
      : kind === 'warning'
        ? 'warn'
        : 'fail';
    return {
      policy: record.policy?.name ?? REPORT_SOURCE,
      rule,
      result,
      severity: kind === 'denial' ? 'high' : kind === 'warning' ? 'medium' : 'low',
      scored: result !== 'warn',
      message: truncate(findings.map((finding) => finding.message).join('; '), MAX_MESSAGE),
      source: REPORT_SOURCE,
      timestamp,
      resources: [resource],
      properties: {
        operation: input.operation,
        user: input.user.username,
        decision: record.decision,
        mode,
        uid: input.uid,
        ...(record.policy === undefined
          ? {}
          : { policyGeneration: String(record.policy.generation) }),
        ...(findings.some((finding) => finding.ratcheted) ? { ratcheted: 'true' } : {}),
        ...(input.name === '' && generateName !== '' ? { generateName } : {}),
      },
    };
  });
  return { namespace: input.namespace, results };
}

/** How large a report may grow. */
export interface ReportLimits {
  readonly maxResults: number;
  readonly maxBytes: number;
}

/**
 * The report of `api` to write: the stored one (every other field kept) with `batch` appended,
 * only the newest results that fit `limits`, the managed-by label, a `summary` counting the
 * results and, for OpenReports, the report-level `source`.
 */
export function mergeReport(
  namespace: string,
  stored: StoredReport | undefined,
  batch: readonly JsonObject[],
  limits: ReportLimits,
  api: ReportApi = WGPOLICY_API,
): PolicyReportObject {
  const results = bound([...(stored?.results ?? []), ...batch], limits);
  const base = stored?.object ?? {};
  const storedMetadata = asRecord(base.metadata) ?? {};
  const labels = { ...asStringMap(storedMetadata.labels), [MANAGED_BY_LABEL]: REPORT_SOURCE };
  return {
    ...base,
    apiVersion: api.apiVersion,
    kind: namespace === '' ? api.clusterKind : api.namespacedKind,
    ...(api.reportSource ? { source: REPORT_SOURCE } : {}),
    metadata: {
      ...storedMetadata,
      name: REPORT_NAME,
      ...(namespace === '' ? {} : { namespace }),
      labels,
      ...(stored?.resourceVersion === undefined ? {} : { resourceVersion: stored.resourceVersion }),
    },
    summary: summarize(results),
    results,
  };
}

/** Counts results by their `result` field. */
export function summarize(results: readonly JsonObject[]): PolicyReportSummary {
  const counts = { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 };
  for (const result of results) {
    const value = result.result;
    if (value === 'pass' || value === 'fail' || value === 'warn' || value === 'error') {
      counts[value] += 1;
    } else if (value === 'skip') {
      counts.skip += 1;
    }
  }
  return counts;
}

/**
 * Reads a report object as returned by the API server; undefined when it is not an object.
 * Results that are not objects are dropped.
 */
export function toStoredReport(raw: unknown): StoredReport | undefined {
  const object = asRecord(raw);
  if (object === undefined) return undefined;
  const results = Array.isArray(object.results)
    ? object.results.flatMap((item: unknown) => {
        const result = asRecord(item);
        return result === undefined ? [] : [result];
      })
    : [];
  const resourceVersion = asRecord(object.metadata)?.resourceVersion;
  return {
    object,
    results,
    resourceVersion: typeof resourceVersion === 'string' ? resourceVersion : undefined,
  };
}

/** `PolicyReport NS/profile-guard`, `ClusterReport profile-guard` and so on, for messages. */
export function reportLabel(namespace: string, api: ReportApi = WGPOLICY_API): string {
  return namespace === ''
    ? `${api.clusterKind} ${REPORT_NAME}`
    : `${api.namespacedKind} ${namespace}/${REPORT_NAME}`;
}

/** A source that always answers `writer`. */
function fixedWriter(writer: ReportWriter): ReportWriterSource {
  return { current: () => writer };
}

function bound(results: readonly JsonObject[], limits: ReportLimits): JsonObject[] {
  const kept = results.slice(Math.max(0, results.length - limits.maxResults));
  const sizes = kept.map((result) => Buffer.byteLength(JSON.stringify(result)) + 1);
  let total = sizes.reduce((sum, size) => sum + size, 0);
  let start = 0;
  while (total > limits.maxBytes && start < kept.length) {
    total -= sizes[start] ?? 0;
    start += 1;
  }
  return kept.slice(start);
}

type FindingKind = 'denial' | 'warning' | 'audit';

interface RuleGroup {
  readonly kind: FindingKind;
  readonly rule: RuleId;
  readonly mode: EnforcementMode;
  readonly findings: Finding[];
}

/** A rule's findings in one list, in order of first appearance. */
function groupByRule(findings: readonly Finding[], kind: FindingKind): RuleGroup[] {
  const byRule = new Map<RuleId, RuleGroup>();
  for (const finding of findings) {
    const group = byRule.get(finding.ruleId);
    if (group === undefined) {
      byRule.set(finding.ruleId, {
        kind,
        rule: finding.ruleId,
        mode: finding.mode,
        findings: [finding],
      });
    } else {
      group.findings.push(finding);
    }
  }
  return [...byRule.values()];
}
