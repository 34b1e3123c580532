import {
  aliceProfile,
  evaluateProfile,
  findingsOf,
  pathsOf,
  profileWithSpec,
} from '../../test-support/profile-fixtures.js';
import { CLUSTER_ADMIN } from '../../test-support/kubeflow-objects.js';
import { testPolicy } from '../../test-support/test-policy.js';

const owned = (owner: unknown) => profileWithSpec({ owner });

describe('profile-owner-immutable', () => {
  const update = (from: unknown, to: unknown, policy = testPolicy()) =>
    evaluateProfile(owned(to), { operation: 'UPDATE', oldObject: owned(from), policy });
  const alice = { kind: 'User', name: 'alice@example.com' };

  it('denies a change of owner name, naming the change', () => {
    const result = update(alice, { kind: 'User', name: 'bob@example.com' });
    expect(result.allowed).toBe(false);
    expect(findingsOf(result, 'profile-owner-immutable')).toEqual([
      {
        path: 'spec.owner',
        message:
          'spec.owner cannot change (profiles.owner.allowTransfer is false): name "alice@example.com" -> "bob@example.com"',
      },
    ]);
  });

  it.each([
    ['kind', { kind: 'Group', name: 'alice@example.com' }],
    ['apiGroup', { ...alice, apiGroup: 'example.io' }],
    ['namespace', { ...alice, namespace: 'x' }],
    ['removal', undefined],
  ])('denies a change of %s', (_field, to) => {
    expect(
      pathsOf('profile-owner-immutable', owned(to), {
        operation: 'UPDATE',
        oldObject: owned(alice),
      }),
    ).toEqual(['spec.owner']);
  });

  it.each([
    ['the same owner', alice],
    ['the default apiGroup spelled out', { ...alice, apiGroup: 'rbac.authorization.k8s.io' }],
    ['an empty namespace', { ...alice, namespace: '' }],
  ])('allows %s', (_case, to) => {
    expect(
      pathsOf('profile-owner-immutable', owned(to), {
        operation: 'UPDATE',
        oldObject: owned(alice),
      }),
    ).toEqual([]);
  });

  it('allows a transfer when allowTransfer is true', () => {
    const policy = testPolicy({ profiles: { owner: { allowTransfer: true } } });
    expect(update(alice, { kind: 'User', name: 'bob@example.com' }, policy).allowed).toBe(true);
  });

  it('does not run on CREATE', () => {
    const result = evaluateProfile(aliceProfile());
    expect(result.evaluations.some((e) => e.ruleId === 'profile-owner-immutable')).toBe(false);
  });

  it('lets a stored Profile without an owner get one', () => {
    expect(
      pathsOf('profile-owner-immutable', owned(alice), {
        operation: 'UPDATE',
        oldObject: owned('junk'),
      }),
    ).toEqual([]);
  });

  it('skips exempt callers (cluster admins may transfer)', () => {
    const result = evaluateProfile(owned({ kind: 'User', name: 'bob@example.com' }), {
      operation: 'UPDATE',
      oldObject: owned(alice),
      user: CLUSTER_ADMIN,
    });
    expect(result.allowed).toBe(true);
  });
});
