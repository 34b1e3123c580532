import { asRecord, asString } from '../../policy/object-access.js';
import { decisionKind, type AuditDecision, type AuditFinding } from './audit-decision.js';

/** What one log line turned out to be. */
export type LogLine =
  | { readonly type: 'decision'; readonly decision: AuditDecision }
  | { readonly type: 'dry-run' }
  | { readonly type: 'other' };

/**
 * Reads one line of `profile-guard serve`'s JSON log (see README, Logs). A validation decision
 * line with findings is a `decision`; the same for a dry run is `dry-run` (not audited, as dry
 * runs write no reports); anything else (other messages, passing decisions, mutations, text) is
 * `other`. A prefix before the first `{` (as `kubectl logs --prefix` adds) is ignored.
 */
export function parseDecisionLogLine(line: string): LogLine {
  const start = line.indexOf('{');
  if (start < 0) return OTHER;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line.slice(start));
  } catch {
    return OTHER;
  }
  const fields = asRecord(parsed);
  if (fields?.webhook !== 'validate' || !Array.isArray(fields.findings)) {
    return OTHER;
  }
  const findings = byRule(
    fields.findings.flatMap((item: unknown) => {
      const finding = findingOf(item, fields.decision);
      return finding === undefined ? [] : [finding];
    }),
  );
  const decision = decisionKind(fields.decision, findings);
  const time = typeof fields.time === 'string' ? Date.parse(fields.time) : Number.NaN;
  if (findings.length === 0 || decision === undefined || Number.isNaN(time)) return OTHER;
  if (fields.dryRun === true) return { type: 'dry-run' };
  return {
    type: 'decision',
    decision: {
      time,
      uid: text(fields.uid),
      decision,
      operation: text(fields.operation),
      user: text(fields.user),
      apiVersion: text(fields.apiVersion),
      kind: text(fields.kind),
      name: text(fields.name),
      namespace: text(fields.namespace),
      policy: text(fields.policy),
      policyGeneration:
        typeof fields.policyGeneration === 'number' && Number.isSafeInteger(fields.policyGeneration)
          ? String(fields.policyGeneration)
          : '',
      findings,
    },
  };
}

const OTHER: LogLine = Object.freeze({ type: 'other' });

/**
 * A logged finding (`{rule, mode, path, message, ratcheted}`). Audit mode only records; an
 * Enforce finding denied only in a denied decision and when not ratcheted; the rest warned.
 */
function findingOf(item: unknown, decision: unknown): AuditFinding | undefined {
  const fields = asRecord(item);
  if (fields === undefined || typeof fields.rule !== 'string') return undefined;
  const mode = text(fields.mode);
  const outcome =
    mode === 'Audit'
      ? 'audit'
      : mode === 'Enforce' && decision === 'denied' && fields.ratcheted !== true
        ? 'deny'
        : 'warn';
  return { rule: fields.rule, mode, outcome, message: text(fields.message) };
}

/**
 * One finding per rule and outcome, messages joined with `; ` in order: the shape PolicyReport
 * results have, so that both sources read the same.
 */
function byRule(findings: readonly AuditFinding[]): AuditFinding[] {
  const merged = new Map<string, AuditFinding>();
  for (const finding of findings) {
    const key = JSON.stringify([finding.rule, finding.mode, finding.outcome]);
    const seen = merged.get(key);
    merged.set(
      key,
      seen === undefined ? finding : { ...seen, message: `${seen.message}; ${finding.message}` },
    );
  }
  return [...merged.values()];
}

function text(value: unknown): string {
  return asString(value) ?? '';
}
