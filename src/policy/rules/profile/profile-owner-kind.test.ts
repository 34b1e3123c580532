import {
  evaluateProfile,
  findingsOf,
  pathsOf,
  profileWithSpec,
} from '../../test-support/profile-fixtures.js';
import { CLUSTER_ADMIN } from '../../test-support/kubeflow-objects.js';
import { testPolicy } from '../../test-support/test-policy.js';

const owned = (owner: unknown) => profileWithSpec({ owner });

describe('profile-owner-kind', () => {
  it.each([
    [{ kind: 'User', name: 'a@example.com' }, null],
    [{ kind: 'Group', name: 'team' }, 'spec.owner.kind "Group" is not allowed; allowed: User'],
    [
      { kind: 'user', name: 'a@example.com' },
      'spec.owner.kind "user" is not allowed; allowed: User',
    ],
    [{ name: 'a@example.com' }, 'spec.owner.kind is missing; allowed: User'],
    [{ kind: '', name: 'a@example.com' }, 'spec.owner.kind is missing; allowed: User'],
    [{ kind: 5, name: 'a@example.com' }, 'spec.owner.kind 5 is not allowed; allowed: User'],
  ])('%o', (owner, message) => {
    expect(findingsOf(evaluateProfile(owned(owner)), 'profile-owner-kind')).toEqual(
      message === null ? [] : [{ path: 'spec.owner.kind', message }],
    );
  });

  it('allows the kinds the policy lists', () => {
    const policy = testPolicy({ profiles: { owner: { kinds: ['User', 'Group'] } } });
    expect(pathsOf('profile-owner-kind', owned({ kind: 'Group', name: 'ml' }), { policy })).toEqual(
      [],
    );
  });

  it('skips exempt callers', () => {
    expect(
      evaluateProfile(owned({ kind: 'Group', name: 'ml' }), { user: CLUSTER_ADMIN }).allowed,
    ).toBe(true);
  });
});
