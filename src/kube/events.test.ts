import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { DecisionRecord } from '../observability/decision-record.js';
import { NO_CLUSTER, type ClusterSnapshot } from '../policy/cluster-snapshot.js';
import type { Evaluation, Finding } from '../policy/engine.js';
import type { RuleId } from '../policy/rule-ids.js';
import { SnapshotIndex } from '../policy/snapshot-index.js';
import {
  createEventReporter,
  type EventOutcome,
  type EventReporterOptions,
  type EventSink,
  type PolicyEvent,
} from './events.js';
import { FakeScheduler } from './test-support/fake-scheduler.js';

const finding = (ruleId: RuleId, message: string, mode: Finding['mode'] = 'Enforce'): Finding => ({
  ruleId,
  mode,
  path: 'x',
  message,
  ratcheted: false,
});

const evaluation = (denials: Finding[], warnings: Finding[] = []): Evaluation => ({
  allowed: denials.length === 0,
  exempt: false,
  denials,
  warnings,
  audits: [],
  evaluations: [],
});

const record = (
  options: {
    kind?: 'Profile' | 'RoleBinding' | 'ClusterRoleBinding';
    name?: string;
    namespace?: string;
    dryRun?: boolean;
    evaluation?: Evaluation | undefined;
    decision?: DecisionRecord['decision'];
    webhook?: DecisionRecord['webhook'];
    uid?: string;
  } = {},
): DecisionRecord => {
  const kind = options.kind ?? 'Profile';
  const ev =
    'evaluation' in options
      ? options.evaluation
      : evaluation([finding('profile-name-reserved', 'metadata.name "kubeflow" is reserved')]);
  const apiVersion = kind === 'Profile' ? 'kubeflow.org/v1' : 'rbac.authorization.k8s.io/v1';
  const name = options.name ?? 'kubeflow';
  return {
    webhook: options.webhook ?? 'validate',
    input: {
      uid: 'req-1',
      target: kind,
      apiVersion,
      kind,
      operation: 'CREATE',
      name,
      namespace: options.namespace ?? '',
      user: { username: 'alice@example.com', groups: ['system:authenticated'] },
      dryRun: options.dryRun ?? false,
      object: {
        apiVersion,
        kind,
        metadata: { name, ...(options.uid === undefined ? {} : { uid: options.uid }) },
      },
    },
    decision:
      options.decision ??
      (ev === undefined
        ? 'allowed'
        : ev.denials.length > 0
          ? 'denied'
          : ev.warnings.length > 0
            ? 'warned'
            : 'allowed'),
    policy: { name: 'default', generation: 1 },
    evaluation: ev,
    mutation: undefined,
    error: undefined,
    durationSeconds: 0.001,
  };
};

class RecordingSink implements EventSink {
  readonly events: PolicyEvent[] = [];
  fail: 'reject' | 'throw' | undefined;
  create(event: PolicyEvent): Promise<void> {
    if (this.fail === 'throw') throw new Error('sink exploded');
    this.events.push(event);
    return this.fail === 'reject'
      ? Promise.reject(new Error('events is forbidden'))
      : Promise.resolve();
  }
}

function setup(
  overrides: Partial<EventReporterOptions> = {},
  cluster: ClusterSnapshot = NO_CLUSTER,
) {
  const sink = new RecordingSink();
  const scheduler = new FakeScheduler(Date.parse('2025-03-04T05:06:07.000Z'));
  const outcomes: EventOutcome[] = [];
  const lines: string[] = [];
  const logger = pino(
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push((JSON.parse(chunk.toString()) as { msg: string }).msg);
        callback();
      },
    }),
  );
  const reporter = createEventReporter({
    sink,
    logger,
    cluster: () => cluster,
    instance: 'profile-guard-7d9f-abc',
    scheduler,
    onOutcome: (outcome) => outcomes.push(outcome),
    ...overrides,
  });
  const flush = async () => {
    scheduler.advance(0);
    await reporter.idle();
  };
  return { sink, scheduler, reporter, outcomes, lines, flush };
}

