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

/** Decisions by one caller, by kind. */
export interface UserCounts {
  readonly user: string;
  readonly denied: number;
  readonly warned: number;
  readonly audited: number;
}

/** A governing policy (name and generation) and the decisions it governed. */
export interface PolicyUse {
  readonly policy: string;
  /** Empty when the source did not record it. */
  readonly generation: string;
  readonly decisions: number;
  readonly first: number;
  readonly last: number;
}

/** One rule's decisions per time bucket, by what the rule did in them. */
export interface RuleSeries {
  readonly rule: string;
  readonly denied: readonly number[];
  readonly warned: readonly number[];
  readonly audited: readonly number[];
}

/**
 * Decisions over time by rule: `buckets` buckets of `bucketMs`, the first starting at `start`
 * (aligned to a multiple of `bucketMs` since the epoch). A rule counts once per decision, in the
 * column of what it did there, as in {@link AuditSummary.rules}.
 */
export interface Timeline {
  readonly start: number;
  readonly bucketMs: number;
  readonly buckets: number;
  /** One per rule id, most decisions first (ties by rule id). */
  readonly series: readonly RuleSeries[];
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
  /** By user name. */
  readonly users: readonly UserCounts[];
  /** The governing policies, the one that governed the newest decision first. */
  readonly policies: readonly PolicyUse[];
  /** Undefined when no decision was counted. */
  readonly timeline: Timeline | undefined;
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

/** A timeline has at most this many buckets; wider buckets are taken as the window grows. */
export const MAX_TIMELINE_BUCKETS = 48;

/**
 * Bucket widths, each a multiple of the one before, so that counts move to a wider bucket
 * exactly: 1 min, 5 min, 15 min, 1 h, 3 h, 6 h, 12 h, 1 d, 7 d, 28 d (then doubling).
 */
const BUCKET_LADDER_MS = [1, 5, 15, 60, 180, 360, 720, 1440, 10080, 40320].map(
  (minutes) => minutes * 60_000,
);

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
  const users = new Map<
    string,
    { user: string; denied: number; warned: number; audited: number }
  >();
  const policies = new Map<
    string,
    { policy: string; generation: string; decisions: number; first: number; last: number }
  >();
  const timeline = createTimeline();
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

      const user = users.get(decision.user) ?? {
        user: decision.user,
        denied: 0,
        warned: 0,
        audited: 0,
      };
      user[decision.decision] += 1;
      users.set(decision.user, user);

      const policyKey = JSON.stringify([decision.policy, decision.policyGeneration]);
      const policy = policies.get(policyKey) ?? {
        policy: decision.policy,
        generation: decision.policyGeneration,
        decisions: 0,
        first: decision.time,
        last: decision.time,
      };
      policy.decisions += 1;
      policy.first = Math.min(policy.first, decision.time);
      policy.last = Math.max(policy.last, decision.time);
      policies.set(policyKey, policy);

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
        timeline.add(finding.rule, column, decision.time);
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
        users: [...users.values()]
          .map((counts) => ({ ...counts }))
          .sort((a, b) => compare(a.user, b.user)),
        policies: [...policies.values()]
          .map((use) => ({ ...use }))
          .sort(
            (a, b) =>
              b.last - a.last || compare(a.policy, b.policy) || compare(a.generation, b.generation),
          ),
        timeline: timeline.summary(),
        latestDenials: newestFirst(denials).slice(0, latest),
      };
    },
  };
}

type Column = 'denied' | 'warned' | 'audited';

/**
 * Counts per rule, column and time bucket in at most {@link MAX_TIMELINE_BUCKETS} + 1 buckets:
 * when the decisions seen span more, every count moves to the next wider bucket of the ladder.
 * Memory stays bounded by the number of rules, whatever the number or order of decisions.
 */
function createTimeline() {
  let width = BUCKET_LADDER_MS[0] ?? 60_000;
  let step = 0;
  // rule -> column -> bucket index (time / width) -> count
  let counts = new Map<string, Map<Column, Map<number, number>>>();
  let lowest: number | undefined;
  let highest: number | undefined;

  const widen = (): void => {
    step += 1;
    const next = BUCKET_LADDER_MS[step] ?? width * 2;
    const factor = next / width;
    width = next;
    const moved = new Map<string, Map<Column, Map<number, number>>>();
    for (const [rule, columns] of counts) {
      const movedColumns = new Map<Column, Map<number, number>>();
      for (const [column, buckets] of columns) {
        const movedBuckets = new Map<number, number>();
        for (const [index, count] of buckets) {
          const target = Math.floor(index / factor);
          movedBuckets.set(target, (movedBuckets.get(target) ?? 0) + count);
        }
        movedColumns.set(column, movedBuckets);
      }
      moved.set(rule, movedColumns);
    }
    counts = moved;
    if (lowest !== undefined) lowest = Math.floor(lowest / factor);
    if (highest !== undefined) highest = Math.floor(highest / factor);
  };

  return {
    add(rule: string, column: Column, time: number): void {
      let index = Math.floor(time / width);
      lowest = lowest === undefined ? index : Math.min(lowest, index);
      highest = highest === undefined ? index : Math.max(highest, index);
      while (highest - lowest + 1 > MAX_TIMELINE_BUCKETS) {
        widen();
        index = Math.floor(time / width);
      }
      let columns = counts.get(rule);
      if (columns === undefined) {
        columns = new Map();
        counts.set(rule, columns);
      }
      let buckets = columns.get(column);
      if (buckets === undefined) {
        buckets = new Map();
        columns.set(column, buckets);
      }
      buckets.set(index, (buckets.get(index) ?? 0) + 1);
    },
    /** The series of every rule, most decisions first (ties by rule id). */
    summary(): Timeline | undefined {
      if (lowest === undefined || highest === undefined) return undefined;
      const first = lowest;
      const size = highest - lowest + 1;
      const series = [...counts].map(([rule, columns]): RuleSeries => {
        const row = (column: Column): number[] => {
          const values = new Array<number>(size).fill(0);
          for (const [index, count] of columns.get(column) ?? []) values[index - first] = count;
          return values;
        };
        return { rule, denied: row('denied'), warned: row('warned'), audited: row('audited') };
      });
      const total = (one: RuleSeries): number =>
        [...one.denied, ...one.warned, ...one.audited].reduce((sum, count) => sum + count, 0);
      series.sort((a, b) => total(b) - total(a) || compare(a.rule, b.rule));
      return { start: first * width, bucketMs: width, buckets: size, series };
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
