import { memoryLogger } from '../observability/test-support/memory-logger.js';
import type { LimitRangeManifest, LimitRangeSettings } from '../policy/limit-range.js';
import { createClusterCache, type ClusterCache } from './cluster-cache.js';
import {
  createLimitRangeReconciler,
  type LimitRangeReconciler,
  type LimitRangeWriteResult,
  type LimitRangeWriter,
} from './limit-range-reconciler.js';
import { FakeScheduler } from './test-support/fake-scheduler.js';
import { FakeWatchSource } from './test-support/fake-watch-source.js';
import { WatchError } from './watch-source.js';

const ON: LimitRangeSettings = {
  enabled: true,
  defaultRequest: { cpu: '100m', memory: '256Mi' },
  defaultLimit: { cpu: '1', memory: '1Gi' },
};

const profile = (
  name: string,
  hard: Record<string, string> = { cpu: '4', memory: '16Gi' },
  labels: Record<string, string> = {},
) => ({
  apiVersion: 'kubeflow.org/v1',
  kind: 'Profile',
  metadata: { name, labels },
  spec: {
    owner: { kind: 'User', name: `${name}@example.com` },
    resourceQuotaSpec: { hard },
  },
});
/** A Profile's Namespace as the profile controller creates it: owned by the Profile. */
const namespace = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: {
    name,
    annotations: { owner: `${name}@example.com` },
    ownerReferences: [{ apiVersion: 'kubeflow.org/v1', kind: 'Profile', name, uid: `uid-${name}` }],
    ...extra,
  },
});
const limitRange = (ns: string, name: string, limits: unknown[], labels = {}) => ({
  apiVersion: 'v1',
  kind: 'LimitRange',
  metadata: { name, namespace: ns, uid: `uid-${ns}-${name}`, labels },
  spec: { limits },
});

type Stored = Record<string, unknown> & {
  metadata: { name: string; namespace: string; uid?: string; resourceVersion?: string };
  spec: { limits: Record<string, unknown>[] };
};

/**
 * An API server for LimitRanges over the fake watch source: server-side apply with the
 * ownership and optimistic-concurrency rules the reconciler relies on (a stale resourceVersion
 * is a 409; without force, an object written by someone else is a 409), and deletes with
 * preconditions. `fail` makes the next calls fail.
 */
class FakeLimitRangeApi implements LimitRangeWriter {
  readonly calls: string[] = [];
  readonly failures: Error[] = [];
  private uids = 0;

  constructor(private readonly source: FakeWatchSource) {}

  apply(manifest: LimitRangeManifest, force: boolean): Promise<unknown> {
    const { namespace, name, resourceVersion } = manifest.metadata;
    this.calls.push(`apply ${namespace}/${name} force=${String(force)}`);
    const failure = this.failures.shift();
    if (failure !== undefined) return Promise.reject(failure);
    const current = this.source.get('LimitRange', namespace, name) as Stored | undefined;
    if (resourceVersion !== undefined && current?.metadata.resourceVersion !== resourceVersion) {
      return Promise.reject(new WatchError('the object has been modified', 409));
    }
    const labels = (current?.metadata as { labels?: Record<string, string> } | undefined)?.labels;
    if (current !== undefined && !force && labels?.['app.kubernetes.io/managed-by'] === undefined) {
      return Promise.reject(new WatchError('Apply failed with 1 conflict', 409));
    }
    const { resourceVersion: _dropped, ...metadata } = manifest.metadata;
    return Promise.resolve(
      this.source.apply('LimitRange', {
        ...structuredClone(manifest),
        metadata: { ...metadata, uid: current?.metadata.uid ?? `uid-${++this.uids}` },
      }),
    );
  }

  delete(
    namespace: string,
    name: string,
    preconditions: { uid: string; resourceVersion: string },
  ): Promise<void> {
    this.calls.push(`delete ${namespace}/${name}`);
    const failure = this.failures.shift();
    if (failure !== undefined) return Promise.reject(failure);
    const current = this.source.get('LimitRange', namespace, name) as Stored | undefined;
    if (current === undefined) return Promise.resolve();
    if (
      current.metadata.uid !== preconditions.uid ||
      current.metadata.resourceVersion !== preconditions.resourceVersion
    ) {
      return Promise.reject(new WatchError('precondition failed', 409));
    }
    this.source.delete('LimitRange', current);
    return Promise.resolve();
  }
}

