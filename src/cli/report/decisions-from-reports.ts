import { REPORT_SOURCE } from '../../kube/policy-reports.js';
import { reportApiOf, type ReportKind } from '../../kube/report-apis.js';
import { asArray, asRecord, asString, asStringMap } from '../../policy/object-access.js';
import { decisionKind, type AuditDecision, type AuditFinding } from './audit-decision.js';

/** What one report object held. */
export interface ReportContents {
  /**
   * `Report`, `ClusterReport` (openreports.io), `PolicyReport`, `ClusterPolicyReport`
   * (wgpolicyk8s.io), or undefined when the object is none of them.
   */
  readonly kind: ReportKind | undefined;
  /** profile-guard's results in it (results of other sources are ignored). */
  readonly results: number;
  readonly decisions: readonly AuditDecision[];
}

/**
 * The decisions recorded in one report written by profile-guard, of either API (the results have
 * the same shape in both): its results are grouped back into decisions by `properties.uid` (one
 * result per rule of a decision). A result is profile-guard's when its `source` is
 * `profile-guard`, or when it has none and the report's own `source` (OpenReports) is. A result
 * is a denial when it is `fail` or `error` in Enforce mode, a warning when it is `warn` (or a
 * Warn-mode error), and an Audit finding in Audit mode. Malformed results are skipped.
 */
export function decisionsFromReport(raw: unknown): ReportContents {
  const report = asRecord(raw);
  const found = reportApiOf(report?.apiVersion, report?.kind);
  const kind =
    found === undefined
      ? undefined
      : found.cluster
        ? found.api.clusterKind
        : found.api.namespacedKind;
  const reportSource = asString(report?.source) ?? '';
  const reportNamespace = asString(asRecord(report?.metadata)?.namespace) ?? '';
  const byKey = new Map<
    string,
    {
      base: Omit<AuditDecision, 'decision' | 'findings'>;
      decision: unknown;
      findings: AuditFinding[];
    }
  >();
  let results = 0;
  for (const item of asArray(report?.results)) {
    const result = asRecord(item);
    if (result === undefined) continue;
    const source = asString(result.source) ?? '';
    if (source !== REPORT_SOURCE && !(source === '' && reportSource === REPORT_SOURCE)) continue;
    const parsed = parseResult(result, reportNamespace);
    if (parsed === undefined) continue;
    results += 1;
    const entry = byKey.get(parsed.key);
    if (entry === undefined) {
      byKey.set(parsed.key, {
        base: parsed.base,
        decision: parsed.decision,
        findings: [parsed.finding],
      });
    } else {
      entry.findings.push(parsed.finding);
    }
  }
  const decisions = [...byKey.values()].flatMap(({ base, decision, findings }) => {
    const kindOf = decisionKind(decision, findings);
    return kindOf === undefined ? [] : [{ ...base, decision: kindOf, findings }];
  });
  return { kind, results, decisions };
}

function parseResult(
  result: Readonly<Record<string, unknown>>,
  reportNamespace: string,
):
  | {
      key: string;
      base: Omit<AuditDecision, 'decision' | 'findings'>;
      decision: unknown;
      finding: AuditFinding;
    }
  | undefined {
  const value = result.result;
  if (value !== 'fail' && value !== 'warn' && value !== 'error') return undefined;
  const timestamp = asRecord(result.timestamp);
  const seconds = timestamp?.seconds;
  const nanos = timestamp?.nanos;
  if (typeof seconds !== 'number') return undefined;
  const time = seconds * 1000 + Math.floor((typeof nanos === 'number' ? nanos : 0) / 1_000_000);
  const properties = asStringMap(result.properties);
  const resource = asRecord(asArray(result.resources)[0]) ?? {};
  const mode = properties.mode ?? '';
  const outcome =
    value === 'warn' ? 'warn' : mode === 'Audit' ? 'audit' : mode === 'Warn' ? 'warn' : 'deny';
  const base = {
    time,
    uid: properties.uid ?? '',
    operation: properties.operation ?? '',
    user: properties.user ?? '',
    apiVersion: asString(resource.apiVersion) ?? '',
    kind: asString(resource.kind) ?? '',
    name: asString(resource.name) ?? properties.generateName ?? '',
    namespace: asString(resource.namespace) ?? reportNamespace,
    policy: asString(result.policy) ?? '',
    policyGeneration: properties.policyGeneration ?? '',
  };
  // Without a request uid, results of one decision still share their time, object and caller.
  const key =
    base.uid !== ''
      ? `uid:${base.uid}`
      : JSON.stringify([time, base.kind, base.namespace, base.name, base.user, base.operation]);
  return {
    key,
    base,
    decision: properties.decision,
    finding: {
      rule: asString(result.rule) ?? '',
      mode,
      outcome,
      message: asString(result.message) ?? '',
    },
  };
}
