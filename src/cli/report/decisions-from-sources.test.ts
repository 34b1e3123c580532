import { mergeReport, reportResultsFor, type JsonObject } from '../../kube/policy-reports.js';
import type { DecisionRecord } from '../../observability/decision-record.js';
import { createDecisionLogger } from '../../observability/logger.js';
import { memoryLogger } from '../../observability/test-support/memory-logger.js';
import type { Evaluation, Finding } from '../../policy/engine.js';
import type { RuleId } from '../../policy/rule-ids.js';
import type { AuditDecision } from './audit-decision.js';
import { parseDecisionLogLine } from './decisions-from-log.js';
import { decisionsFromReport } from './decisions-from-reports.js';

const TIME = Date.parse('2025-03-04T05:06:07.000Z');

const finding = (
  ruleId: RuleId,
  message: string,
  mode: Finding['mode'] = 'Enforce',
  ratcheted = false,
): Finding => ({ ruleId, mode, path: 'x', message, ratcheted });

function record(
  uid: string,
  evaluation: Omit<Evaluation, 'allowed' | 'exempt' | 'evaluations'>,
  options: { namespace?: string; dryRun?: boolean; decision?: DecisionRecord['decision'] } = {},
): DecisionRecord {
  const namespace = options.namespace ?? '';
  const kind = namespace === '' ? 'Profile' : 'RoleBinding';
  const apiVersion = namespace === '' ? 'kubeflow.org/v1' : 'rbac.authorization.k8s.io/v1';
  return {
    webhook: 'validate',
    input: {
      uid,
      target: kind,
      apiVersion,
      kind,
      operation: 'UPDATE',
      name: `object-${uid}`,
      namespace,
      user: { username: 'bob@example.com', groups: [] },
      dryRun: options.dryRun ?? false,
      object: { metadata: { name: `object-${uid}` } },
    },
    decision:
      options.decision ??
      (evaluation.denials.length > 0
        ? 'denied'
        : evaluation.warnings.length > 0
          ? 'warned'
          : 'allowed'),
    policy: { name: 'strict', generation: 3 },
    evaluation: {
      ...evaluation,
      allowed: evaluation.denials.length === 0,
      exempt: false,
      evaluations: [],
    },
    mutation: undefined,
    error: undefined,
    durationSeconds: 0.002,
  };
}

const RECORDS: DecisionRecord[] = [
  record(
    'denied-1',
    {
      denials: [
        finding('binding-group', 'first group'),
        finding('binding-role', 'the role'),
        finding('binding-group', 'second group'),
      ],
      warnings: [finding('binding-user-domain', 'a domain', 'Warn')],
      audits: [finding('binding-contributor-limit', 'too many', 'Audit')],
    },
    { namespace: 'team' },
  ),
  record('warned-1', {
    denials: [],
    warnings: [finding('profile-owner-format', 'kept by ratcheting', 'Enforce', true)],
    audits: [],
  }),
  record('audited-1', {
    denials: [],
    warnings: [],
    audits: [finding('profile-plugin', 'odd', 'Audit')],
  }),
  record(
    'dry-1',
    { denials: [finding('profile-name-reserved', 'reserved')], warnings: [], audits: [] },
    { dryRun: true },
  ),
  record('clean-1', { denials: [], warnings: [], audits: [] }),
];

function fromLog(records: readonly DecisionRecord[]): AuditDecision[] {
  const { logger, lines } = memoryLogger('debug');
  const observer = createDecisionLogger(logger);
  for (const item of records) observer.onDecision(item);
  return lines.flatMap((line) => {
    // The log line's own time is the wall clock: compare everything else.
    const parsed = parseDecisionLogLine(
      JSON.stringify({ ...line, time: new Date(TIME).toISOString() }),
    );
    return parsed.type === 'decision' ? [parsed.decision] : [];
  });
}

