import { Writable } from 'node:stream';
import { pino } from 'pino';
import {
  createClusterCache,
  type ClusterCacheOptions,
  type PolicyObjectEvent,
} from './cluster-cache.js';
import type { InformerSink } from './informer.js';
import { FakeScheduler } from './test-support/fake-scheduler.js';
import { FakeWatchSource } from './test-support/fake-watch-source.js';
import { WatchError } from './watch-source.js';

const profile = (
  name: string,
  owner = `${name}@example.com`,
  labels: Record<string, string> = {},
) => ({
  apiVersion: 'kubeflow.org/v1',
  kind: 'Profile',
  metadata: {
    name,
    labels,
    managedFields: [{ manager: 'kubectl', fieldsV1: {} }],
    uid: `uid-${name}`,
  },
  spec: { owner: { kind: 'User', name: owner } },
});
const namespace = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, annotations: { owner: `${name}@example.com` } },
});
const binding = (ns: string, name: string, user = 'bob@example.com') => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name, namespace: ns, managedFields: [{ manager: 'kfam' }] },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kubeflow-edit' },
  subjects: [{ kind: 'User', name: user }],
});
const policyObject = (name: string, generation = 1) => ({
  apiVersion: 'profile-guard.io/v1alpha1',
  kind: 'ProfilePolicy',
  metadata: { name, generation },
  spec: { defaultMode: 'Warn' },
});

