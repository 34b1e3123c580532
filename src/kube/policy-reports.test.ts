import type { DecisionRecord } from '../observability/decision-record.js';
import { memoryLogger } from '../observability/test-support/memory-logger.js';
import type { Evaluation, Finding, RuleEvaluation } from '../policy/engine.js';
import type { RuleId } from '../policy/rule-ids.js';
import {
  createPolicyReporter,
  mergeReport,
  reportResultsFor,
  type JsonObject,
  type PolicyReportObject,
  type PolicyReporterOptions,
  type ReportOutcome,
  type ReportWriter,
  type StoredReport,
} from './policy-reports.js';
import { OPENREPORTS_API, WGPOLICY_API, type ReportApi } from './report-apis.js';
import { FakeScheduler } from './test-support/fake-scheduler.js';

const NOW = Date.parse('2025-03-04T05:06:07.250Z');

const finding = (
  ruleId: RuleId,
  message: string,
  mode: Finding['mode'] = 'Enforce',
  ratcheted = false,
): Finding => ({ ruleId, mode, path: 'x', message, ratcheted });

const evaluation = (
  parts: {
    denials?: Finding[];
    warnings?: Finding[];
    audits?: Finding[];
    errored?: RuleId[];
  } = {},
): Evaluation => {
  const denials = parts.denials ?? [];
  const evaluations: RuleEvaluation[] = (parts.errored ?? []).map((ruleId) => ({
    ruleId,
    status: 'error',
    mode: 'Enforce',
    findings: [],
  }));
  return {
    allowed: denials.length === 0,
    exempt: false,
    denials,
    warnings: parts.warnings ?? [],
    audits: parts.audits ?? [],
    evaluations,
  };
};

const RESERVED = evaluation({
  denials: [finding('profile-name-reserved', 'metadata.name "kubeflow" is reserved')],
});

function record(
  options: {
    kind?: 'Profile' | 'RoleBinding';
    name?: string;
    namespace?: string;
    uid?: string;
    objectUid?: string;
    dryRun?: boolean;
    evaluation?: Evaluation | undefined;
    decision?: DecisionRecord['decision'];
    webhook?: DecisionRecord['webhook'];
    operation?: 'CREATE' | 'UPDATE' | 'DELETE';
  } = {},
): DecisionRecord {
  const kind = options.kind ?? 'Profile';
  const ev = 'evaluation' in options ? options.evaluation : RESERVED;
  const apiVersion = kind === 'Profile' ? 'kubeflow.org/v1' : 'rbac.authorization.k8s.io/v1';
  const name = options.name ?? 'kubeflow';
  return {
    webhook: options.webhook ?? 'validate',
    input: {
      uid: options.uid ?? 'req-1',
      target: kind,
      apiVersion,
      kind,
      operation: options.operation ?? 'CREATE',
      name,
      namespace: options.namespace ?? '',
      user: { username: 'alice@example.com', groups: ['system:authenticated'] },
      dryRun: options.dryRun ?? false,
      object: {
        apiVersion,
        kind,
        metadata: {
          name,
          ...(options.objectUid === undefined ? {} : { uid: options.objectUid }),
        },
      },
    },
    decision:
      options.decision ??
      (ev === undefined || ev.denials.length === 0
        ? ev !== undefined && ev.warnings.length > 0
          ? 'warned'
          : 'allowed'
        : 'denied'),
    policy: { name: 'default', generation: 1 },
    evaluation: ev,
    mutation: undefined,
    error: undefined,
    durationSeconds: 0.001,
  };
}

const LIMITS = { maxResults: 500, maxBytes: 1_000_000 };

const status = (code: number): Error => Object.assign(new Error(`HTTP ${code}`), { code });

/** An in-memory API server for the two report kinds, with resourceVersion conflicts. */
class FakeWriter implements ReportWriter {
  constructor(readonly api: ReportApi = WGPOLICY_API) {}
  readonly stored = new Map<string, JsonObject>();
  readonly calls: string[] = [];
  private version = 0;
  /** Errors thrown by the next calls of an operation, in order. */
  readonly failures: Partial<Record<'get' | 'create' | 'replace', Error[]>> = {};
  /** Runs before each replace: a concurrent writer can change the object here. */
  beforeReplace: ((namespace: string) => void) | undefined;

