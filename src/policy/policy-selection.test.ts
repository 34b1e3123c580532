import { NO_CLUSTER } from './cluster-snapshot.js';
import type { LabelSelector, Policy, PolicySpec } from './policy-spec.js';
import {
  changedLabelKeys,
  guardedLabelKeys,
  profileLabelsFor,
  selectPolicyFor,
  selectorLabelKeys,
  selectorMatches,
  selectPolicy,
  selectingProvider,
  withInjectedLabels,
} from './policy-selection.js';
import type { Operation, UserInfo } from './request.js';
import { SnapshotIndex } from './snapshot-index.js';
import { input } from './test-support/fixtures.js';
import { testPolicy } from './test-support/test-policy.js';

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

describe('selectorLabelKeys, withInjectedLabels, changedLabelKeys', () => {
  it('collects the keys of matchLabels and of every expression', () => {
    const keys = selectorLabelKeys([
      policy('a', 1, { matchLabels: { tier: 'x' } }),
      policy('b', 1, { matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] }),
      policy('c', 1),
    ]);
    expect([...keys].sort()).toEqual(['team', 'tier']);
  });

  it('adds only the missing injected labels, keeping existing values', () => {
    const injecting = testPolicy({ profiles: { labels: { a: '1', b: '2' } } });
    expect(withInjectedLabels({ a: 'mine' }, injecting)).toMatchObject({ a: 'mine', b: '2' });
    const same = { a: 'x', b: 'y', 'app.kubernetes.io/part-of': 'p' };
    expect(withInjectedLabels(same, injecting)).toBe(same);
  });

  it('reports added, removed and changed keys, and only selector keys', () => {
    const keys = new Set(['a', 'b', 'c', 'd']);
    expect(
      changedLabelKeys(keys, { a: '1', b: '2', d: '4', z: '1' }, { a: '1', b: '3', c: '', z: '2' }),
    ).toEqual(['b', 'c', 'd']);
  });
});

describe('selectPolicyFor: no tenant picks her own policy', () => {
  const ADMINS = { exemptions: { users: [], groups: ['system:masters'], serviceAccounts: [] } };
  const strict = { ...testPolicy(ADMINS), name: 'strict' };
  const lenient = {
    ...testPolicy({ ...ADMINS, defaultMode: 'Warn', selector: { matchLabels: { tier: 'dev' } } }),
    name: 'lenient',
    spec: {
      ...testPolicy({ ...ADMINS, defaultMode: 'Warn' }).spec,
      selector: { matchLabels: { tier: 'dev' } },
      priority: 10,
    },
  };
  const noTeam = {
    ...testPolicy(ADMINS),
    name: 'no-team',
    spec: {
      ...testPolicy({ ...ADMINS, defaultMode: 'Audit' }).spec,
      selector: { matchExpressions: [{ key: 'team', operator: 'In' as const, values: ['ml'] }] },
      priority: 5,
    },
  };
  const candidates = [strict, lenient, noTeam];
  const ALICE: UserInfo = { username: 'alice@example.com', groups: ['system:authenticated'] };
  const ADMIN: UserInfo = { username: 'root', groups: ['system:masters'] };
  const profile = (labels: Record<string, string>) => ({
    apiVersion: 'kubeflow.org/v1',
    kind: 'Profile',
    metadata: { name: 'alice', labels },
    spec: { owner: { kind: 'User', name: 'alice@example.com' } },
  });
  const select = (
    operation: Operation,
    stored: Record<string, string> | undefined,
    next: Record<string, string> | undefined,
    user: UserInfo = ALICE,
  ) =>
    selectPolicyFor(
      candidates,
      input('Profile', next === undefined ? undefined : profile(next), {
        operation,
        user,
        ...(stored === undefined ? {} : { oldObject: profile(stored) }),
      }),
      NO_CLUSTER,
      FALLBACK,
    ).name;

  it.each<
    [
      string,
      Operation,
      Record<string, string> | undefined,
      Record<string, string> | undefined,
      UserInfo,
      string,
    ]
  >([
    ['a plain CREATE', 'CREATE', undefined, {}, ALICE, 'strict'],
    ['a CREATE that labels itself lenient', 'CREATE', undefined, { tier: 'dev' }, ALICE, 'strict'],
    ['a CREATE that sets an In label', 'CREATE', undefined, { team: 'ml' }, ALICE, 'strict'],
    [
      'an admin CREATE with a selector label',
      'CREATE',
      undefined,
      { tier: 'dev' },
      ADMIN,
      'lenient',
    ],
    ['an UPDATE adding the lenient label', 'UPDATE', {}, { tier: 'dev' }, ALICE, 'strict'],
    [
      'an UPDATE changing a label value',
      'UPDATE',
      { tier: 'prod' },
      { tier: 'dev' },
      ALICE,
      'strict',
    ],
    [
      'an UPDATE that keeps an admin-set label',
      'UPDATE',
      { tier: 'dev' },
      { tier: 'dev', x: 'y' },
      ALICE,
      'lenient',
    ],
    ['an UPDATE that removes an admin-set label', 'UPDATE', { tier: 'dev' }, {}, ALICE, 'lenient'],
    ['an UPDATE adding an unrelated label', 'UPDATE', {}, { other: 'x' }, ALICE, 'strict'],
    ['an admin UPDATE relabelling', 'UPDATE', {}, { tier: 'dev' }, ADMIN, 'lenient'],
    ['an admin UPDATE removing the label', 'UPDATE', { tier: 'dev' }, {}, ADMIN, 'strict'],
    ['a DELETE', 'DELETE', { tier: 'dev' }, undefined, ALICE, 'lenient'],
  ])('%s', (_name, operation, stored, next, user, expected) => {
    expect(select(operation, stored, next, user)).toBe(expected);
  });

  it('counts a label the governing policy injects anyway as unchanged', () => {
    const injecting = {
      ...strict,
      spec: { ...strict.spec, profiles: { ...strict.spec.profiles, labels: { tier: 'dev' } } },
    };
    // The fallback injects tier=dev, so a Profile labelled so by the tenant or by /mutate is
    // governed by the lenient policy that selects it, at /mutate and at /validate alike.
    const pick = (labels: Record<string, string>) =>
      selectPolicyFor(
        [injecting, lenient],
        input('Profile', profile(labels), { user: ALICE }),
        NO_CLUSTER,
        FALLBACK,
      ).name;
    expect(pick({})).toBe('lenient');
    expect(pick({ tier: 'dev' })).toBe('lenient');
    expect(pick({ tier: 'prod' })).toBe('lenient');
  });

  it('selects for a binding by its namespace Profile’s stored labels only', () => {
    const cluster = SnapshotIndex.fromObjects([profile({ tier: 'dev' })]);
    const rb = {
      kind: 'RoleBinding',
      metadata: { name: 'rb', namespace: 'alice', labels: { tier: 'prod' } },
    };
    expect(selectPolicyFor(candidates, input('RoleBinding', rb), cluster, FALLBACK).name).toBe(
      'lenient',
    );
    const other = {
      ...rb,
      metadata: { ...rb.metadata, namespace: 'nobody', labels: { tier: 'dev' } },
    };
    expect(selectPolicyFor(candidates, input('RoleBinding', other), cluster, FALLBACK).name).toBe(
      'strict',
    );
  });
});

