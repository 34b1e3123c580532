import type { AuditDecision, AuditDecisionKind, AuditOutcome } from './audit-decision.js';

/** Decisions by kind. */
export interface DecisionCounts {
  readonly total: number;
  readonly denied: number;
  readonly warned: number;
  readonly audited: number;
}

/** How often one rule (in one mode) denied, warned or recorded: decisions, not findings. */
export interface RuleCounts {
  readonly rule: string;
  readonly mode: string;
  readonly denied: number;
  readonly warned: number;
  readonly audited: number;
}

/** Decisions about objects of one namespace (`''`: cluster-scoped objects), by kind. */
export interface NamespaceCounts {
  readonly namespace: string;
  readonly denied: number;
  readonly warned: number;
  readonly audited: number;
}

/** The audit summary `profile-guard report` prints. */
export interface AuditSummary {
  readonly decisions: DecisionCounts;
  /** Time of the oldest and newest counted decision; undefined when none was counted. */
  readonly from: number | undefined;
  readonly to: number | undefined;
  /** Most frequent first; ties by rule id, then mode. */
  readonly rules: readonly RuleCounts[];
  /** By namespace name; cluster-scoped (`''`) first. */
  readonly namespaces: readonly NamespaceCounts[];
  /** Newest first (ties by uid), at most `latest` of them. */
  readonly latestDenials: readonly AuditDecision[];
}

/** Which decisions count. */
export interface AuditFilter {
  /** Only decisions at or after this time (milliseconds since the epoch). */
  readonly since?: number | undefined;
  /** Only decisions about objects in this namespace. */
  readonly namespace?: string | undefined;
  /** How many latest denials to keep; default 10. */
  readonly latest?: number;
}

/** Collects decisions one at a time, so that a large log or cluster never sits in memory. */
export interface AuditAccumulator {
  /** Counts the decision if it passes the filter; returns whether it did. */
  add(decision: AuditDecision): boolean;
  summary(): AuditSummary;
}

const OUTCOME_COLUMN: Record<AuditOutcome, 'denied' | 'warned' | 'audited'> = {
  deny: 'denied',
  warn: 'warned',
  audit: 'audited',
};

/** An {@link AuditAccumulator} over `filter`. */
export function createAuditAccumulator(filter: AuditFilter = {}): AuditAccumulator {
  const latest = filter.latest ?? 10;
  const totals: Record<AuditDecisionKind, number> = { denied: 0, warned: 0, audited: 0 };
  const rules = new Map<
    string,
    { rule: string; mode: string; denied: number; warned: number; audited: number }
  >();
  const namespaces = new Map<
    string,
    { namespace: string; denied: number; warned: number; audited: number }
  >();
  let denials: AuditDecision[] = [];
  let from: number | undefined;
  let to: number | undefined;

  return {
    add(decision) {
      if (filter.since !== undefined && decision.time < filter.since) return false;
      if (filter.namespace !== undefined && decision.namespace !== filter.namespace) return false;
      totals[decision.decision] += 1;
      from = from === undefined ? decision.time : Math.min(from, decision.time);
      to = to === undefined ? decision.time : Math.max(to, decision.time);

      const namespace = namespaces.get(decision.namespace) ?? {
        namespace: decision.namespace,
        denied: 0,
        warned: 0,
        audited: 0,
      };
      namespace[decision.decision] += 1;
      namespaces.set(decision.namespace, namespace);

      // A rule counts once per decision and outcome, however many findings it had.
      const seen = new Set<string>();
      for (const finding of decision.findings) {
        const key = JSON.stringify([finding.rule, finding.mode]);
        const column = OUTCOME_COLUMN[finding.outcome];
        if (seen.has(`${key}${column}`)) continue;
        seen.add(`${key}${column}`);
        const counts = rules.get(key) ?? {
          rule: finding.rule,
          mode: finding.mode,
          denied: 0,
          warned: 0,
          audited: 0,
        };
        counts[column] += 1;
        rules.set(key, counts);
      }

      if (decision.decision === 'denied' && latest > 0) {
        denials.push(decision);
        if (denials.length > latest * 2) denials = newestFirst(denials).slice(0, latest);
      }
      return true;
    },
    summary() {
      const total = totals.denied + totals.warned + totals.audited;
      const sum = (counts: { denied: number; warned: number; audited: number }) =>
        counts.denied + counts.warned + counts.audited;
      return {
        decisions: { total, ...totals },
        from,
        to,
        rules: [...rules.values()]
          .map((counts) => ({ ...counts }))
          .sort((a, b) => sum(b) - sum(a) || compare(a.rule, b.rule) || compare(a.mode, b.mode)),
        namespaces: [...namespaces.values()]
          .map((counts) => ({ ...counts }))
          .sort((a, b) => compare(a.namespace, b.namespace)),
        latestDenials: newestFirst(denials).slice(0, latest),
      };
    },
  };
}

function newestFirst(decisions: readonly AuditDecision[]): AuditDecision[] {
  return [...decisions].sort((a, b) => b.time - a.time || compare(a.uid, b.uid));
}

/** Code-unit order: the same on every machine, unlike localeCompare. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