  get(namespace: string): Promise<StoredReport | undefined> {
    this.calls.push(`get ${namespace}`);
    const error = this.failures.get?.shift();
    if (error !== undefined) return Promise.reject(error);
    const object = this.stored.get(namespace);
    if (object === undefined) return Promise.resolve(undefined);
    const copy = structuredClone(object);
    return Promise.resolve({
      object: copy,
      results: copy.results as JsonObject[],
      resourceVersion: (copy.metadata as { resourceVersion: string }).resourceVersion,
    });
  }

  create(report: PolicyReportObject): Promise<void> {
    const namespace = report.metadata.namespace ?? '';
    this.calls.push(`create ${namespace}`);
    const error = this.failures.create?.shift();
    if (error !== undefined) return Promise.reject(error);
    if (this.stored.has(namespace)) return Promise.reject(status(409));
    this.put(namespace, report);
    return Promise.resolve();
  }

  replace(report: PolicyReportObject): Promise<void> {
    const namespace = report.metadata.namespace ?? '';
    this.calls.push(`replace ${namespace}`);
    this.beforeReplace?.(namespace);
    const error = this.failures.replace?.shift();
    if (error !== undefined) return Promise.reject(error);
    const current = this.stored.get(namespace) as
      { metadata: { resourceVersion: string } } | undefined;
    if (current === undefined) return Promise.reject(status(404));
    if (current.metadata.resourceVersion !== report.metadata.resourceVersion) {
      return Promise.reject(status(409));
    }
    this.put(namespace, report);
    return Promise.resolve();
  }

  put(namespace: string, report: JsonObject): void {
    this.version += 1;
    const copy = structuredClone(report) as { metadata: Record<string, unknown> };
    copy.metadata.resourceVersion = String(this.version);
    this.stored.set(namespace, copy);
  }

  results(namespace: string): JsonObject[] {
    return (this.stored.get(namespace)?.results ?? []) as JsonObject[];
  }
}

function setup(overrides: Partial<PolicyReporterOptions> = {}) {
  const writer = new FakeWriter();
  const scheduler = new FakeScheduler(NOW);
  const { logger, lines } = memoryLogger('info');
  const outcomes: [ReportOutcome, number][] = [];
  const reporter = createPolicyReporter({
    writer,
    logger,
    scheduler,
    onOutcome: (outcome, count) => outcomes.push([outcome, count]),
    ...overrides,
  });
  /** Lets the flush interval pass and waits for the writes it started. */
  const tick = async (ms = 5000) => {
    scheduler.advance(ms);
    await reporter.flush();
  };
  const messages = () => lines.map((line) => line.msg);
  return { writer, scheduler, reporter, outcomes, lines, messages, tick };
}