describe('guardedLabelKeys', () => {
  const ADMINS = { exemptions: { users: [], groups: ['system:masters'], serviceAccounts: [] } };
  const strict = { ...testPolicy(ADMINS), name: 'strict' };
  // The lenient policy exempts nobody: an admin moving a Profile there is judged by where it was.
  const NOBODY = { exemptions: { users: [], groups: [], serviceAccounts: [] } };
  const lenient = {
    ...testPolicy(NOBODY),
    name: 'lenient',
    spec: { ...testPolicy(NOBODY).spec, selector: { matchLabels: { tier: 'dev' } }, priority: 10 },
  };
  const candidates = [strict, lenient];
  const ADMIN: UserInfo = { username: 'root', groups: ['system:masters'] };
  const ALICE: UserInfo = { username: 'alice@example.com', groups: ['system:authenticated'] };
  const profile = (labels: Record<string, string>) => ({
    apiVersion: 'kubeflow.org/v1',
    kind: 'Profile',
    metadata: { name: 'alice', labels },
    spec: { owner: { kind: 'User', name: 'alice@example.com' } },
  });
  const keys = (
    user: UserInfo,
    stored: Record<string, string>,
    target: 'Profile' | 'RoleBinding' = 'Profile',
  ) => [
    ...guardedLabelKeys(
      candidates,
      input(target, profile({ tier: 'dev' }), {
        operation: 'UPDATE',
        oldObject: profile(stored),
        user,
      }),
      FALLBACK,
    ),
  ];

  it('guards every selector key from a caller not exempt where the Profile stands', () => {
    expect(keys(ALICE, {})).toEqual(['tier']);
  });

  it('guards none from a caller exempt where the Profile stands, wherever it moves it', () => {
    expect(keys(ADMIN, {})).toEqual([]);
  });

  it('judges exemption before the move: out of the lenient policy, the admin is not exempt', () => {
    expect(keys(ADMIN, { tier: 'dev' })).toEqual(['tier']);
  });

  it('returns the keys unchanged for other kinds', () => {
    expect(keys(ADMIN, {}, 'RoleBinding')).toEqual(['tier']);
  });
});

describe('selectingProvider', () => {
  const strict: Policy = {
    ...testPolicy({ priority: 5, selector: { matchLabels: { tier: 'strict' } } }),
    name: 'strict',
  };
  const loose: Policy = { ...testPolicy({ priority: 1 }), name: 'loose' };
  const fallback: Policy = { ...testPolicy(), name: 'fallback' };
  const profile = (labels: Record<string, string>) => ({
    apiVersion: 'kubeflow.org/v1',
    kind: 'Profile',
    metadata: { name: 'alice', labels },
    spec: { owner: { kind: 'User', name: 'alice@example.com' } },
  });
  const request = (labels: Record<string, string>) =>
    input('Profile', profile(labels), { operation: 'UPDATE', oldObject: profile(labels) });

  it('selects as selectPolicyFor among the candidates, guarding their selector keys', () => {
    const provider = selectingProvider([loose, strict], fallback);
    for (const labels of [{}, { tier: 'strict' }, { tier: 'other' }]) {
      expect(provider.select(request(labels), NO_CLUSTER)).toBe(
        selectPolicyFor([loose, strict], request(labels), NO_CLUSTER, fallback),
      );
    }
    expect(provider.select(request({ tier: 'strict' }), NO_CLUSTER)).toBe(strict);
    expect([...provider.selectorLabelKeys()]).toEqual(['tier']);
    expect([...provider.guardedLabelKeys(request({}))]).toEqual([
      ...guardedLabelKeys([loose, strict], request({}), fallback),
    ]);
  });

  it('with no candidates, is a provider of the fallback alone: every request, no keys', () => {
    const provider = selectingProvider([], fallback);
    expect(provider.select(request({ tier: 'strict' }), NO_CLUSTER)).toBe(fallback);
    expect(provider.selectorLabelKeys().size).toBe(0);
    expect(provider.guardedLabelKeys(request({})).size).toBe(0);
  });
});
