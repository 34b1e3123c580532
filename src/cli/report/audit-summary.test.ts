import type { AuditDecision, AuditFinding } from './audit-decision.js';
import { MAX_TIMELINE_BUCKETS, createAuditAccumulator } from './audit-summary.js';

const finding = (
  rule: string,
  outcome: AuditFinding['outcome'],
  mode = outcome === 'audit' ? 'Audit' : outcome === 'warn' ? 'Warn' : 'Enforce',
): AuditFinding => ({ rule, mode, outcome, message: `${rule} says no` });

const decision = (
  uid: string,
  minute: number,
  kind: AuditDecision['decision'],
  findings: AuditFinding[],
  namespace = '',
): AuditDecision => ({
  time: Date.UTC(2025, 2, 4, 5, minute),
  uid,
  decision: kind,
  operation: 'CREATE',
  user: 'alice@example.com',
  apiVersion: 'kubeflow.org/v1',
  kind: 'Profile',
  name: uid,
  namespace,
  policy: 'default',
  policyGeneration: '1',
  findings,
});

describe('createAuditAccumulator', () => {
  it('counts decisions by kind, rules by mode and outcome, namespaces', () => {
    const audit = createAuditAccumulator();
    audit.add(decision('a', 1, 'denied', [finding('binding-role', 'deny')], 'team'));
    audit.add(
      decision('b', 2, 'denied', [
        finding('binding-role', 'deny'),
        finding('profile-owner-format', 'warn', 'Enforce'),
      ]),
    );
    audit.add(decision('c', 3, 'warned', [finding('profile-owner-format', 'warn', 'Enforce')]));
    audit.add(decision('d', 4, 'audited', [finding('profile-plugin', 'audit')], 'team'));
    const summary = audit.summary();
    expect(summary.decisions).toEqual({ total: 4, denied: 2, warned: 1, audited: 1 });
    expect(summary.from).toBe(Date.UTC(2025, 2, 4, 5, 1));
    expect(summary.to).toBe(Date.UTC(2025, 2, 4, 5, 4));
    expect(summary.rules).toEqual([
      { rule: 'binding-role', mode: 'Enforce', denied: 2, warned: 0, audited: 0 },
      { rule: 'profile-owner-format', mode: 'Enforce', denied: 0, warned: 2, audited: 0 },
      { rule: 'profile-plugin', mode: 'Audit', denied: 0, warned: 0, audited: 1 },
    ]);
    expect(summary.namespaces).toEqual([
      { namespace: '', denied: 1, warned: 1, audited: 0 },
      { namespace: 'team', denied: 1, warned: 0, audited: 1 },
    ]);
    expect(summary.latestDenials.map((d) => d.uid)).toEqual(['b', 'a']);
  });

  it('filters by time and namespace', () => {
    const audit = createAuditAccumulator({ since: Date.UTC(2025, 2, 4, 5, 2), namespace: 'team' });
    expect(audit.add(decision('old', 1, 'denied', [finding('binding-role', 'deny')], 'team'))).toBe(
      false,
    );
    expect(audit.add(decision('other', 3, 'denied', [finding('binding-role', 'deny')]))).toBe(
      false,
    );
    expect(audit.add(decision('new', 2, 'denied', [finding('binding-role', 'deny')], 'team'))).toBe(
      true,
    );
    expect(audit.summary().decisions.total).toBe(1);
  });

  it('keeps only the newest denials, in any arrival order, ties by uid', () => {
    const audit = createAuditAccumulator({ latest: 3 });
    const minutes = [5, 1, 9, 3, 7, 2, 8, 9, 4, 6];
    minutes.forEach((minute, index) => {
      audit.add(decision(`u${index}`, minute, 'denied', [finding('binding-role', 'deny')]));
    });
    audit.add(decision('warned', 59, 'warned', [finding('binding-role', 'warn')]));
    expect(audit.summary().latestDenials.map((d) => d.uid)).toEqual(['u2', 'u7', 'u6']);
  });

  it('sorts rules by count, then rule id and mode', () => {
    const audit = createAuditAccumulator();
    audit.add(decision('a', 1, 'denied', [finding('b-rule', 'deny')]));
    audit.add(decision('b', 1, 'audited', [finding('b-rule', 'audit')]));
    audit.add(decision('c', 1, 'denied', [finding('a-rule', 'deny')]));
    audit.add(decision('d', 1, 'denied', [finding('c-rule', 'deny')]));
    audit.add(decision('e', 1, 'denied', [finding('c-rule', 'deny')]));
    expect(audit.summary().rules.map((r) => `${r.rule}/${r.mode}`)).toEqual([
      'c-rule/Enforce',
      'a-rule/Enforce',
      'b-rule/Audit',
      'b-rule/Enforce',
    ]);
  });

  it('draws a timeline of at most 48 buckets, widening them as the window grows', () => {
    const audit = createAuditAccumulator();
    // Three days of decisions, in no particular order: 1-minute buckets must give way.
    const times = [0, 4320, 61, 2000, 4319, 30].map(
      (minutes) => Date.UTC(2025, 2, 1) + minutes * 60_000,
    );
    times.forEach((time, index) => {
      audit.add({ ...decision(`t${index}`, 0, 'denied', [finding('binding-role', 'deny')]), time });
    });
    audit.add({
      ...decision('w', 0, 'warned', [finding('binding-role', 'warn')]),
      time: times[0] ?? 0,
    });
    const timeline = audit.summary().timeline;
    expect(timeline?.bucketMs).toBe(3 * 3_600_000);
    expect(timeline?.buckets).toBeLessThanOrEqual(MAX_TIMELINE_BUCKETS);
    expect((timeline?.start ?? 0) % (timeline?.bucketMs ?? 1)).toBe(0);
    const [series] = timeline?.series ?? [];
    expect(series?.rule).toBe('binding-role');
    expect(series?.denied.reduce((a, b) => a + b, 0)).toBe(6);
    expect(series?.warned.reduce((a, b) => a + b, 0)).toBe(1);
    expect(series?.denied[0]).toBe(3);
    expect(series?.denied.at(-1)).toBe(1);
    expect(timeline?.buckets).toBe(25);
  });
});
