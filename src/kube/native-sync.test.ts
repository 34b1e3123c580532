import { pino } from 'pino';
import type { KubeObject } from '../policy/kube-object.js';
import type { NativeSyncResult } from '../observability/metrics.js';
import {
  NATIVE_FIELD_MANAGER,
  NATIVE_GENERATOR_ANNOTATION,
  NATIVE_HASH_ANNOTATION,
  NATIVE_SET_LABEL,
  compareVersions,
  createNativeSync,
  type NativeDesiredSet,
  type NativeKind,
  type NativeObjectStore,
  type NativeSyncOptions,
} from './native-sync.js';
import { FakeScheduler } from './test-support/fake-scheduler.js';

type Stored = Record<string, unknown> & {
  kind: string;
  metadata: Record<string, unknown> & { name: string; resourceVersion: string; uid: string };
};

/**
 * An in-memory API server for the two kinds: server-side apply merges our fields over what is
 * stored (and adds the defaults the real one adds), bumps resourceVersion only when something
 * changed and records the field manager's time, as the API server does.
 */
class FakeStore implements NativeObjectStore {
  readonly objects = new Map<string, Stored>();
  readonly calls: string[] = [];
  failApply = 0;
  failList = 0;
  private version = 100;
  private uid = 0;

  constructor(private readonly scheduler: FakeScheduler) {}

  list(kind: NativeKind, selector: string): Promise<readonly unknown[]> {
    this.calls.push(`list ${kind} ${selector}`);
    if (this.failList > 0) {
      this.failList -= 1;
      return Promise.reject(new Error('connection refused'));
    }
    const [label, value] = selector.split('=');
    return Promise.resolve(
      [...this.objects.values()]
        .filter(
          (object) =>
            object.kind === kind &&
            (object.metadata.labels as Record<string, string> | undefined)?.[label ?? ''] === value,
        )
        .map((object) => structuredClone(object)),
    );
  }

  apply(object: KubeObject): Promise<void> {
    const name = (object.metadata as { name: string }).name;
    this.calls.push(`apply ${String(object.kind)} ${name}`);
    if (this.failApply > 0) {
      this.failApply -= 1;
      return Promise.reject(new Error('the server is currently unable to handle the request'));
    }
    const id = `${String(object.kind)}/${name}`;
    const before = this.objects.get(id);
    const spec = { ...(object.spec as object) } as Record<string, unknown>;
    const next: Stored = {
      ...structuredClone(object),
      kind: String(object.kind),
      metadata: {
        ...structuredClone(object.metadata as object),
        name,
        uid: before?.metadata.uid ?? `uid-${++this.uid}`,
        resourceVersion: before?.metadata.resourceVersion ?? '',
        managedFields: before?.metadata.managedFields ?? [],
      },
      // What the API server defaults: must not count as a difference.
      spec: {
        ...spec,
        matchConstraints: { matchPolicy: 'Equivalent', ...(spec.matchConstraints as object) },
      },
    };
    if (before !== undefined && JSON.stringify(strip(before)) === JSON.stringify(strip(next))) {
      return Promise.resolve();
    }
    next.metadata.resourceVersion = String(++this.version);
    next.metadata.managedFields = [
      {
        manager: NATIVE_FIELD_MANAGER,
        operation: 'Apply',
        time: new Date(this.scheduler.now()).toISOString(),
      },
    ];
    this.objects.set(id, next);
    return Promise.resolve();
  }

  delete(
    kind: NativeKind,
    name: string,
    preconditions: { uid: string; resourceVersion: string },
  ): Promise<void> {
    this.calls.push(`delete ${kind} ${name}`);
    const id = `${kind}/${name}`;
    const stored = this.objects.get(id);
    if (stored === undefined) return Promise.resolve();
    if (
      stored.metadata.uid !== preconditions.uid ||
      stored.metadata.resourceVersion !== preconditions.resourceVersion
    ) {
      return Promise.reject(Object.assign(new Error('precondition failed'), { status: 409 }));
    }
    this.objects.delete(id);
    return Promise.resolve();
  }

  /** Someone else's edit (kubectl edit): no hash change, a field of ours changed. */
  edit(id: string, change: (object: Stored) => void): void {
    const object = this.objects.get(id);
    if (object === undefined) throw new Error(`no ${id}`);
    change(object);
    object.metadata.resourceVersion = String(++this.version);
  }

  put(object: Stored): void {
    this.objects.set(`${object.kind}/${object.metadata.name}`, object);
  }

  names(): string[] {
    return [...this.objects.keys()].sort();
  }
}

function strip(object: Stored): unknown {
  const { resourceVersion: _rv, managedFields: _mf, ...metadata } = object.metadata;
  return { ...object, metadata };
}