function fromReports(records: readonly DecisionRecord[]): AuditDecision[] {
  const byNamespace = new Map<string, JsonObject[]>();
  for (const item of records) {
    const entry = reportResultsFor(item, TIME);
    if (entry === undefined) continue;
    byNamespace.set(entry.namespace, [
      ...(byNamespace.get(entry.namespace) ?? []),
      ...entry.results,
    ]);
  }
  return [...byNamespace].flatMap(
    ([namespace, results]) =>
      decisionsFromReport(
        JSON.parse(
          JSON.stringify(
            mergeReport(namespace, undefined, results, { maxResults: 500, maxBytes: 1e6 }),
          ),
        ),
      ).decisions,
  );
}

const byUid = (decisions: AuditDecision[]) =>
  [...decisions].sort((a, b) => (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));

describe('audit decisions from both sources', () => {
  it('reads a decision back from the log with one finding per rule and outcome', () => {
    expect(fromLog(RECORDS.slice(0, 1))).toEqual([
      {
        time: TIME,
        uid: 'denied-1',
        decision: 'denied',
        operation: 'UPDATE',
        user: 'bob@example.com',
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        name: 'object-denied-1',
        namespace: 'team',
        policy: 'strict',
        policyGeneration: '3',
        findings: [
          {
            rule: 'binding-group',
            mode: 'Enforce',
            outcome: 'deny',
            message: 'first group; second group',
          },
          { rule: 'binding-role', mode: 'Enforce', outcome: 'deny', message: 'the role' },
          { rule: 'binding-user-domain', mode: 'Warn', outcome: 'warn', message: 'a domain' },
          {
            rule: 'binding-contributor-limit',
            mode: 'Audit',
            outcome: 'audit',
            message: 'too many',
          },
        ],
      },
    ]);
  });

  it('reads the same decisions from PolicyReports as from the log, dry runs and clean allows in neither', () => {
    const logged = byUid(fromLog(RECORDS));
    expect(logged.map((d) => [d.uid, d.decision])).toEqual([
      ['audited-1', 'audited'],
      ['denied-1', 'denied'],
      ['warned-1', 'warned'],
    ]);
    expect(byUid(fromReports(RECORDS))).toEqual(logged);
  });

  it('classifies log lines', () => {
    expect(parseDecisionLogLine('plain text').type).toBe('other');
    expect(parseDecisionLogLine('{"broken"').type).toBe('other');
    expect(
      parseDecisionLogLine('{"webhook":"mutate","decision":"patched","findings":[]}').type,
    ).toBe('other');
    const { logger, lines } = memoryLogger('debug');
    createDecisionLogger(logger).onDecision(RECORDS[3]!);
    expect(parseDecisionLogLine(`prefix ${JSON.stringify(lines[0])}`).type).toBe('dry-run');
  });

  it('ignores results of other sources and malformed results in a report', () => {
    const contents = decisionsFromReport({
      kind: 'PolicyReport',
      metadata: { name: 'profile-guard', namespace: 'team' },
      results: [
        { source: 'kyverno', policy: 'p', result: 'fail', timestamp: { seconds: 1, nanos: 0 } },
        { source: 'profile-guard', result: 'pass', timestamp: { seconds: 1, nanos: 0 } },
        { source: 'profile-guard', result: 'fail' },
        'junk',
        {
          source: 'profile-guard',
          policy: 'default',
          rule: 'binding-role',
          result: 'error',
          message: 'internal error while evaluating the rule: boom',
          timestamp: { seconds: 1741064767, nanos: 500_000_000 },
          resources: [
            { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', name: 'rb' },
          ],
          properties: { mode: 'Enforce' },
        },
      ],
    });
    expect(contents).toEqual({
      kind: 'PolicyReport',
      results: 1,
      decisions: [
        {
          time: 1741064767500,
          uid: '',
          decision: 'denied',
          operation: '',
          user: '',
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          name: 'rb',
          namespace: 'team',
          policy: 'default',
          policyGeneration: '',
          findings: [
            {
              rule: 'binding-role',
              mode: 'Enforce',
              outcome: 'deny',
              message: 'internal error while evaluating the rule: boom',
            },
          ],
        },
      ],
    });
    expect(decisionsFromReport('nonsense')).toEqual({ kind: undefined, results: 0, decisions: [] });
  });
});