/** Lets promise callbacks (lists, watch opens, writes) run. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 30; i++) await Promise.resolve();
};

interface Replica {
  cache: ClusterCache;
  reconciler: LimitRangeReconciler;
  results: LimitRangeWriteResult[];
  lines: Record<string, unknown>[];
}

function setup() {
  const source = new FakeWatchSource();
  const api = new FakeLimitRangeApi(source);
  const scheduler = new FakeScheduler();
  let settings: LimitRangeSettings = ON;
  const bySelector = new Map<string, LimitRangeSettings>();
  const replicas: Replica[] = [];

  const replica = (): Replica => {
    const { logger, lines } = memoryLogger();
    const results: LimitRangeWriteResult[] = [];
    const reconciler = createLimitRangeReconciler({
      writer: api,
      logger,
      settingsFor: (labels) => bySelector.get(labels.tier ?? '') ?? settings,
      onWrite: (result) => results.push(result),
      scheduler,
      random: () => 0.5,
      backoff: { initialMs: 1000, maxMs: 8000 },
      maxAttempts: 3,
    });
    const cache = createClusterCache({
      source,
      logger,
      scheduler,
      random: () => 0.5,
      resyncMs: 0,
      alsoFeed: { Profile: reconciler.profiles, Namespace: reconciler.namespaces },
      limitRanges: reconciler.limitRanges,
    });
    const made = { cache, reconciler, results, lines };
    replicas.push(made);
    return made;
  };

  const start = async (r: Replica) => {
    await r.cache.start();
    r.reconciler.run();
    await settle();
  };
  const own = (ns: string) => source.get('LimitRange', ns, 'profile-guard-defaults') as Stored;
  const ownDefaults = (ns: string) => {
    const item = own(ns) as Stored | undefined;
    return item?.spec.limits[0];
  };
  return {
    source,
    api,
    scheduler,
    replica,
    start,
    own,
    ownDefaults,
    setSettings: (next: LimitRangeSettings) => {
      settings = next;
    },
    setSelected: (tier: string, next: LimitRangeSettings) => {
      bySelector.set(tier, next);
    },
    stopAll: async () => {
      for (const r of replicas) {
        r.reconciler.stop();
        await r.cache.stop();
      }
    },
  };
}

const REQUESTS = { type: 'Container', defaultRequest: { cpu: '100m', memory: '256Mi' } };

describe('the LimitRange reconciler', () => {
  let world: ReturnType<typeof setup>;
  beforeEach(() => {
    world = setup();
  });
  afterEach(async () => {
    await world.stopAll();
  });

  it('creates the LimitRange when the namespace of a Profile with a cpu/memory quota appears', async () => {
    const r = world.replica();
    world.source.apply('Profile', profile('alice'));
    await world.start(r);
    expect(world.api.calls).toEqual([]);

    world.source.apply('Namespace', namespace('alice'));
    await settle();

    expect(world.api.calls).toEqual(['apply alice/profile-guard-defaults force=false']);
    expect(world.own('alice')).toMatchObject({
      metadata: { labels: { 'app.kubernetes.io/managed-by': 'profile-guard' } },
      spec: { limits: [REQUESTS] },
    });
    expect(r.results).toEqual(['created']);
    expect(r.lines.map((line) => line.msg)).toContain('limit range: created');
    // The watch event of its own write changes nothing.
    await settle();
    expect(world.api.calls).toHaveLength(1);
  });

  it('writes nothing before run(), then looks at everything that existed', async () => {
    const r = world.replica();
    world.source.apply('Profile', profile('alice'));
    world.source.apply('Namespace', namespace('alice'));
    world.source.apply('Profile', profile('bob', { 'requests.memory': '1Gi' }));
    world.source.apply('Namespace', namespace('bob'));
    await r.cache.start();
    await settle();
    expect(world.api.calls).toEqual([]);

    r.reconciler.run();
    await settle();

    expect(world.api.calls.sort()).toEqual([
      'apply alice/profile-guard-defaults force=false',
      'apply bob/profile-guard-defaults force=false',
    ]);
    expect(world.ownDefaults('bob')).toEqual({
      type: 'Container',
      defaultRequest: { memory: '256Mi' },
    });
  });

  it("follows the Profile's quota as stored: added, changed, removed", async () => {
    const r = world.replica();
    world.source.apply('Profile', profile('alice', { persistentvolumeclaims: '10' }));
    world.source.apply('Namespace', namespace('alice'));
    await world.start(r);
    expect(world.own('alice')).toBeUndefined();

    world.source.apply('Profile', profile('alice', { cpu: '4', 'limits.memory': '8Gi' }));
    await settle();
    expect(world.ownDefaults('alice')).toEqual({
      type: 'Container',
      default: { memory: '1Gi' },
      defaultRequest: { cpu: '100m', memory: '256Mi' },
    });

    world.source.apply('Profile', profile('alice', { pods: '10' }));
    await settle();
    expect(world.own('alice')).toBeUndefined();
    expect(r.results).toEqual(['created', 'deleted']);
  });

  it("writes only into the Profile's own namespace: never one of its name that is someone else's", async () => {
    const r = world.replica();
    world.source.apply('Profile', profile('alice'));
    // Created by someone else before (or after) the Profile: no owner yet, then another owner.
    world.source.apply('Namespace', namespace('alice', { annotations: {}, ownerReferences: [] }));
    await world.start(r);
    world.source.apply(
      'Namespace',
      namespace('alice', { annotations: { owner: 'sam@example.com' }, ownerReferences: [] }),
    );
    await settle();
    expect(world.api.calls).toEqual([]);

    // Its owner annotation alone (an adopted namespace) makes it the Profile's.
    world.source.apply(
      'Namespace',
      namespace('alice', { annotations: { owner: 'alice@example.com' }, ownerReferences: [] }),
    );
    await settle();
    expect(world.own('alice')).toBeDefined();

    // Handed to someone else: profile-guard's LimitRange goes.
    world.source.apply(
      'Namespace',
      namespace('alice', { annotations: { owner: 'sam@example.com' }, ownerReferences: [] }),
    );
    await settle();
    expect(world.own('alice')).toBeUndefined();
    expect(r.results).toEqual(['created', 'deleted']);
  });

  it('removes it when the Profile is deleted, but the namespace stays', async () => {
    const r = world.replica();
    world.source.apply('Profile', profile('alice'));
    world.source.apply('Namespace', namespace('alice'));
    await world.start(r);
    expect(world.own('alice')).toBeDefined();

    world.source.delete('Profile', profile('alice'));
    await settle();

    expect(world.own('alice')).toBeUndefined();
    expect(world.api.calls.at(-1)).toBe('delete alice/profile-guard-defaults');
  });

  it('follows the governing policy: changed defaults are applied, off removes it', async () => {
    const r = world.replica();
    world.source.apply('Profile', profile('alice'));
    world.source.apply('Profile', profile('gpu', undefined, { tier: 'gpu' }));
    for (const name of ['alice', 'gpu']) world.source.apply('Namespace', namespace(name));
    await world.start(r);

    world.setSettings({ ...ON, defaultRequest: { cpu: '250m', memory: '512Mi' } });
    r.reconciler.policyChanged();
    await settle();
    expect(world.ownDefaults('alice')).toEqual({
      type: 'Container',
      defaultRequest: { cpu: '250m', memory: '512Mi' },
    });
    expect(world.api.calls.filter((call) => call.includes('force=true'))).toEqual([
      'apply alice/profile-guard-defaults force=true',
      'apply gpu/profile-guard-defaults force=true',
    ]);

    // A selector policy governs only the Profiles it selects.
    world.setSelected('gpu', { ...ON, enabled: false });
    r.reconciler.policyChanged();
    await settle();
    expect(world.own('gpu')).toBeUndefined();
    expect(world.own('alice')).toBeDefined();
    expect(r.results).toEqual(['created', 'created', 'updated', 'updated', 'deleted']);
  });

  it('steps back for a resource that another LimitRange defaults, and never edits that one', async () => {
    const r = world.replica();
    world.source.apply('Profile', profile('alice'));
    world.source.apply('Namespace', namespace('alice'));
    const admins = limitRange('alice', 'team-defaults', [
      { type: 'Container', default: { cpu: '2' }, defaultRequest: { cpu: '2' } },
    ]);
    world.source.apply('LimitRange', admins);
    await world.start(r);

    expect(world.ownDefaults('alice')).toEqual({
      type: 'Container',
      defaultRequest: { memory: '256Mi' },
    });

    // It covers memory too now: ours has nothing left to do and goes.
    world.source.apply(
      'LimitRange',
      limitRange('alice', 'team-defaults', [
        { type: 'Container', defaultRequest: { cpu: '2', memory: '1Gi' } },
      ]),
    );
    await settle();
    expect(world.own('alice')).toBeUndefined();

    // The admin's goes: ours covers both again.
    world.source.delete('LimitRange', admins);
    await settle();
    expect(world.ownDefaults('alice')).toEqual(REQUESTS);
    expect(world.api.calls.every((call) => call.includes('profile-guard-defaults'))).toBe(true);
  });

  it('leaves an object of its name without the managed-by label alone, and says so once', async () => {
    const r = world.replica();
    world.source.apply('Profile', profile('alice'));
    world.source.apply('Namespace', namespace('alice'));
    world.source.apply(
      'LimitRange',
      limitRange('alice', 'profile-guard-defaults', [
        { type: 'Container', defaultRequest: { cpu: '1' } },
      ]),
    );
    await world.start(r);
    world.source.apply('Profile', profile('alice', { cpu: '8', memory: '16Gi' }));
    await settle();

    expect(world.api.calls).toEqual([]);
    expect(r.lines.filter((line) => String(line.msg).includes('left alone'))).toHaveLength(1);
  });

  it('restores its LimitRange when someone edits it, applying over exactly what it saw', async () => {
    const r = world.replica();
    world.source.apply('Profile', profile('alice'));
    world.source.apply('Namespace', namespace('alice'));
    await world.start(r);
    const mine = world.own('alice');

    world.source.apply('LimitRange', {
      ...mine,
      spec: { limits: [{ type: 'Container', defaultRequest: { cpu: '5' } }] },
    });
    await settle();

    expect(world.ownDefaults('alice')).toEqual(REQUESTS);
    expect(world.api.calls.at(-1)).toBe('apply alice/profile-guard-defaults force=true');
    expect(r.results).toEqual(['created', 'updated']);
  });

  it('does nothing in a terminating namespace', async () => {
    const r = world.replica();
    world.source.apply('Profile', profile('alice'));
    world.source.apply(
      'Namespace',
      namespace('alice', { deletionTimestamp: '2030-01-01T00:00:00Z' }),
    );
    await world.start(r);
    expect(world.api.calls).toEqual([]);
  });

  it('retries a failed write with backoff, and gives up after maxAttempts until the next change', async () => {
    const r = world.replica();
    world.source.apply('Profile', profile('alice'));
    world.source.apply('Namespace', namespace('alice'));
    world.api.failures.push(new WatchError('etcdserver: timeout', 500));
    await world.start(r);
    expect(world.own('alice')).toBeUndefined();
    expect(world.scheduler.pending()).toEqual([750]);

    world.scheduler.advance(750);
    await settle();
    expect(world.own('alice')).toBeDefined();
    expect(r.results).toEqual(['error', 'created']);

    // Three failures in a row: given up, no timer left.
    world.api.failures.push(...[1, 2, 3].map(() => new WatchError('forbidden', 403)));
    world.source.apply('Profile', profile('alice', { cpu: '4' }));
    await settle();
    world.scheduler.advance(750);
    await settle();
    world.scheduler.advance(1500);
    await settle();
    expect(r.results).toEqual(['error', 'created', 'error', 'error', 'error']);
    expect(world.scheduler.pending()).toEqual([]);
    expect(r.lines.map((line) => line.msg)).toContain(
      'limit range: write failed; giving up until the namespace changes or is relisted',
    );

    // The next change tries again.
    world.source.apply('Profile', profile('alice', { cpu: '4', 'limits.cpu': '4' }));
    await settle();
    expect(world.ownDefaults('alice')).toEqual({
      type: 'Container',
      default: { cpu: '1' },
      defaultRequest: { cpu: '100m' },
    });
  });

  it('two replicas converge on one object and stop writing', async () => {
    const a = world.replica();
    const b = world.replica();
    world.source.apply('Profile', profile('alice'));
    world.source.apply('Namespace', namespace('alice'));
    await Promise.all([world.start(a), world.start(b)]);
    await settle();

    world.setSettings({ ...ON, defaultRequest: { cpu: '200m', memory: '256Mi' } });
    a.reconciler.policyChanged();
    b.reconciler.policyChanged();
    await settle();
    world.scheduler.advance(10_000);
    await settle();

    expect(world.ownDefaults('alice')).toEqual({
      type: 'Container',
      defaultRequest: { cpu: '200m', memory: '256Mi' },
    });
    const writes = world.api.calls.length;
    a.reconciler.policyChanged();
    b.reconciler.policyChanged();
    await settle();
    expect(world.api.calls).toHaveLength(writes);
    // Whoever lost a race got a 409 and looked again; nothing failed for good.
    expect([...a.results, ...b.results].filter((result) => result === 'error')).toEqual([]);
  });
});
