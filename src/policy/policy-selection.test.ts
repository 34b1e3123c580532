import { NO_CLUSTER } from './cluster-snapshot.js';
import type { LabelSelector, Policy, PolicySpec } from './policy-spec.js';
import { profileLabelsFor, selectorMatches, selectPolicy } from './policy-selection.js';
import { SnapshotIndex } from './snapshot-index.js';
import { input } from './test-support/fixtures.js';

const policy = (name: string, priority: number, selector?: LabelSelector): Policy => ({
  name,
  generation: 1,
  spec: { priority, ...(selector === undefined ? {} : { selector }) } as unknown as PolicySpec,
});

const FALLBACK = policy('embedded-default', 0);

describe('selectorMatches', () => {
  const labels = { tier: 'gold', team: 'ml' };

  it.each<[string, LabelSelector, boolean]>([
    ['empty selector', {}, true],
    ['empty lists', { matchLabels: {}, matchExpressions: [] }, true],
    ['matchLabels hit', { matchLabels: { tier: 'gold' } }, true],
    ['matchLabels miss', { matchLabels: { tier: 'silver' } }, false],
    ['matchLabels all must hold', { matchLabels: { tier: 'gold', team: 'web' } }, false],
    [
      'In hit',
      { matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'gold'] }] },
      true,
    ],
    ['In miss', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['a'] }] }, false],
    ['In absent key', { matchExpressions: [{ key: 'x', operator: 'In', values: ['a'] }] }, false],
    ['NotIn hit', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['a'] }] }, true],
    [
      'NotIn miss',
      { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['gold'] }] },
      false,
    ],
    [
      'NotIn absent key',
      { matchExpressions: [{ key: 'x', operator: 'NotIn', values: ['a'] }] },
      true,
    ],
    ['Exists', { matchExpressions: [{ key: 'team', operator: 'Exists' }] }, true],
    ['Exists miss', { matchExpressions: [{ key: 'x', operator: 'Exists' }] }, false],
    ['DoesNotExist', { matchExpressions: [{ key: 'x', operator: 'DoesNotExist' }] }, true],
    ['DoesNotExist miss', { matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] }, false],
    [
      'labels AND expressions',
      {
        matchLabels: { team: 'ml' },
        matchExpressions: [{ key: 'tier', operator: 'In', values: ['silver'] }],
      },
      false,
    ],
  ])('%s', (_name, selector, expected) => {
    expect(selectorMatches(selector, labels)).toBe(expected);
  });

  it('without a Profile only the empty selector matches', () => {
    expect(selectorMatches({}, undefined)).toBe(true);
    expect(
      selectorMatches({ matchExpressions: [{ key: 'x', operator: 'DoesNotExist' }] }, undefined),
    ).toBe(false);
  });

  it('does not read inherited properties as labels', () => {
    expect(
      selectorMatches({ matchExpressions: [{ key: 'toString', operator: 'Exists' }] }, {}),
    ).toBe(false);
  });
});