describe('reportResultsFor', () => {
  it('writes one Kyverno-shaped result per rule, with the request in properties', () => {
    const entry = reportResultsFor(
      record({
        kind: 'RoleBinding',
        name: 'evil',
        namespace: 'alice',
        uid: 'req-7',
        objectUid: 'obj-uid-7',
        evaluation: evaluation({
          denials: [
            finding('binding-group', 'subjects[0].name "system:authenticated" is forbidden'),
            finding('binding-role', 'roleRef.name "cluster-admin" is not allowed'),
            finding('binding-group', 'subjects[1].name "system:serviceaccounts" is forbidden'),
          ],
        }),
      }),
      NOW,
    );
    expect(entry).toEqual({
      namespace: 'alice',
      results: [
        {
          policy: 'default',
          rule: 'binding-group',
          result: 'fail',
          severity: 'high',
          scored: true,
          message:
            'subjects[0].name "system:authenticated" is forbidden; ' +
            'subjects[1].name "system:serviceaccounts" is forbidden',
          source: 'profile-guard',
          timestamp: { seconds: 1741064767, nanos: 250_000_000 },
          resources: [
            {
              apiVersion: 'rbac.authorization.k8s.io/v1',
              kind: 'RoleBinding',
              name: 'evil',
              namespace: 'alice',
              uid: 'obj-uid-7',
            },
          ],
          properties: {
            operation: 'CREATE',
            user: 'alice@example.com',
            decision: 'denied',
            mode: 'Enforce',
            uid: 'req-7',
            policyGeneration: '1',
          },
        },
        expect.objectContaining({
          rule: 'binding-role',
          result: 'fail',
          message: 'roleRef.name "cluster-admin" is not allowed',
        }),
      ],
    });
  });

  it('maps warnings to warn/medium, Audit to fail/low, a rule that threw to error', () => {
    const entry = reportResultsFor(
      record({
        evaluation: evaluation({
          denials: [finding('profile-owner-limit', 'internal error while evaluating the rule')],
          warnings: [
            finding('profile-owner-lowercase', 'upper case', 'Warn'),
            finding('profile-owner-format', 'was already wrong', 'Enforce', true),
          ],
          audits: [finding('profile-owner-domain', 'not example.org', 'Audit')],
          errored: ['profile-owner-limit'],
        }),
      }),
      NOW,
    );
    expect(
      entry?.results.map((r) => [
        r.rule,
        r.result,
        r.severity,
        r.scored,
        r.properties.mode,
        r.properties.ratcheted,
      ]),
    ).toEqual([
      ['profile-owner-limit', 'error', 'high', true, 'Enforce', undefined],
      ['profile-owner-lowercase', 'warn', 'medium', false, 'Warn', undefined],
      ['profile-owner-format', 'warn', 'medium', false, 'Enforce', 'true'],
      ['profile-owner-domain', 'fail', 'low', true, 'Audit', undefined],
    ]);
    expect(entry?.namespace).toBe('');
    expect(entry?.results[0]?.resources).toEqual([
      { apiVersion: 'kubeflow.org/v1', kind: 'Profile', name: 'kubeflow' },
    ]);
  });

  it('records nothing for dry runs, clean allows, mutations and internal errors', () => {
    expect(reportResultsFor(record({ dryRun: true }), NOW)).toBeUndefined();
    expect(reportResultsFor(record({ evaluation: evaluation() }), NOW)).toBeUndefined();
    expect(
      reportResultsFor(
        record({ webhook: 'mutate', evaluation: undefined, decision: 'patched' }),
        NOW,
      ),
    ).toBeUndefined();
    expect(
      reportResultsFor(record({ evaluation: undefined, decision: 'error' }), NOW),
    ).toBeUndefined();
  });

  it('truncates long messages to 1024 characters', () => {
    const long = 'x'.repeat(2000);
    const entry = reportResultsFor(
      record({ evaluation: evaluation({ denials: [finding('profile-plugin', long)] }) }),
      NOW,
    );
    expect(entry?.results[0]?.message).toBe(`${'x'.repeat(1023)}…`);
  });
});