const policy = (name: string, expression: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingAdmissionPolicy',
  metadata: {
    name,
    labels: { 'app.kubernetes.io/managed-by': 'profile-guard' },
    annotations: {
      'profile-guard.io/policy': 'default',
      'profile-guard.io/policy-generation': '1',
    },
  },
  spec: {
    failurePolicy: 'Fail',
    matchConstraints: { resourceRules: [{ resources: ['profiles'] }] },
    validations: [{ expression }],
    ...extra,
  },
});

const mutation = (name: string) => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'MutatingAdmissionPolicy',
  metadata: {
    name,
    annotations: {
      'profile-guard.io/policy': 'default',
      'profile-guard.io/policy-generation': '1',
    },
  },
  spec: { mutations: [{ patchType: 'JSONPatch', jsonPatch: { expression: '[]' } }] },
});

function setup(overrides: Partial<NativeSyncOptions> = {}) {
  const scheduler = new FakeScheduler(Date.parse('2025-01-02T03:04:05.000Z'));
  const store = new FakeStore(scheduler);
  const passes: NativeSyncResult[] = [];
  const writes: string[] = [];
  let desired: NativeDesiredSet | undefined = {
    policy: { name: 'default', generation: 1 },
    objects: [policy('pg-profiles-enforce', 'true'), mutation('pg-profiles-defaults')],
  };
  const sync = createNativeSync({
    store,
    logger: pino({ level: 'silent' }),
    set: 'pg',
    version: '1.2.0',
    desired: () => desired,
    onPass: (result) => passes.push(result),
    onWrite: (operation, ok) => writes.push(`${operation}:${ok ? 'ok' : 'failed'}`),
    scheduler,
    random: () => 0.5,
    ...overrides,
  });
  return {
    scheduler,
    store,
    sync,
    passes,
    writes,
    setDesired: (next: NativeDesiredSet | undefined) => {
      desired = next;
    },
  };
}