describe('selectPolicy', () => {
  const gold = policy('gold', 10, { matchLabels: { tier: 'gold' } });
  const all = policy('all', 5, {});
  const fallbackA = policy('fallback-a', 1);
  const fallbackB = policy('fallback-b', 3);

  it('returns the fallback when there are no candidates', () => {
    expect(selectPolicy([], { tier: 'gold' }, FALLBACK)).toBe(FALLBACK);
  });

  it('picks the highest priority among matching selector-policies', () => {
    expect(selectPolicy([all, gold], { tier: 'gold' }, FALLBACK)).toBe(gold);
    expect(selectPolicy([gold, all], { tier: 'silver' }, FALLBACK)).toBe(all);
  });

  it('breaks priority ties by the lexicographically smallest name', () => {
    const b = policy('b', 7, {});
    const a = policy('a', 7, {});
    const c = policy('c', 7, {});
    expect(selectPolicy([b, c, a], {}, FALLBACK)).toBe(a);
    expect(selectPolicy([c, a, b], {}, FALLBACK)).toBe(a);
  });

  it('uses selector-less policies only when no selector-policy matches', () => {
    const lowGold = policy('low-gold', -100, { matchLabels: { tier: 'gold' } });
    expect(selectPolicy([fallbackB, lowGold], { tier: 'gold' }, FALLBACK)).toBe(lowGold);
    expect(selectPolicy([fallbackB, lowGold], { tier: 'silver' }, FALLBACK)).toBe(fallbackB);
  });

  it('ranks fallbacks by priority, then name', () => {
    expect(selectPolicy([fallbackA, fallbackB], undefined, FALLBACK)).toBe(fallbackB);
    const fallbackA2 = policy('fallback-0', 1);
    expect(selectPolicy([fallbackA, fallbackA2], undefined, FALLBACK)).toBe(fallbackA2);
  });

  it('falls back when nothing matches', () => {
    expect(selectPolicy([gold], { tier: 'silver' }, FALLBACK)).toBe(FALLBACK);
    expect(selectPolicy([gold], undefined, FALLBACK)).toBe(FALLBACK);
  });

  it('applies empty selectors to requests without a Profile', () => {
    expect(selectPolicy([gold, all, fallbackB], undefined, FALLBACK)).toBe(all);
  });
});

describe('profileLabelsFor', () => {
  const cluster = SnapshotIndex.fromObjects([
    {
      apiVersion: 'kubeflow.org/v1',
      kind: 'Profile',
      metadata: { name: 'alice', labels: { tier: 'gold' } },
      spec: { owner: { kind: 'User', name: 'alice@example.com' } },
    },
    {
      apiVersion: 'kubeflow.org/v1',
      kind: 'Profile',
      metadata: { name: 'team-x', labels: { tier: 'silver' } },
      spec: { owner: { kind: 'User', name: 'bob@example.com' } },
    },
  ]);
  const profile = {
    apiVersion: 'kubeflow.org/v1',
    kind: 'Profile',
    metadata: { name: 'new', labels: { a: 'b' } },
  };

  it('uses a Profile’s own labels (the new object; the stored one on DELETE)', () => {
    expect(profileLabelsFor(input('Profile', profile), cluster)).toEqual({ a: 'b' });
    expect(profileLabelsFor(input('Profile', { metadata: { name: 'x' } }), cluster)).toEqual({});
    expect(
      profileLabelsFor(
        input('Profile', undefined, { operation: 'DELETE', oldObject: profile }),
        cluster,
      ),
    ).toEqual({ a: 'b' });
  });

  it('uses the Profile named like the namespace for namespaced objects', () => {
    const rb = { kind: 'RoleBinding', metadata: { name: 'rb', namespace: 'alice' } };
    expect(profileLabelsFor(input('RoleBinding', rb), cluster)).toEqual({ tier: 'gold' });
    const ap = { kind: 'AuthorizationPolicy', metadata: { name: 'ap', namespace: 'nobody' } };
    expect(profileLabelsFor(input('AuthorizationPolicy', ap), cluster)).toBeUndefined();
    expect(profileLabelsFor(input('RoleBinding', rb), NO_CLUSTER)).toBeUndefined();
  });

  it('uses the owning Profile of a Namespace, else the Profile of the same name', () => {
    const owned = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'alice',
        ownerReferences: [{ apiVersion: 'kubeflow.org/v1', kind: 'Profile', name: 'team-x' }],
      },
    };
    expect(profileLabelsFor(input('Namespace', owned), cluster)).toEqual({ tier: 'silver' });
    const plain = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'alice' } };
    expect(profileLabelsFor(input('Namespace', plain), cluster)).toEqual({ tier: 'gold' });
    const other = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } };
    expect(profileLabelsFor(input('Namespace', other), cluster)).toBeUndefined();
  });

  it('has no Profile for ClusterRoleBindings', () => {
    const crb = { kind: 'ClusterRoleBinding', metadata: { name: 'alice' } };
    expect(profileLabelsFor(input('ClusterRoleBinding', crb), cluster)).toBeUndefined();
  });
});