describe('createPolicyReporter', () => {
  it('batches decisions and writes each report once per interval', async () => {
    const t = setup();
    t.reporter.onDecision(record({ uid: 'a' }));
    t.reporter.onDecision(
      record({ kind: 'RoleBinding', name: 'rb', namespace: 'alice', uid: 'b' }),
    );
    t.reporter.onDecision(record({ name: 'kube-system', uid: 'c' }));
    t.scheduler.advance(4999);
    await Promise.resolve();
    expect(t.writer.calls).toEqual([]);
    await t.tick(1);
    expect(t.writer.calls).toEqual(['get ', 'create ', 'get alice', 'create alice']);
    expect(t.writer.stored.get('')).toEqual({
      apiVersion: 'wgpolicyk8s.io/v1alpha2',
      kind: 'ClusterPolicyReport',
      metadata: {
        name: 'profile-guard',
        labels: { 'app.kubernetes.io/managed-by': 'profile-guard' },
        resourceVersion: '1',
      },
      summary: { pass: 0, fail: 2, warn: 0, error: 0, skip: 0 },
      results: [
        expect.objectContaining({ properties: expect.objectContaining({ uid: 'a' }) }),
        expect.objectContaining({ properties: expect.objectContaining({ uid: 'c' }) }),
      ],
    });
    expect(t.writer.stored.get('alice')).toMatchObject({
      kind: 'PolicyReport',
      metadata: { name: 'profile-guard', namespace: 'alice' },
      summary: { fail: 1 },
    });
    expect(t.outcomes).toEqual([
      ['written', 2],
      ['written', 1],
    ]);

    // The next decision appends to the stored report (read, then replace).
    t.reporter.onDecision(record({ uid: 'd' }));
    await t.tick();
    expect(t.writer.calls.slice(4)).toEqual(['get ', 'replace ']);
    expect(t.writer.results('').map((r) => (r.properties as { uid: string }).uid)).toEqual([
      'a',
      'c',
      'd',
    ]);
  });

  it('writes nothing for dry runs and clean allows, and schedules no timer', async () => {
    const t = setup();
    t.reporter.onDecision(record({ dryRun: true }));
    t.reporter.onDecision(record({ evaluation: evaluation() }));
    expect(t.scheduler.pending()).toEqual([]);
    await t.tick();
    expect(t.writer.calls).toEqual([]);
  });

  it('keeps the newest results: at most maxResults per report', async () => {
    const t = setup({ maxResults: 3 });
    for (const uid of ['1', '2']) t.reporter.onDecision(record({ uid }));
    await t.tick();
    for (const uid of ['3', '4', '5']) t.reporter.onDecision(record({ uid }));
    await t.tick();
    expect(t.writer.results('').map((r) => (r.properties as { uid: string }).uid)).toEqual([
      '3',
      '4',
      '5',
    ]);
    expect(t.writer.stored.get('')?.summary).toEqual({
      pass: 0,
      fail: 3,
      warn: 0,
      error: 0,
      skip: 0,
    });
  });

  it('keeps a report under maxReportBytes by dropping the oldest results', () => {
    const result = (n: number): JsonObject => ({ result: 'fail', message: 'm'.repeat(90), n });
    const size = Buffer.byteLength(JSON.stringify(result(1))) + 1;
    const merged = mergeReport('alice', undefined, [1, 2, 3, 4].map(result), {
      maxResults: 500,
      maxBytes: size * 2 + 1,
    });
    expect(merged.results.map((r) => r.n)).toEqual([3, 4]);
  });

  it('keeps the stored report’s other fields and labels on replace', () => {
    const merged = mergeReport(
      'alice',
      {
        object: {
          apiVersion: 'wgpolicyk8s.io/v1alpha2',
          kind: 'PolicyReport',
          metadata: {
            name: 'profile-guard',
            namespace: 'alice',
            labels: { team: 'x' },
            annotations: { note: 'kept' },
            resourceVersion: '9',
          },
          scope: { kind: 'Namespace', name: 'alice' },
          results: [{ result: 'warn' }],
        },
        results: [{ result: 'warn' }],
        resourceVersion: '9',
      },
      [{ result: 'error' }, { result: 'fail' }],
      { maxResults: 500, maxBytes: 1_000_000 },
    );
    expect(merged).toEqual({
      apiVersion: 'wgpolicyk8s.io/v1alpha2',
      kind: 'PolicyReport',
      metadata: {
        name: 'profile-guard',
        namespace: 'alice',
        labels: { team: 'x', 'app.kubernetes.io/managed-by': 'profile-guard' },
        annotations: { note: 'kept' },
        resourceVersion: '9',
      },
      scope: { kind: 'Namespace', name: 'alice' },
      summary: { pass: 0, fail: 1, warn: 1, error: 1, skip: 0 },
      results: [{ result: 'warn' }, { result: 'error' }, { result: 'fail' }],
    });
  });

  it('counts fail, warn and error results in the summary', async () => {
    const t = setup();
    t.reporter.onDecision(
      record({
        evaluation: evaluation({
          denials: [finding('profile-owner-limit', 'boom')],
          warnings: [finding('profile-owner-lowercase', 'upper', 'Warn')],
          audits: [
            finding('profile-owner-domain', 'domain', 'Audit'),
            finding('profile-plugin', 'plugin', 'Audit'),
          ],
          errored: ['profile-owner-limit'],
        }),
      }),
    );
    await t.tick();
    expect(t.writer.stored.get('')?.summary).toEqual({
      pass: 0,
      fail: 2,
      warn: 1,
      error: 1,
      skip: 0,
    });
  });

  it('re-reads and retries when a replace or create meets a conflict', async () => {
    const t = setup();
    t.reporter.onDecision(record({ uid: 'first' }));
    await t.tick();
    // Another replica appends between our read and our replace, once.
    let raced = false;
    t.writer.beforeReplace = (namespace) => {
      if (raced) return;
      raced = true;
      const current = t.writer.stored.get(namespace) as { results: JsonObject[] };
      t.writer.put(namespace, {
        ...current,
        results: [...current.results, { result: 'fail', properties: { uid: 'other' } }],
      });
    };
    t.reporter.onDecision(record({ uid: 'second' }));
    await t.tick();
    expect(t.writer.calls.slice(2)).toEqual(['get ', 'replace ', 'get ', 'replace ']);
    expect(t.writer.results('').map((r) => (r.properties as { uid: string }).uid)).toEqual([
      'first',
      'other',
      'second',
    ]);

    // A create that loses the race to another replica turns into a replace.
    t.writer.stored.clear();
    t.writer.failures.create = [status(409)];
    t.reporter.onDecision(record({ uid: 'third' }));
    await t.tick();
    expect(t.writer.calls.slice(6)).toEqual(['get ', 'create ', 'get ', 'create ']);
    expect(t.outcomes.map(([outcome]) => outcome)).toEqual(['written', 'written', 'written']);
  });

  it('gives up after maxAttempts conflicts, logs, and never throws', async () => {
    const t = setup({ maxAttempts: 3 });
    t.writer.failures.create = [status(409), status(409), status(409)];
    t.reporter.onDecision(record());
    await t.tick();
    expect(t.writer.calls).toEqual(['get ', 'create ', 'get ', 'create ', 'get ', 'create ']);
    expect(t.outcomes).toEqual([['failed', 1]]);
    expect(t.lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        msg: 'could not write PolicyReport',
        status: 409,
        report: 'ClusterPolicyReport profile-guard',
        results: 1,
      }),
    ]);
  });

  it('logs other failures once per power of two in a row, and goes on with other reports', async () => {
    const t = setup();
    t.writer.failures.get = [status(403), status(403), status(403)];
    t.reporter.onDecision(record());
    t.reporter.onDecision(record({ kind: 'RoleBinding', name: 'a', namespace: 'n1' }));
    t.reporter.onDecision(record({ kind: 'RoleBinding', name: 'b', namespace: 'n2' }));
    t.reporter.onDecision(record({ kind: 'RoleBinding', name: 'c', namespace: 'n3' }));
    await t.tick();
    expect(t.outcomes.map(([outcome]) => outcome)).toEqual([
      'failed',
      'failed',
      'failed',
      'written',
    ]);
    expect(t.lines.map((line) => line.report)).toEqual([
      'ClusterPolicyReport profile-guard',
      'PolicyReport n1/profile-guard',
    ]);
    expect(t.writer.stored.has('n3')).toBe(true);
  });

  it('survives a writer that throws synchronously', async () => {
    const t = setup();
    t.writer.get = () => {
      throw new Error('client exploded');
    };
    expect(() => {
      t.reporter.onDecision(record());
    }).not.toThrow();
    await t.tick();
    expect(t.messages()).toEqual(['could not write PolicyReport']);
  });

  it('bounds the number of reports waiting to be written', async () => {
    const t = setup({ maxPendingReports: 2 });
    for (const namespace of ['a', 'b', 'c', 'd']) {
      t.reporter.onDecision(record({ kind: 'RoleBinding', name: 'x', namespace }));
    }
    expect(t.outcomes).toEqual([
      ['dropped', 1],
      ['dropped', 1],
    ]);
    expect(t.messages()).toEqual([
      'PolicyReport queue full; dropping results',
      'PolicyReport queue full; dropping results',
    ]);
    await t.tick();
    expect([...t.writer.stored.keys()]).toEqual(['a', 'b']);
  });

  it('writes what is pending on stop and nothing after', async () => {
    const t = setup();
    t.reporter.onDecision(record({ uid: 'before' }));
    await t.reporter.stop();
    expect(t.writer.results('')).toHaveLength(1);
    t.reporter.onDecision(record({ uid: 'after' }));
    await t.tick();
    expect(t.writer.results('')).toHaveLength(1);
    expect(t.scheduler.pending()).toEqual([]);
  });

  it('schedules the next write when decisions arrive while writing', async () => {
    const t = setup();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered: () => void = () => undefined;
    const reading = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const original = t.writer.get.bind(t.writer);
    t.writer.get = async (namespace) => {
      entered();
      await gate;
      return original(namespace);
    };
    t.reporter.onDecision(record({ uid: 'a' }));
    t.scheduler.advance(5000);
    await reading;
    t.reporter.onDecision(record({ uid: 'b' }));
    release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.writer.results('').map((r) => (r.properties as { uid: string }).uid)).toEqual(['a']);
    expect(t.scheduler.pending()).toEqual([5000]);
    await t.tick();
    expect(t.writer.results('').map((r) => (r.properties as { uid: string }).uid)).toEqual([
      'a',
      'b',
    ]);
  });
});

