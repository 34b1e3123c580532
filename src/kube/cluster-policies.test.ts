import { pino } from 'pino';
import { EMBEDDED_DEFAULT_POLICY } from '../config/default-policy.js';
import { NO_CLUSTER } from '../policy/cluster-snapshot.js';
import { SnapshotIndex } from '../policy/snapshot-index.js';
import { input } from '../policy/test-support/fixtures.js';
import {
  createClusterPolicies,
  type ClusterPoliciesOptions,
  type PolicyStatus,
  type StatusWriter,
} from './cluster-policies.js';
import { FakeScheduler } from './test-support/fake-scheduler.js';

const policyObject = (
  name: string,
  generation: number,
  spec: Record<string, unknown>,
  status?: PolicyStatus,
) => ({
  apiVersion: 'profile-guard.io/v1alpha1',
  kind: 'ProfilePolicy',
  metadata: { name, generation, resourceVersion: String(generation * 10), uid: `uid-${name}` },
  spec,
  ...(status === undefined ? {} : { status }),
});

const profile = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'kubeflow.org/v1',
  kind: 'Profile',
  metadata: { name, labels },
  spec: { owner: { kind: 'User', name: `${name}@example.com` } },
});

class RecordingWriter implements StatusWriter {
  readonly writes: { name: string; status: PolicyStatus }[] = [];
  failures = 0;
  writeStatus(name: string, status: PolicyStatus): Promise<void> {
    this.writes.push({ name, status });
    if (this.failures > 0) {
      this.failures -= 1;
      return Promise.reject(new Error('the server is currently unable to handle the request'));
    }
    return Promise.resolve();
  }
}

function setup(overrides: Partial<ClusterPoliciesOptions> = {}) {
  const writer = new RecordingWriter();
  const scheduler = new FakeScheduler(Date.parse('2025-01-02T03:04:05.000Z'));
  const reloads: string[] = [];
  const statusErrors: string[] = [];
  const activeChanges: string[][] = [];
  const policies = createClusterPolicies({
    logger: pino({ level: 'silent' }),
    statusWriter: writer,
    scheduler,
    random: () => 0.5,
    onReload: (result, name) => reloads.push(`${name}:${result}`),
    onStatusError: (name) => statusErrors.push(name),
    onActiveChange: (active) => activeChanges.push(active.map((p) => `${p.name}@${p.generation}`)),
    ...overrides,
  });
  return { writer, scheduler, policies, reloads, statusErrors, activeChanges };
}

const profileInput = (labels: Record<string, string>) =>
  input('Profile', profile('someone', labels));

