import { OPENREPORTS_API, WGPOLICY_API } from '../../kube/report-apis.js';
import type { AuditDecision } from './audit-decision.js';
import type { AuditSummary } from './audit-summary.js';

/** Where the decisions came from, and how much of it was read. */
export type AuditSource =
  | {
      readonly type: 'log';
      /** The file, or `-` for standard input. */
      readonly file: string;
      readonly decisionLines: number;
      readonly dryRunLines: number;
      readonly otherLines: number;
    }
  | {
      readonly type: 'cluster';
      /** The report APIs the cluster serves (their apiVersions), OpenReports first. */
      readonly apis: readonly string[];
      /** openreports.io reports read. */
      readonly reports: number;
      readonly clusterReports: number;
      /** wgpolicyk8s.io reports read. */
      readonly policyReports: number;
      readonly clusterPolicyReports: number;
      readonly results: number;
    };

/** A summary and what it was made of. */
export interface AuditReport {
  readonly summary: AuditSummary;
  readonly source: AuditSource;
  /** `--since` as a time, and `--namespace`. */
  readonly since: number | undefined;
  readonly namespace: string | undefined;
}

const CLUSTER_SCOPED = '(cluster)';

/**
 * The text report: a headline, the source, then tables by rule, by namespace, by user, and the
 * latest denials.
 */
export function formatAuditText(report: AuditReport): string {
  const { summary } = report;
  const { decisions } = summary;
  const lines = [
    `profile-guard report: ${decisions.total} ${plural(decisions.total, 'decision')} ` +
      `(denied ${decisions.denied}, warned ${decisions.warned}, audited ${decisions.audited})`,
    `source: ${describeSource(report.source)}`,
  ];
  const filters = [
    ...(report.since === undefined ? [] : [`since ${iso(report.since)}`]),
    ...(report.namespace === undefined ? [] : [`namespace ${report.namespace}`]),
  ];
  if (filters.length > 0) lines.push(`only: ${filters.join(', ')}`);
  if (summary.from !== undefined && summary.to !== undefined) {
    lines.push(`window: ${iso(summary.from)} .. ${iso(summary.to)}`);
  }

  lines.push('', 'By rule:');
  lines.push(
    ...table(
      ['RULE', 'MODE', 'DENIED', 'WARNED', 'AUDITED'],
      summary.rules.map((r) => [r.rule, r.mode, r.denied, r.warned, r.audited]),
    ),
  );
  lines.push('', 'By namespace:');
  lines.push(
    ...table(
      ['NAMESPACE', 'DENIED', 'WARNED', 'AUDITED'],
      summary.namespaces.map((n) => [
        n.namespace === '' ? CLUSTER_SCOPED : n.namespace,
        n.denied,
        n.warned,
        n.audited,
      ]),
    ),
  );
  lines.push('', 'By user:');
  lines.push(
    ...table(
      ['USER', 'DENIED', 'WARNED', 'AUDITED'],
      summary.users.map((u) => [u.user === '' ? '-' : u.user, u.denied, u.warned, u.audited]),
    ),
  );
  lines.push('', 'Latest denials (newest first):');
  lines.push(
    ...table(
      ['TIME', 'USER', 'OPERATION', 'NAMESPACE', 'OBJECT', 'FINDINGS'],
      summary.latestDenials.map((d) => [
        iso(d.time),
        d.user,
        d.operation,
        d.namespace === '' ? '-' : d.namespace,
        `${d.kind}/${d.name}`,
        denialText(d),
      ]),
    ),
  );
  return `${lines.join('\n')}\n`;
}

/** The JSON report (two-space indented, newline-terminated); times as RFC 3339 strings. */
export function formatAuditJson(report: AuditReport): string {
  const { summary } = report;
  const body = {
    source: report.source,
    filter: { since: optionalIso(report.since), namespace: report.namespace ?? null },
    window: { from: optionalIso(summary.from), to: optionalIso(summary.to) },
    decisions: summary.decisions,
    rules: summary.rules,
    namespaces: summary.namespaces,
    users: summary.users,
    policies: summary.policies.map((use) => ({
      policy: use.policy,
      generation: use.generation,
      decisions: use.decisions,
      first: iso(use.first),
      last: iso(use.last),
    })),
    timeline:
      summary.timeline === undefined
        ? null
        : {
            start: iso(summary.timeline.start),
            bucketSeconds: summary.timeline.bucketMs / 1000,
            buckets: summary.timeline.buckets,
            series: summary.timeline.series,
          },
    latestDenials: summary.latestDenials.map((d) => ({
      time: iso(d.time),
      uid: d.uid,
      user: d.user,
      operation: d.operation,
      apiVersion: d.apiVersion,
      kind: d.kind,
      namespace: d.namespace,
      name: d.name,
      policy: d.policy,
      findings: d.findings
        .filter((finding) => finding.outcome === 'deny')
        .map(({ rule, mode, message }) => ({ rule, mode, message })),
    })),
  };
  return `${JSON.stringify(body, null, 2)}\n`;
}

/** One line saying where the decisions came from and how much of it was read. */
export function describeSource(source: AuditSource): string {
  if (source.type === 'log') {
    const file = source.file === '-' ? 'standard input' : source.file;
    return (
      `log ${file} (${source.decisionLines} decision ${plural(source.decisionLines, 'line')}, ` +
      `${source.dryRunLines} dry ${plural(source.dryRunLines, 'run')} skipped, ` +
      `${source.otherLines} other ${plural(source.otherLines, 'line')})`
    );
  }
  const kinds = [
    ...(source.apis.includes(OPENREPORTS_API.apiVersion)
      ? [
          `${source.reports} ${plural(source.reports, 'Report')}`,
          `${source.clusterReports} ${plural(source.clusterReports, 'ClusterReport')}`,
        ]
      : []),
    ...(source.apis.includes(WGPOLICY_API.apiVersion)
      ? [
          `${source.policyReports} ${plural(source.policyReports, 'PolicyReport')}`,
          `${source.clusterPolicyReports} ${plural(source.clusterPolicyReports, 'ClusterPolicyReport')}`,
        ]
      : []),
  ];
  return `cluster (${[...kinds, `${source.results} ${plural(source.results, 'result')}`].join(', ')})`;
}

/** The denying findings as `rule: message`, joined with `; `. */
function denialText(decision: AuditDecision): string {
  return decision.findings
    .filter((finding) => finding.outcome === 'deny')
    .map((finding) => `${finding.rule}: ${finding.message}`)
    .join('; ');
}

/**
 * Rows under a header, indented by two: text columns left-aligned, numbers right-aligned, two
 * spaces apart; the last column is not padded. No rows: `(none)`.
 */
function table(
  header: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string[] {
  if (rows.length === 0) return ['  (none)'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => String(row[column] ?? '').length)),
  );
  const numeric = header.map((_, column) => rows.every((row) => typeof row[column] === 'number'));
  const render = (cells: readonly (string | number)[]) =>
    `  ${cells
      .map((cell, column) => {
        const textCell = String(cell);
        if (column === cells.length - 1)
          return numeric[column] === true ? textCell.padStart(widths[column] ?? 0) : textCell;
        return numeric[column] === true
          ? textCell.padStart(widths[column] ?? 0)
          : textCell.padEnd(widths[column] ?? 0);
      })
      .join('  ')}`.trimEnd();
  return [render(header), ...rows.map(render)];
}

function iso(time: number): string {
  return new Date(time).toISOString();
}

function optionalIso(time: number | undefined): string | null {
  return time === undefined ? null : iso(time);
}

function plural(count: number, word: string): string {
  return count === 1 ? word : `${word}s`;
}