describe('reports of either API', () => {
  it('writes OpenReports Report and ClusterReport objects with the report-level source', async () => {
    const openreports = new FakeWriter(OPENREPORTS_API);
    const t = setup({ writer: openreports });
    t.reporter.onDecision(record({ uid: 'a' }));
    t.reporter.onDecision(
      record({ kind: 'RoleBinding', name: 'rb', namespace: 'alice', uid: 'b' }),
    );
    await t.tick();
    expect(openreports.stored.get('')).toMatchObject({
      apiVersion: 'openreports.io/v1alpha1',
      kind: 'ClusterReport',
      source: 'profile-guard',
      results: [{ source: 'profile-guard', properties: { uid: 'a' } }],
    });
    expect(openreports.stored.get('alice')).toMatchObject({
      apiVersion: 'openreports.io/v1alpha1',
      kind: 'Report',
      source: 'profile-guard',
      metadata: { namespace: 'alice' },
      results: [{ resources: [{ kind: 'RoleBinding', name: 'rb', namespace: 'alice' }] }],
    });
    const cluster = mergeReport('', undefined, [{ result: 'fail' }], LIMITS, OPENREPORTS_API);
    expect(cluster).toEqual({
      apiVersion: 'openreports.io/v1alpha1',
      kind: 'ClusterReport',
      source: 'profile-guard',
      metadata: {
        name: 'profile-guard',
        labels: { 'app.kubernetes.io/managed-by': 'profile-guard' },
      },
      summary: { pass: 0, fail: 1, warn: 0, error: 0, skip: 0 },
      results: [{ result: 'fail' }],
    });
    expect(mergeReport('alice', undefined, [], LIMITS, OPENREPORTS_API)).toMatchObject({
      kind: 'Report',
      metadata: { namespace: 'alice' },
    });
    // wgpolicyk8s.io v1alpha2 has no report-level source: writing one would only be pruned.
    expect(mergeReport('', undefined, [], LIMITS, WGPOLICY_API)).not.toHaveProperty('source');
  });

  it('follows a writer source: waits while unknown, drops while none, switches writers', async () => {
    const openreports = new FakeWriter(OPENREPORTS_API);
    const wgpolicy = new FakeWriter(WGPOLICY_API);
    let current: ReportWriter | 'none' | 'unknown' = 'unknown';
    let notFound = 0;
    const t = setup({
      writer: {
        current: () => current,
        notFound: () => {
          notFound += 1;
        },
      },
    });

    t.reporter.onDecision(record({ uid: 'waits' }));
    await t.tick();
    expect(t.outcomes).toEqual([]);
    // Still pending: the next flush is scheduled.
    expect(t.scheduler.pending()).toEqual([5000]);

    current = wgpolicy;
    await t.tick();
    expect(wgpolicy.results('').map((r) => (r.properties as { uid: string }).uid)).toEqual([
      'waits',
    ]);

    current = 'none';
    t.reporter.onDecision(record({ uid: 'dropped-1' }));
    t.reporter.onDecision(
      record({ kind: 'RoleBinding', name: 'x', namespace: 'n', uid: 'dropped-2' }),
    );
    await t.tick();
    expect(t.outcomes.slice(1)).toEqual([['dropped', 2]]);
    expect(t.messages()).toEqual([
      'no report API served (install the OpenReports or PolicyReport CRDs); dropping results',
    ]);

    current = openreports;
    t.reporter.onDecision(record({ uid: 'switched' }));
    await t.tick();
    expect(openreports.stored.get('')).toMatchObject({
      apiVersion: 'openreports.io/v1alpha1',
      kind: 'ClusterReport',
    });
    expect(wgpolicy.results('')).toHaveLength(1);

    // A 404 (the CRD was removed) asks the source to find out again.
    openreports.failures.get = [status(404)];
    t.reporter.onDecision(record({ uid: 'gone' }));
    await t.tick();
    expect(notFound).toBe(1);
    expect(t.lines.at(-1)).toMatchObject({
      msg: 'could not write PolicyReport',
      report: 'ClusterReport profile-guard',
      status: 404,
    });
  });
});