/** Lets promise callbacks (list results, watch opens) run. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

function setup(overrides: Partial<ClusterCacheOptions> = {}) {
  const source = new FakeWatchSource();
  const scheduler = new FakeScheduler();
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        callback();
      },
    }),
  );
  const syncChanges: boolean[] = [];
  const counts: string[] = [];
  const policyEvents: string[] = [];
  const policyObjects: PolicyObjectEvent[] = [];
  const cache = createClusterCache({
    source,
    logger,
    scheduler,
    random: () => 0.5,
    backoff: { initialMs: 1000, maxMs: 8000 },
    resyncMs: 60_000,
    onSyncChange: (synced) => syncChanges.push(synced),
    onCounts: (kind, n) => counts.push(`${kind}=${n}`),
    onPolicyEvent: (event) => {
      policyObjects.push(event);
      policyEvents.push(
        `${event.type}:${(event.object as { metadata: { name: string } }).metadata.name}`,
      );
    },
    ...overrides,
  });
  const messages = () => lines.map((line) => String(line.msg));
  return { source, scheduler, cache, syncChanges, counts, policyEvents, policyObjects, messages };
}

describe('createClusterCache', () => {
  it('is unsynced before the first list, synced after every kind was listed', async () => {
    const t = setup();
    t.source.applySilently('Profile', profile('alice'));
    t.source.applySilently('Namespace', namespace('alice'));
    t.source.applySilently('RoleBinding', binding('alice', 'rb1'));
    t.source.applySilently('ProfilePolicy', policyObject('strict'));
    expect(t.cache.snapshot().state).toBe('unsynced');
    expect(t.cache.synced()).toBe(false);

    await t.cache.start();

    const snapshot = t.cache.snapshot();
    expect(snapshot.state).toBe('synced');
    expect(t.cache.synced()).toBe(true);
    expect(t.syncChanges).toEqual([true]);
    expect(snapshot.getProfile('alice')?.ownerName).toBe('alice@example.com');
    expect(snapshot.getNamespace('alice')?.ownerAnnotation).toBe('alice@example.com');
    expect(snapshot.roleBindingsIn('alice').map((rb) => rb.name)).toEqual(['rb1']);
    expect(t.counts.sort()).toEqual(['Namespace=1', 'Profile=1', 'RoleBinding=1']);
    expect(t.policyEvents).toEqual(['add:strict']);
    expect(t.source.watchCalls.map((call) => call.kind).sort()).toEqual([
      'Namespace',
      'Profile',
      'ProfilePolicy',
      'RoleBinding',
    ]);
    await t.cache.stop();
  });

  it('keeps lean records only (no managedFields, no spec copies)', async () => {
    const t = setup();
    t.source.applySilently('Profile', profile('alice'));
    await t.cache.start();
    t.source.apply('RoleBinding', binding('alice', 'rb'));
    expect(t.cache.snapshot().getProfile('alice')).toEqual({
      name: 'alice',
      ownerKind: 'User',
      ownerName: 'alice@example.com',
      labels: {},
      pluginIdentities: [],
    });
    const serialized = JSON.stringify([
      t.cache.snapshot().getProfile('alice'),
      t.cache.snapshot().roleBindingsIn('alice'),
    ]);
    expect(serialized).not.toContain('managedFields');
    expect(serialized).not.toContain('uid-alice');
    await t.cache.stop();
  });

  it('applies watch adds, updates and deletes, and reports counts', async () => {
    const t = setup();
    await t.cache.start();
    t.counts.length = 0;

    t.source.apply('Profile', profile('alice'));
    t.source.apply('Profile', profile('bob'));
    expect(
      t.cache
        .snapshot()
        .profilesOwnedBy('alice@example.com')
        .map((p) => p.name),
    ).toEqual(['alice']);
    t.source.apply('Profile', profile('alice', 'carol@example.com'));
    expect(t.cache.snapshot().profilesOwnedBy('alice@example.com')).toEqual([]);
    expect(t.cache.snapshot().getProfile('alice')?.ownerName).toBe('carol@example.com');
    t.source.delete('Profile', profile('bob'));
    expect(t.cache.snapshot().getProfile('bob')).toBeUndefined();

    t.source.apply('RoleBinding', binding('alice', 'rb'));
    t.source.delete('RoleBinding', binding('alice', 'rb'));
    expect(t.cache.snapshot().roleBindingsIn('alice')).toEqual([]);
    // Counts are reported when they change, not on every event.
    expect(t.counts).toEqual([
      'Profile=1',
      'Profile=2',
      'Profile=1',
      'RoleBinding=1',
      'RoleBinding=0',
    ]);
    await t.cache.stop();
  });

  it('delivers ProfilePolicy adds, updates and deletes with the raw object', async () => {
    const t = setup();
    await t.cache.start();
    t.source.apply('ProfilePolicy', policyObject('a'));
    t.source.apply('ProfilePolicy', policyObject('a', 2));
    t.source.delete('ProfilePolicy', policyObject('a'));
    expect(t.policyEvents).toEqual(['add:a', 'update:a', 'delete:a']);
    expect(
      (t.policyObjects[1]?.object as { metadata: { generation: number } }).metadata.generation,
    ).toBe(2);
    await t.cache.stop();
  });

  it('relists periodically: objects gone from the list are removed, policies deleted', async () => {
    const t = setup();
    t.source.applySilently('Profile', profile('alice'));
    t.source.applySilently('Profile', profile('bob'));
    t.source.applySilently('ProfilePolicy', policyObject('old'));
    t.source.applySilently('ProfilePolicy', policyObject('kept'));
    await t.cache.start();
    // Changes the informers never heard of (a missed delete, a missed add).
    t.source.deleteSilently('Profile', profile('bob'));
    t.source.applySilently('Profile', profile('carol'));
    t.source.deleteSilently('ProfilePolicy', policyObject('old'));
    const listsBefore = t.source.lists.length;

    t.scheduler.advance(60_000);
    await settle();

    expect(t.source.lists.length).toBe(listsBefore + 4);
    const names = ['alice', 'bob', 'carol'].filter((n) => t.cache.snapshot().getProfile(n));
    expect(names).toEqual(['alice', 'carol']);
    expect(t.policyEvents).toEqual(['add:old', 'add:kept', 'delete:old']);
    expect(t.cache.snapshot().state).toBe('synced');
    await t.cache.stop();
  });

  it('goes stale when a watch breaks and synced again once it reopens', async () => {
    const t = setup();
    await t.cache.start();
    t.source.apply('Profile', profile('alice'));

    t.source.endWatches('RoleBinding', new Error('connection reset'));
    expect(t.cache.snapshot().state).toBe('stale');
    expect(t.cache.synced()).toBe(true);
    expect(t.syncChanges).toEqual([true, false]);
    expect(t.messages()).toContain(
      'cluster cache: watch broke; decisions use the last known state until it recovers',
    );
    // Decisions go on with the last state.
    expect(t.cache.snapshot().getProfile('alice')?.name).toBe('alice');

    // The reopen fails too: backoff doubles (jitter at 0.5 → 3/4 of the capped delay).
    t.source.failNextWatch('RoleBinding', new Error('connection refused'));
    expect(t.scheduler.pending()[0]).toBe(750);
    t.scheduler.advance(750);
    await settle();
    expect(t.cache.snapshot().state).toBe('stale');
    expect(t.scheduler.pending()[0]).toBe(1500);

    t.scheduler.advance(1500);
    await settle();
    expect(t.cache.snapshot().state).toBe('synced');
    expect(t.syncChanges).toEqual([true, false, true]);
    expect(t.source.openWatches('RoleBinding')).toBe(1);
    expect(t.messages()).toContain('cluster cache: synced');
    await t.cache.stop();
  });

  it('caps the backoff', async () => {
    const t = setup();
    await t.cache.start();
    for (let i = 0; i < 6; i++) t.source.failNextWatch('Namespace', new Error('refused'));
    t.source.endWatches('Namespace', new Error('reset'));
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const delay = t.scheduler.pending()[0]!;
      delays.push(delay);
      t.scheduler.advance(delay);
      await settle();
    }
    expect(delays).toEqual([750, 1500, 3000, 6000, 6000, 6000]);
    await t.cache.stop();
  });

  it('by default relists every 10 minutes and backs off from 0.5 s, doubling, to 30 s', async () => {
    const source = new FakeWatchSource();
    const scheduler = new FakeScheduler();
    const logger = pino({ level: 'silent' });
    const cache = createClusterCache({ source, logger, scheduler, random: () => 0.5 });
    await cache.start();
    expect(scheduler.pending()).toEqual([600_000, 600_000, 600_000, 600_000]);
    for (let i = 0; i < 8; i++) source.failNextWatch('Namespace', new Error('refused'));
    source.endWatches('Namespace', new Error('reset'));
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const delay = scheduler.pending()[0]!;
      delays.push(delay);
      scheduler.advance(delay);
      await settle();
    }
    // Jitter at 0.5 → 3/4 of 500, 1 000, … capped at 30 000.
    expect(delays).toEqual([375, 750, 1500, 3000, 6000, 12_000, 22_500, 22_500]);
    await cache.stop();
  });

  it('by default lists a kind the API server does not serve again every 30 s', async () => {
    const source = new FakeWatchSource();
    const scheduler = new FakeScheduler();
    const logger = pino({ level: 'silent' });
    const cache = createClusterCache({ source, logger, scheduler });
    source.failNextList('ProfilePolicy', new WatchError('not found', 404));
    source.failNextList('ProfilePolicy', new WatchError('not found', 404));
    await cache.start();
    expect(scheduler.pending()).toEqual([30_000, 600_000, 600_000, 600_000]);
    scheduler.advance(30_000);
    await settle();
    expect(scheduler.pending()[0]).toBe(30_000);
    await cache.stop();
  });

  it('reopens a normally closed watch at once, from the last resourceVersion, without going stale', async () => {
    const t = setup();
    await t.cache.start();
    t.source.apply('Namespace', namespace('a'));
    t.source.bookmark('Namespace');
    const bookmarked = t.source.watchCalls.length;
    t.source.endWatches('Namespace');
    expect(t.cache.snapshot().state).toBe('synced');
    t.scheduler.advance(0);
    await settle();
    const reopened = t.source.watchCalls.slice(bookmarked);
    expect(reopened).toHaveLength(1);
    // The bookmark's version (one past the namespace's) is where the new watch starts.
    const namespaceVersion = Number((await t.source.list('Namespace')).resourceVersion);
    expect(reopened[0]).toEqual({ kind: 'Namespace', resourceVersion: String(namespaceVersion) });
    expect(t.syncChanges).toEqual([true]);
    await t.cache.stop();
  });

  it.each([
    ['410 Gone', new WatchError('Expired', 410)],
    ['resourceVersion too old', new Error('too old resource version: 5 (100)')],
  ])('relists on %s', async (_name, error) => {
    const t = setup();
    t.source.applySilently('Profile', profile('alice'));
    await t.cache.start();
    t.source.deleteSilently('Profile', profile('alice'));
    t.source.applySilently('Profile', profile('dave'));
    const profileLists = () => t.source.lists.filter((kind) => kind === 'Profile').length;
    expect(profileLists()).toBe(1);

    t.source.endWatches('Profile', error);
    t.scheduler.advance(0);
    await settle();

    expect(profileLists()).toBe(2);
    expect(t.cache.snapshot().getProfile('alice')).toBeUndefined();
    expect(t.cache.snapshot().getProfile('dave')?.name).toBe('dave');
    expect(t.cache.snapshot().state).toBe('synced');
    expect(t.source.openWatches('Profile')).toBe(1);
    await t.cache.stop();
  });

  it('retries a failing first list with backoff and stays unsynced meanwhile', async () => {
    const t = setup();
    t.source.failNextList('RoleBinding', new Error('connection refused'));
    let resolved = false;
    const started = t.cache.start().then(() => {
      resolved = true;
    });
    await settle();
    expect(resolved).toBe(false);
    expect(t.cache.snapshot().state).toBe('unsynced');
    expect(t.cache.synced()).toBe(false);
    expect(t.messages()).toContain('cluster cache: list failed; retrying');

    t.scheduler.advance(750);
    await started;
    expect(t.cache.snapshot().state).toBe('synced');
    await t.cache.stop();
  });

  it('rejects start when RBAC forbids listing, and stops', async () => {
    const t = setup();
    t.source.failNextList('RoleBinding', new WatchError('forbidden', 403));
    await expect(t.cache.start()).rejects.toThrow(
      /cannot list RoleBinding objects \(HTTP 403\): check the credentials and that RBAC grants list and watch on RoleBinding/,
    );
    expect(t.scheduler.pending()).toEqual([]);
    expect(t.cache.synced()).toBe(false);
  });

  it('feeds further readers of Profiles and Namespaces from the same informers', async () => {
    const seen: string[] = [];
    const reader = (kind: string): InformerSink<unknown> => ({
      prepare: (object) => {
        const name = (object as { metadata: { name: string } }).metadata.name;
        return name.startsWith('skip') ? undefined : name;
      },
      replace: (items) => seen.push(`${kind} replace ${items.join(',')}`),
      upsert: (item) => seen.push(`${kind} upsert ${String(item)}`),
      remove: (object) =>
        seen.push(`${kind} remove ${(object as { metadata: { name: string } }).metadata.name}`),
    });
    const t = setup({ alsoFeed: { Profile: reader('Profile'), Namespace: reader('Namespace') } });
    t.source.apply('Profile', profile('alice'));
    t.source.apply('Namespace', namespace('alice'));
    await t.cache.start();
    t.source.apply('Profile', profile('bob'));
    t.source.apply('Namespace', namespace('skip-me'));
    t.source.delete('Profile', profile('alice'));
    await settle();

    expect(seen).toEqual([
      'Profile replace alice',
      'Namespace replace alice',
      'Profile upsert bob',
      'Namespace remove skip-me',
      'Profile remove alice',
    ]);
    // The snapshot keeps what the reader does not.
    expect(t.cache.snapshot().getNamespace('skip-me')).toBeDefined();
    expect(t.source.lists.filter((kind) => kind === 'Profile')).toEqual(['Profile']);
    await t.cache.stop();
  });

  it('lists LimitRanges for a reader without letting them decide readiness', async () => {
    const items: unknown[] = [];
    const sink: InformerSink<unknown> = {
      prepare: (object) => object,
      replace: (list) => items.push(...list),
      upsert: (item) => items.push(item),
      remove: () => undefined,
    };
    const t = setup({ limitRanges: sink });
    t.source.apply('LimitRange', {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'l', namespace: 'alice' },
    });
    await t.cache.start();
    expect(items).toHaveLength(1);
    expect(t.syncChanges).toEqual([true]);

    t.source.endWatches('LimitRange', new Error('connection reset'));
    await settle();
    expect(t.cache.snapshot().state).toBe('synced');
    expect(t.syncChanges).toEqual([true]);
    await t.cache.stop();
    expect(t.source.openWatches('LimitRange')).toBe(0);
  });

  it('rejects start when RBAC forbids listing LimitRanges', async () => {
    const t = setup({
      limitRanges: {
        prepare: () => undefined,
        replace: () => undefined,
        upsert: () => undefined,
        remove: () => undefined,
      },
    });
    t.source.failNextList('LimitRange', new WatchError('forbidden', 403));
    await expect(t.cache.start()).rejects.toThrow(/cannot list LimitRange objects \(HTTP 403\)/);
    expect(t.scheduler.pending()).toEqual([]);
  });

  it('treats a kind the API server does not serve (404) as empty and relists later', async () => {
    const t = setup();
    t.source.failNextList('ProfilePolicy', new WatchError('not found', 404));
    await t.cache.start();
    expect(t.cache.snapshot().state).toBe('synced');
    expect(t.source.watchCalls.filter((call) => call.kind === 'ProfilePolicy')).toEqual([]);
    expect(t.messages()).toContain(
      'cluster cache: the API server does not serve this kind; treating it as empty',
    );
    t.source.applySilently('ProfilePolicy', policyObject('late'));
    t.scheduler.advance(8000);
    await settle();
    expect(t.policyEvents).toEqual(['add:late']);
    expect(t.source.openWatches('ProfilePolicy')).toBe(1);
    await t.cache.stop();
  });

  it('keeps watching when a periodic relist fails', async () => {
    const t = setup();
    await t.cache.start();
    t.source.failNextList('Namespace', new Error('timeout'));
    t.scheduler.advance(60_000);
    await settle();
    expect(t.cache.snapshot().state).toBe('synced');
    expect(t.messages()).toContain('cluster cache: periodic relist failed; the watch goes on');
    t.source.apply('Namespace', namespace('still-watched'));
    expect(t.cache.snapshot().getNamespace('still-watched')?.name).toBe('still-watched');
    await t.cache.stop();
  });

  it('stops watching and scheduling on stop', async () => {
    const t = setup();
    await t.cache.start();
    await t.cache.stop();
    expect(t.scheduler.pending()).toEqual([]);
    for (const kind of ['Profile', 'Namespace', 'RoleBinding', 'ProfilePolicy'] as const) {
      expect(t.source.openWatches(kind)).toBe(0);
    }
    t.source.apply('Profile', profile('late'));
    expect(t.cache.snapshot().getProfile('late')).toBeUndefined();
  });

  it('isolates a throwing ProfilePolicy handler', async () => {
    const t = setup({
      onPolicyEvent: () => {
        throw new Error('boom');
      },
    });
    t.source.applySilently('ProfilePolicy', policyObject('x'));
    await t.cache.start();
    expect(t.messages()).toContain('cluster cache: ProfilePolicy handler failed');
    await t.cache.stop();
  });
});