describe('createEventReporter', () => {
  it('creates a PolicyViolation Event for a denied Profile, in default when it has no namespace', async () => {
    const t = setup();
    t.reporter.onDecision(record({ uid: 'uid-1' }));
    expect(t.sink.events).toEqual([]); // never synchronously
    await t.flush();
    expect(t.sink.events).toEqual([
      {
        metadata: { generateName: 'kubeflow.', namespace: 'default' },
        involvedObject: {
          apiVersion: 'kubeflow.org/v1',
          kind: 'Profile',
          name: 'kubeflow',
          uid: 'uid-1',
        },
        reason: 'PolicyViolation',
        type: 'Warning',
        message:
          'CREATE by alice@example.com denied: profile-name-reserved: metadata.name "kubeflow" is reserved',
        action: 'Admission',
        count: 1,
        firstTimestamp: '2025-03-04T05:06:07.000Z',
        lastTimestamp: '2025-03-04T05:06:07.000Z',
        source: { component: 'profile-guard', host: 'profile-guard-7d9f-abc' },
        reportingComponent: 'profile-guard',
        reportingInstance: 'profile-guard-7d9f-abc',
      },
    ]);
    expect(t.outcomes).toEqual(['created']);
  });

  it('puts a Profile’s Event into the namespace named like it when that namespace exists', async () => {
    const cluster = SnapshotIndex.fromObjects([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'alice' } },
    ]);
    const t = setup({}, cluster);
    t.reporter.onDecision(record({ name: 'alice' }));
    await t.flush();
    expect(t.sink.events[0]?.metadata.namespace).toBe('alice');
    expect(t.sink.events[0]?.involvedObject.namespace).toBe('alice');
  });

  it('puts a binding’s Event into its namespace, listing every denial', async () => {
    const t = setup();
    t.reporter.onDecision(
      record({
        kind: 'RoleBinding',
        name: 'evil',
        namespace: 'alice',
        evaluation: evaluation([
          finding('binding-group', 'subjects[0].name "system:authenticated" is forbidden'),
          finding('binding-role', 'roleRef.name "cluster-admin" is not allowed'),
        ]),
      }),
    );
    await t.flush();
    expect(t.sink.events[0]).toMatchObject({
      metadata: { namespace: 'alice', generateName: 'evil.' },
      involvedObject: { kind: 'RoleBinding', name: 'evil', namespace: 'alice' },
      message:
        'CREATE by alice@example.com denied: binding-group: subjects[0].name "system:authenticated" is forbidden; ' +
        'binding-role: roleRef.name "cluster-admin" is not allowed',
    });
  });

  it('creates a PolicyWarning (Normal) Event for warnings', async () => {
    const t = setup();
    t.reporter.onDecision(
      record({ evaluation: evaluation([], [finding('profile-owner-lowercase', 'upper', 'Warn')]) }),
    );
    await t.flush();
    expect(t.sink.events[0]).toMatchObject({
      reason: 'PolicyWarning',
      type: 'Normal',
      message: 'CREATE by alice@example.com allowed with warnings: profile-owner-lowercase: upper',
    });
  });

  it('creates nothing for dry runs, clean allows, mutations and internal errors', async () => {
    const t = setup();
    t.reporter.onDecision(record({ dryRun: true }));
    t.reporter.onDecision(record({ evaluation: evaluation([]) }));
    t.reporter.onDecision(
      record({ webhook: 'mutate', evaluation: undefined, decision: 'patched' }),
    );
    t.reporter.onDecision(record({ evaluation: undefined, decision: 'error' }));
    await t.flush();
    expect(t.sink.events).toEqual([]);
    expect(t.outcomes).toEqual([]);
  });

  it('deduplicates the same object and message within a minute', async () => {
    const t = setup();
    t.reporter.onDecision(record());
    t.reporter.onDecision(record());
    await t.flush();
    t.scheduler.advance(59_999);
    t.reporter.onDecision(record());
    await t.flush();
    expect(t.sink.events).toHaveLength(1);
    expect(t.outcomes).toEqual(['deduplicated', 'created', 'deduplicated']);

    t.reporter.onDecision(record({ name: 'kube-system' }));
    t.scheduler.advance(1);
    t.reporter.onDecision(record());
    await t.flush();
    expect(t.sink.events.map((event) => event.involvedObject.name)).toEqual([
      'kubeflow',
      'kube-system',
      'kubeflow',
    ]);
  });

  it('never throws and logs and counts failures', async () => {
    const t = setup();
    t.sink.fail = 'reject';
    expect(() => {
      t.reporter.onDecision(record());
    }).not.toThrow();
    await t.flush();
    t.sink.fail = 'throw';
    t.reporter.onDecision(record({ name: 'other' }));
    await t.flush();
    expect(t.outcomes).toEqual(['failed', 'failed']);
    expect(t.lines).toEqual(['could not create Event', 'could not create Event']);
  });

  it('survives a throwing cluster snapshot', async () => {
    const t = setup({
      cluster: () => {
        throw new Error('no snapshot');
      },
    });
    expect(() => {
      t.reporter.onDecision(record());
    }).not.toThrow();
    await t.flush();
    expect(t.lines).toEqual(['could not prepare Event']);
  });

  it('rate-limits with a token bucket and bounds the queue', async () => {
    const t = setup({ burst: 2, ratePerSecond: 1, queueSize: 3 });
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f']) t.reporter.onDecision(record({ name }));
    expect(t.outcomes).toEqual(['dropped', 'dropped', 'dropped']);
    t.scheduler.advance(0);
    await Promise.resolve();
    expect(t.sink.events.map((event) => event.involvedObject.name)).toEqual(['a', 'b']);
    t.scheduler.advance(999);
    expect(t.sink.events).toHaveLength(2);
    t.scheduler.advance(1);
    expect(t.sink.events.map((event) => event.involvedObject.name)).toEqual(['a', 'b', 'c']);
    expect(t.lines).toEqual([
      'Event queue full; dropping Events',
      'Event queue full; dropping Events',
    ]);
    await t.reporter.idle();
  });

  it('by default sends 25 at once, then 5 per second, and queues at most 1 000', async () => {
    const t = setup();
    for (let i = 0; i < 1001; i += 1) t.reporter.onDecision(record({ name: `p${i}` }));
    expect(t.outcomes).toEqual(['dropped']);
    t.scheduler.advance(0);
    await Promise.resolve();
    expect(t.sink.events).toHaveLength(25);
    t.scheduler.advance(999);
    expect(t.sink.events).toHaveLength(29);
    t.scheduler.advance(1);
    expect(t.sink.events).toHaveLength(30);
    t.reporter.stop();
  });

  it('cuts the message at 1 024 characters', async () => {
    const t = setup();
    t.reporter.onDecision(
      record({ evaluation: evaluation([finding('profile-name-reserved', 'x'.repeat(2000))]) }),
    );
    await t.flush();
    const message = t.sink.events[0]?.message ?? '';
    expect(message).toHaveLength(1024);
    expect(
      message.startsWith('CREATE by alice@example.com denied: profile-name-reserved: xxx'),
    ).toBe(true);
    expect(message.endsWith('x…')).toBe(true);
  });

  it('puts a ClusterRoleBinding’s Event into default, even when a namespace has its name', async () => {
    const cluster = SnapshotIndex.fromObjects([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'admins' } },
    ]);
    const t = setup({}, cluster);
    t.reporter.onDecision(
      record({
        kind: 'ClusterRoleBinding',
        name: 'admins',
        evaluation: evaluation([finding('binding-role', 'roleRef.name "cluster-admin"')]),
      }),
    );
    await t.flush();
    expect(t.sink.events[0]?.metadata.namespace).toBe('default');
    expect(t.sink.events[0]?.involvedObject).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      name: 'admins',
    });
  });

  it('makes a valid generateName from any object name', async () => {
    const t = setup();
    t.reporter.onDecision(record({ name: '--Bad_Name!!' }));
    t.reporter.onDecision(record({ name: '___' }));
    await t.flush();
    expect(t.sink.events.map((event) => event.metadata.generateName)).toEqual([
      'bad-name.',
      'profile-guard.',
    ]);
    expect(t.sink.events[0]?.involvedObject.name).toBe('--Bad_Name!!');
  });

  it('sends nothing after stop', async () => {
    const t = setup();
    t.reporter.onDecision(record());
    t.reporter.stop();
    t.scheduler.advance(0);
    await t.reporter.idle();
    t.reporter.onDecision(record({ name: 'x' }));
    t.scheduler.advance(0);
    expect(t.sink.events).toEqual([]);
  });
});
