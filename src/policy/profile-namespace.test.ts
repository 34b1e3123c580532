import { NO_CLUSTER } from './cluster-snapshot.js';
import { clusterStateGate, isStoredObjectRun } from './cluster-state-gate.js';
import { isProfileNamespace, namespaceOwner } from './profile-namespace.js';
import { NO_SELECTOR_LABEL_KEYS, type RuleContext } from './rule.js';
import { cluster, emptySnapshot, namespace } from './test-support/cluster-fixtures.js';
import { input } from './test-support/fixtures.js';
import { testPolicy } from './test-support/test-policy.js';

describe('isProfileNamespace', () => {
  const policy = testPolicy();
  const state = cluster([
    namespace('partial', { labels: { 'app.kubernetes.io/part-of': 'other' } }),
  ]);

  it.each([
    ['alice', true, 'a Profile of that name'],
    ['labelled', true, 'the profile label'],
    ['partial', false, 'the label key with another value'],
    ['plain', false, 'an ordinary Namespace'],
    ['missing', false, 'an unknown Namespace'],
  ])('%s -> %s (%s)', (name, expected) => {
    expect(isProfileNamespace(name, policy, state)).toBe(expected);
  });

  it('needs every key/value of profileNamespaces.label, and an empty label matches nothing', () => {
    const twoKeys = testPolicy({
      profileNamespaces: { label: { 'app.kubernetes.io/part-of': 'kubeflow-profile', x: 'y' } },
    });
    expect(isProfileNamespace('labelled', twoKeys, state)).toBe(false);
    const none = { ...policy, spec: { ...policy.spec, profileNamespaces: { label: {} } } };
    expect(isProfileNamespace('plain', none, state)).toBe(false);
    expect(isProfileNamespace('alice', none, state)).toBe(true);
  });

  it('counts every namespace without cluster lookups or before the first sync', () => {
    expect(isProfileNamespace('plain', policy, NO_CLUSTER)).toBe(true);
    expect(isProfileNamespace('plain', policy, emptySnapshot('unsynced'))).toBe(true);
    expect(isProfileNamespace('plain', policy, emptySnapshot('synced'))).toBe(false);
  });
});

describe('namespaceOwner', () => {
  it('is the Profile owner, or undefined', () => {
    expect(namespaceOwner('alice', cluster())).toBe('alice@example.com');
    expect(namespaceOwner('labelled', cluster())).toBeUndefined();
  });
});

describe('clusterStateGate', () => {
  const object = { metadata: { name: 'x' } };
  const ctx = (
    state: Parameters<typeof emptySnapshot>[0],
    operation: 'CREATE' | 'UPDATE' = 'CREATE',
  ): RuleContext => {
    const request = input(
      'Profile',
      object,
      operation === 'UPDATE' ? { operation, oldObject: { metadata: { name: 'x' } } } : {},
    );
    return {
      input: request,
      object,
      oldObject: request.oldObject,
      policy: testPolicy(),
      cluster: emptySnapshot(state),
      run: 'request',
      selectorLabelKeys: NO_SELECTOR_LABEL_KEYS,
    };
  };

  it('skips with lookups off, fails closed unsynced, and lets synced/stale through', () => {
    expect(clusterStateGate(ctx('none'), 'it', 'p')).toEqual({
      status: 'skip',
      reason: 'cluster lookups are off',
    });
    expect(clusterStateGate(ctx('unsynced'), 'the thing', 'spec.x')).toEqual({
      status: 'fail',
      violations: [
        {
          path: 'spec.x',
          message: 'cluster state not synced: cannot verify the thing; retry shortly',
        },
      ],
    });
    expect(clusterStateGate(ctx('synced'), 'it', 'p')).toBeUndefined();
    expect(clusterStateGate(ctx('stale'), 'it', 'p')).toBeUndefined();
  });

  it('passes the run over the stored object of an UPDATE, so the denial is not ratcheted', () => {
    const update = ctx('unsynced', 'UPDATE');
    const storedRun = { ...update, object: update.oldObject ?? {}, run: 'stored' as const };
    expect(isStoredObjectRun(update)).toBe(false);
    expect(isStoredObjectRun(storedRun)).toBe(true);
    expect(clusterStateGate(storedRun, 'it', 'p')).toEqual({ status: 'pass' });
    expect(clusterStateGate(update, 'it', 'p')?.status).toBe('fail');
  });
});