describe('createNativeSync', () => {
  it('creates the desired objects with the set label, the hash and the writer, then rests', async () => {
    const { store, sync, passes, writes } = setup();
    sync.start();
    await sync.idle();
    expect(store.names()).toEqual([
      'MutatingAdmissionPolicy/pg-profiles-defaults',
      'ValidatingAdmissionPolicy/pg-profiles-enforce',
    ]);
    const stored = store.objects.get('ValidatingAdmissionPolicy/pg-profiles-enforce');
    expect(stored?.metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'profile-guard',
      [NATIVE_SET_LABEL]: 'pg',
    });
    expect(stored?.metadata.annotations).toMatchObject({
      'profile-guard.io/policy': 'default',
      [NATIVE_GENERATOR_ANNOTATION]: '1.2.0',
      [NATIVE_HASH_ANNOTATION]: expect.stringMatching(/^[0-9a-f]{16}$/) as unknown,
    });
    expect(store.calls).toEqual([
      'list ValidatingAdmissionPolicy profile-guard.io/native-set=pg',
      'list MutatingAdmissionPolicy profile-guard.io/native-set=pg',
      'apply ValidatingAdmissionPolicy pg-profiles-enforce',
      'apply MutatingAdmissionPolicy pg-profiles-defaults',
    ]);
    expect(passes).toEqual(['written']);
    expect(writes).toEqual(['apply:ok', 'apply:ok']);
  });

  it('writes nothing when the server already has the objects (API server defaults do not count)', async () => {
    const { store, sync, scheduler, passes } = setup();
    sync.start();
    await sync.idle();
    store.calls.length = 0;
    scheduler.advance(60_000);
    await sync.idle();
    sync.trigger();
    await sync.idle();
    expect(store.calls.filter((call) => !call.startsWith('list'))).toEqual([]);
    expect(passes).toEqual(['written', 'converged', 'converged']);
  });

  it('two replicas converge on the same objects and never undo each other', async () => {
    const a = setup();
    const b = createNativeSync({
      store: a.store,
      logger: pino({ level: 'silent' }),
      set: 'pg',
      version: '1.2.0',
      desired: () => ({
        policy: { name: 'default', generation: 1 },
        objects: [policy('pg-profiles-enforce', 'true'), mutation('pg-profiles-defaults')],
      }),
      scheduler: a.scheduler,
    });
    a.sync.start();
    b.start();
    await Promise.all([a.sync.idle(), b.idle()]);
    const versions = () =>
      [...a.store.objects.values()].map((object) => object.metadata.resourceVersion);
    const settled = versions();
    for (let i = 0; i < 5; i++) {
      a.scheduler.advance(60_000);
      b.trigger();
      await Promise.all([a.sync.idle(), b.idle()]);
    }
    expect(versions()).toEqual(settled);
  });

  it('updates an object whose generated content changed, and deletes what is no longer generated', async () => {
    const { store, sync, setDesired, passes } = setup();
    sync.start();
    await sync.idle();
    setDesired({
      policy: { name: 'default', generation: 2 },
      objects: [policy('pg-profiles-enforce', 'false')],
    });
    store.calls.length = 0;
    sync.trigger();
    await sync.idle();
    expect(store.calls.filter((call) => !call.startsWith('list'))).toEqual([
      'apply ValidatingAdmissionPolicy pg-profiles-enforce',
      'delete MutatingAdmissionPolicy pg-profiles-defaults',
    ]);
    expect(store.names()).toEqual(['ValidatingAdmissionPolicy/pg-profiles-enforce']);
    expect(store.objects.get('ValidatingAdmissionPolicy/pg-profiles-enforce')?.spec).toMatchObject({
      validations: [{ expression: 'false' }],
    });
    expect(passes).toEqual(['written', 'written']);
  });

  it('repairs a field someone else changed, and an object someone deleted, at the next pass', async () => {
    const { store, sync, scheduler } = setup();
    sync.start();
    await sync.idle();
    store.edit('ValidatingAdmissionPolicy/pg-profiles-enforce', (object) => {
      (object.spec as { validations: unknown[] }).validations = [
        { expression: 'true' },
        { expression: 'x' },
      ];
    });
    store.objects.delete('MutatingAdmissionPolicy/pg-profiles-defaults');
    store.calls.length = 0;
    scheduler.advance(60_000);
    await sync.idle();
    expect(store.calls.filter((call) => !call.startsWith('list'))).toEqual([
      'apply ValidatingAdmissionPolicy pg-profiles-enforce',
      'apply MutatingAdmissionPolicy pg-profiles-defaults',
    ]);
    expect(store.objects.get('ValidatingAdmissionPolicy/pg-profiles-enforce')?.spec).toMatchObject({
      validations: [{ expression: 'true' }],
    });
  });

  it('off (nothing desired): deletes the set, and only objects of the set named with its prefix', async () => {
    const { store, sync, setDesired } = setup();
    store.put({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: {
        name: 'other-policy',
        uid: 'u1',
        resourceVersion: '5',
        labels: { [NATIVE_SET_LABEL]: 'pg' },
      },
      spec: {},
    });
    store.put({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: 'pg-by-hand', uid: 'u2', resourceVersion: '6', labels: {} },
      spec: {},
    });
    sync.start();
    await sync.idle();
    setDesired({ policy: { name: '', generation: 0 }, objects: [] });
    sync.trigger();
    await sync.idle();
    expect(store.names()).toEqual([
      'ValidatingAdmissionPolicy/other-policy',
      'ValidatingAdmissionPolicy/pg-by-hand',
    ]);
  });

  it('waits without calling the API server while the policies in force are unknown', async () => {
    const { store, sync, scheduler, setDesired, passes } = setup();
    setDesired(undefined);
    sync.start();
    await sync.idle();
    scheduler.advance(3_000);
    await sync.idle();
    expect(store.calls).toEqual([]);
    expect(passes).toEqual([]);
    setDesired({
      policy: { name: 'default', generation: 1 },
      objects: [policy('pg-profiles-enforce', 'true')],
    });
    scheduler.advance(1_000);
    await sync.idle();
    expect(store.names()).toEqual(['ValidatingAdmissionPolicy/pg-profiles-enforce']);
    expect(passes).toEqual(['written']);
  });

  it('retries a failed pass with backoff and converges', async () => {
    const { store, sync, scheduler, passes, writes } = setup();
    store.failList = 1;
    store.failApply = 1;
    sync.start();
    await sync.idle();
    expect(passes).toEqual(['failed']);
    // 1 s, jittered into [0.5 s, 1 s] (random 0.5).
    expect(scheduler.pending()).toEqual([750]);
    scheduler.advance(750);
    await sync.idle();
    expect(passes).toEqual(['failed', 'failed']);
    expect(writes).toEqual(['apply:failed', 'apply:ok']);
    expect(scheduler.pending()).toEqual([1_500]);
    scheduler.advance(1_500);
    await sync.idle();
    expect(passes).toEqual(['failed', 'failed', 'written']);
    expect(store.names()).toHaveLength(2);
    expect(scheduler.pending()).toEqual([60_000]);
  });

  it('a call that never answers fails the pass after the call timeout, and the next pass retries', async () => {
    const { store, sync, scheduler, passes } = setup({ callTimeoutMs: 5_000 });
    const list = store.list.bind(store);
    let hang = true;
    store.list = (kind, selector) => (hang ? new Promise(() => undefined) : list(kind, selector));
    sync.start();
    scheduler.advance(5_000);
    await sync.idle();
    expect(passes).toEqual(['failed']);
    hang = false;
    scheduler.advance(750);
    await sync.idle();
    expect(passes).toEqual(['failed', 'written']);
  });

  it('coalesces triggers that arrive during a pass into one more pass', async () => {
    const { store, sync } = setup();
    sync.start();
    sync.trigger();
    sync.trigger();
    sync.trigger();
    await sync.idle();
    expect(
      store.calls.filter((call) => call.startsWith('list ValidatingAdmissionPolicy')),
    ).toHaveLength(2);
  });

  it('a failed generation (desired throws) is a failed pass, retried', async () => {
    let calls = 0;
    const { sync, passes, scheduler } = setup({
      desired: () => {
        calls += 1;
        if (calls === 1) throw new Error('boom');
        return { policy: { name: 'default', generation: 1 }, objects: [] };
      },
    });
    sync.start();
    await sync.idle();
    expect(passes).toEqual(['failed']);
    scheduler.advance(1_000);
    await sync.idle();
    expect(passes).toEqual(['failed', 'converged']);
  });

  it('refuses to write a kind or a name outside the set', async () => {
    const { sync, setDesired, passes, store } = setup();
    setDesired({
      policy: { name: 'default', generation: 1 },
      objects: [{ ...policy('pg-x', 'true'), kind: 'ValidatingAdmissionPolicyBinding' }],
    });
    sync.start();
    await sync.idle();
    setDesired({
      policy: { name: 'default', generation: 1 },
      objects: [policy('other-x', 'true')],
    });
    sync.trigger();
    await sync.idle();
    expect(passes).toEqual(['failed', 'failed']);
    expect(store.calls).toEqual([]);
  });

  describe('during a rolling upgrade (mixed profile-guard versions)', () => {
    const newer = (scheduler: FakeScheduler, store: FakeStore) => {
      const sync = createNativeSync({
        store,
        logger: pino({ level: 'silent' }),
        set: 'pg',
        version: '1.3.0',
        desired: () => ({
          policy: { name: 'default', generation: 1 },
          objects: [
            policy('pg-profiles-enforce', 'true', { auditAnnotations: [] }),
            mutation('pg-profiles-defaults'),
            policy('pg-rolebindings-enforce', 'true'),
          ],
        }),
        scheduler,
      });
      return sync;
    };

    it("an older replica leaves the newer one's objects alone (no flapping), for yieldMs", async () => {
      const old = setup();
      const next = newer(old.scheduler, old.store);
      old.sync.start();
      await old.sync.idle();
      next.start();
      await next.idle();
      const settled = JSON.stringify([...old.store.objects.values()]);
      for (let i = 0; i < 5; i++) {
        old.scheduler.advance(60_000);
        await Promise.all([old.sync.idle(), next.idle()]);
      }
      expect(JSON.stringify([...old.store.objects.values()])).toEqual(settled);
      expect(old.store.names()).toContain('ValidatingAdmissionPolicy/pg-rolebindings-enforce');
      expect(old.passes.slice(1)).toEqual(Array(5).fill('yielded'));
      // The newer replica is gone (a rollback) and wrote nothing for 10 minutes: the old one takes over.
      next.stop();
      for (let i = 0; i < 6; i++) {
        old.scheduler.advance(60_000);
        await old.sync.idle();
      }
      expect(old.store.names()).not.toContain('ValidatingAdmissionPolicy/pg-rolebindings-enforce');
      expect(
        old.store.objects.get('ValidatingAdmissionPolicy/pg-profiles-enforce')?.metadata
          .annotations,
      ).toMatchObject({ [NATIVE_GENERATOR_ANNOTATION]: '1.2.0' });
    });

    it('a policy change is written by every version', async () => {
      const old = setup();
      const next = newer(old.scheduler, old.store);
      next.start();
      await next.idle();
      old.setDesired({
        policy: { name: 'default', generation: 2 },
        objects: [policy('pg-profiles-enforce', 'false')],
      });
      old.sync.start();
      await old.sync.idle();
      expect(
        old.store.objects.get('ValidatingAdmissionPolicy/pg-profiles-enforce')?.spec,
      ).toMatchObject({ validations: [{ expression: 'false' }] });
    });
  });
});

describe('compareVersions', () => {
  it.each([
    ['1.2.3', '1.2.3', 0],
    ['1.10.0', '1.9.9', 1],
    ['0.1.0', '0.2.0', -1],
    ['v2.0.0', '1.99.99', 1],
    ['1.2.3-rc.1', '1.2.3', 0],
    ['dev', '1.0.0', 0],
    ['1.0', '1.0.0', 0],
  ])('%s vs %s: %d', (a, b, expected) => {
    expect(compareVersions(a, b)).toBe(expected);
  });
});