describe('createClusterPolicies', () => {
  it('governs with the embedded default while there is no ProfilePolicy', () => {
    const t = setup();
    expect(t.policies.select(profileInput({}), NO_CLUSTER)).toBe(EMBEDDED_DEFAULT_POLICY);
    expect(t.policies.active()).toEqual([]);
  });

  it('puts a valid policy in force and writes Ready=True once', async () => {
    const t = setup();
    t.policies.handle({ type: 'add', object: policyObject('strict', 1, { defaultMode: 'Warn' }) });
    await t.policies.idle();

    const selected = t.policies.select(profileInput({}), NO_CLUSTER);
    expect(selected.name).toBe('strict');
    expect(selected.generation).toBe(1);
    expect(selected.spec.defaultMode).toBe('Warn');
    expect(t.writer.writes).toEqual([
      {
        name: 'strict',
        status: {
          observedGeneration: 1,
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'Accepted',
              message: 'the policy is valid and in force',
              observedGeneration: 1,
              lastTransitionTime: '2025-01-02T03:04:05.000Z',
            },
          ],
        },
      },
    ]);
    expect(t.reloads).toEqual(['strict:success']);
    expect(t.activeChanges).toEqual([['strict@1']]);
  });

  it('never writes the same status twice (no status write loops)', async () => {
    const t = setup();
    const first = policyObject('p', 1, {});
    t.policies.handle({ type: 'add', object: first });
    // The same object again before the write's own event came back.
    t.policies.handle({ type: 'update', object: first });
    await t.policies.idle();
    expect(t.writer.writes).toHaveLength(1);
    // The event caused by the status write: carries what was written.
    const written = t.writer.writes[0]!.status;
    t.policies.handle({ type: 'update', object: policyObject('p', 1, {}, written) });
    t.policies.handle({ type: 'update', object: policyObject('p', 1, {}, written) });
    await t.policies.idle();
    expect(t.writer.writes).toHaveLength(1);
    expect(t.reloads).toEqual(['p:success']);
  });

  it('does not write when the object already carries the right status (e.g. after a restart)', async () => {
    const t = setup();
    const status: PolicyStatus = {
      observedGeneration: 3,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'Accepted',
          message: 'the policy is valid and in force',
          observedGeneration: 3,
          lastTransitionTime: '2024-06-01T00:00:00Z',
        },
      ],
    };
    t.policies.handle({ type: 'add', object: policyObject('p', 3, {}, status) });
    await t.policies.idle();
    expect(t.writer.writes).toEqual([]);
    expect(t.policies.active().map((p) => p.name)).toEqual(['p']);
  });

  it('keeps the last good generation in force when an update is invalid, and reports why', async () => {
    const t = setup();
    t.policies.handle({ type: 'add', object: policyObject('p', 1, { defaultMode: 'Warn' }) });
    await t.policies.idle();
    const accepted = t.writer.writes[0]!.status;
    t.policies.handle({
      type: 'update',
      object: policyObject('p', 2, { defaultMode: 'Sometimes', priority: 'high' }, accepted),
    });
    await t.policies.idle();

    const selected = t.policies.select(profileInput({}), NO_CLUSTER);
    expect(selected.generation).toBe(1);
    expect(selected.spec.defaultMode).toBe('Warn');
    expect(t.policies.errors('p')).toEqual([
      'spec.defaultMode: must be one of Enforce, Warn, Audit',
      'spec.priority: must be an integer, got a string',
    ]);
    expect(t.writer.writes).toHaveLength(2);
    expect(t.writer.writes[1]!.status).toEqual({
      observedGeneration: 2,
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'InvalidSpec',
          message:
            'the spec is invalid (generation 1, the last valid one, stays in force): ' +
            'spec.defaultMode: must be one of Enforce, Warn, Audit; ' +
            'spec.priority: must be an integer, got a string',
          observedGeneration: 2,
          lastTransitionTime: '2025-01-02T03:04:05.000Z',
        },
      ],
    });
    expect(t.reloads).toEqual(['p:success', 'p:failure']);
    expect(t.activeChanges).toEqual([['p@1']]);

    // Fixed again: the new generation governs and Ready turns True.
    t.policies.handle({ type: 'update', object: policyObject('p', 3, { defaultMode: 'Audit' }) });
    await t.policies.idle();
    expect(t.policies.select(profileInput({}), NO_CLUSTER).generation).toBe(3);
    expect(t.policies.errors('p')).toBeUndefined();
    expect(t.writer.writes[2]!.status.conditions[0]!.status).toBe('True');
  });

  it('does not put an invalid first version in force', async () => {
    const t = setup();
    t.policies.handle({ type: 'add', object: policyObject('bad', 1, { defaultMode: 'x' }) });
    await t.policies.idle();
    expect(t.policies.select(profileInput({}), NO_CLUSTER)).toBe(EMBEDDED_DEFAULT_POLICY);
    expect(t.writer.writes[0]!.status.conditions[0]!.message).toBe(
      'the spec is invalid (not in force: no earlier generation was valid): ' +
        'spec.defaultMode: must be one of Enforce, Warn, Audit',
    );
  });

  it('refuses a ProfilePolicy that propagates the namespace opt-out label, naming the field', async () => {
    const t = setup();
    t.policies.handle({
      type: 'add',
      object: policyObject('leaky', 1, {
        profiles: { namespaceLabels: { propagate: ['team', 'profile-guard.io/ignore'] } },
      }),
    });
    await t.policies.idle();
    expect(t.policies.select(profileInput({}), NO_CLUSTER)).toBe(EMBEDDED_DEFAULT_POLICY);
    expect(t.policies.errors('leaky')).toEqual([
      expect.stringMatching(
        /^spec\.profiles\.namespaceLabels\.propagate\[1\]: "profile-guard\.io\/ignore" is one of profile-guard's own labels/,
      ),
    ]);
    expect(t.writer.writes[0]!.status.conditions[0]).toMatchObject({
      status: 'False',
      reason: 'InvalidSpec',
    });
    expect(t.reloads).toEqual(['leaky:failure']);
  });

  it('keeps lastTransitionTime while Ready does not change', async () => {
    const t = setup();
    t.policies.handle({ type: 'add', object: policyObject('p', 1, {}) });
    await t.policies.idle();
    const first = t.writer.writes[0]!.status;
    t.scheduler.advance(3_600_000);
    t.policies.handle({
      type: 'update',
      object: policyObject('p', 2, { defaultMode: 'Warn' }, first),
    });
    await t.policies.idle();
    expect(t.writer.writes[1]!.status.conditions[0]).toMatchObject({
      observedGeneration: 2,
      lastTransitionTime: '2025-01-02T03:04:05.000Z',
    });
  });

  it('falls back to the embedded default when the policy is deleted', async () => {
    const t = setup();
    t.policies.handle({ type: 'add', object: policyObject('p', 1, {}) });
    t.policies.handle({ type: 'delete', object: policyObject('p', 1, {}) });
    await t.policies.idle();
    expect(t.policies.select(profileInput({}), NO_CLUSTER)).toBe(EMBEDDED_DEFAULT_POLICY);
    expect(t.policies.active()).toEqual([]);
    expect(t.activeChanges).toEqual([['p@1'], []]);
  });

  it('selects by selector and priority over the request’s Profile', async () => {
    const t = setup();
    t.policies.handle({
      type: 'add',
      object: policyObject('everyone', 1, {
        priority: 0,
        exemptions: { groups: ['system:masters'] },
      }),
    });
    t.policies.handle({
      type: 'add',
      object: policyObject('gold', 1, {
        priority: 10,
        selector: { matchLabels: { tier: 'gold' } },
      }),
    });
    await t.policies.idle();
    const cluster = SnapshotIndex.fromObjects([profile('alice', { tier: 'gold' }), profile('bob')]);
    const binding = (ns: string) =>
      input('RoleBinding', { kind: 'RoleBinding', metadata: { name: 'rb', namespace: ns } });
    expect(t.policies.select(binding('alice'), cluster).name).toBe('gold');
    expect(t.policies.select(binding('bob'), cluster).name).toBe('everyone');
    // A Profile's own labels select only when they are stored, or set by an exempt caller.
    expect(t.policies.select(profileInput({ tier: 'gold' }), cluster).name).toBe('everyone');
    const admin = { username: 'admin', groups: ['system:masters'] };
    expect(
      t.policies.select(input('Profile', profile('x', { tier: 'gold' }), { user: admin }), cluster)
        .name,
    ).toBe('gold');
    const stored = profile('alice', { tier: 'gold' });
    const update = input('Profile', stored, { operation: 'UPDATE', oldObject: stored });
    expect(t.policies.select(update, cluster).name).toBe('gold');
    expect([...(t.policies.selectorLabelKeys?.() ?? [])]).toEqual(['tier']);
  });

  it('retries a failed status write with backoff and never throws', async () => {
    const t = setup();
    t.writer.failures = 1;
    expect(() => {
      t.policies.handle({ type: 'add', object: policyObject('p', 1, {}) });
    }).not.toThrow();
    await t.policies.idle();
    expect(t.statusErrors).toEqual(['p']);
    expect(t.writer.writes).toHaveLength(1);
    expect(t.scheduler.pending()).toEqual([1500]);
    t.scheduler.advance(1500);
    await t.policies.idle();
    expect(t.writer.writes).toHaveLength(2);
    expect(t.writer.writes[1]).toEqual(t.writer.writes[0]);
    expect(t.scheduler.pending()).toEqual([]);
    t.policies.stop();
  });

  it('keeps policies without writing status when there is no writer', async () => {
    const quiet = createClusterPolicies({ logger: pino({ level: 'silent' }) });
    quiet.handle({ type: 'add', object: policyObject('p', 1, {}) });
    await quiet.idle();
    expect(quiet.active().map((p) => p.name)).toEqual(['p']);
  });
});
