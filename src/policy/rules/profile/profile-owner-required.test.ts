import {
  aliceProfile,
  evaluateProfile,
  findingsOf,
  pathsOf,
  profileWithSpec,
} from '../../test-support/profile-fixtures.js';
import { CLUSTER_ADMIN } from '../../test-support/kubeflow-objects.js';

const owned = (owner: unknown) => profileWithSpec({ owner });

describe('profile-owner-required', () => {
  it.each([
    [
      'missing owner',
      profileWithSpec({ owner: undefined }),
      'spec.owner',
      'spec.owner is missing; a Profile needs an owner {kind, name}',
    ],
    [
      'null owner',
      owned(null),
      'spec.owner',
      'spec.owner is missing; a Profile needs an owner {kind, name}',
    ],
    [
      'no spec',
      { ...aliceProfile(), spec: undefined },
      'spec.owner',
      'spec.owner is missing; a Profile needs an owner {kind, name}',
    ],
    [
      'spec a string',
      { ...aliceProfile(), spec: 'x' },
      'spec.owner',
      'spec.owner is missing; a Profile needs an owner {kind, name}',
    ],
    [
      'owner a string',
      owned('alice@example.com'),
      'spec.owner',
      'spec.owner "alice@example.com" is not an object; expected {kind, name}',
    ],
    [
      'owner an array',
      owned([]),
      'spec.owner',
      'spec.owner [] is not an object; expected {kind, name}',
    ],
    ['no name', owned({ kind: 'User' }), 'spec.owner.name', 'spec.owner.name is missing or empty'],
    [
      'empty name',
      owned({ kind: 'User', name: '' }),
      'spec.owner.name',
      'spec.owner.name is missing or empty',
    ],
    [
      'blank name',
      owned({ kind: 'User', name: '  ' }),
      'spec.owner.name',
      'spec.owner.name is missing or empty',
    ],
    [
      'numeric name',
      owned({ kind: 'User', name: 7 }),
      'spec.owner.name',
      'spec.owner.name 7 is not a string',
    ],
  ])('%s', (_case, object, path, message) => {
    const result = evaluateProfile(object);
    expect(findingsOf(result, 'profile-owner-required')).toEqual([{ path, message }]);
    expect(result.allowed).toBe(false);
  });

  it('passes a named owner', () => {
    expect(pathsOf('profile-owner-required', aliceProfile())).toEqual([]);
  });

  it('is structural', () => {
    const result = evaluateProfile(owned({ kind: 'User' }), { user: CLUSTER_ADMIN });
    expect(result.denials.map((d) => d.ruleId)).toEqual(['profile-owner-required']);
  });
});
