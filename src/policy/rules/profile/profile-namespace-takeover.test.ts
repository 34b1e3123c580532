import { NO_CLUSTER } from '../../cluster-snapshot.js';
import {
  cluster,
  denials,
  evaluate,
  namespace,
  profile,
  statusOf,
} from '../../test-support/cluster-fixtures.js';
import { CLUSTER_ADMIN } from '../../test-support/kubeflow-objects.js';

describe('profile-namespace-takeover', () => {
  it.each([
    [
      'a Namespace owned by someone else',
      'bob',
      'metadata.name "bob": Namespace "bob" already exists and is owned by "bob@example.com"; a Profile of spec.owner.name "mallory@example.com" cannot take it over',
    ],
    [
      'a Namespace without owner annotation',
      'plain',
      'metadata.name "plain": Namespace "plain" already exists and has no owner annotation; a Profile of spec.owner.name "mallory@example.com" cannot take it over',
    ],
  ])('denies a Profile named after %s', (_name, target, message) => {
    expect(denials(evaluate('Profile', profile(target, 'mallory@example.com')))).toEqual([
      `profile-namespace-takeover: ${message}`,
    ]);
  });

  it.each([
    ['a new name', 'fresh', 'mallory@example.com'],
    ['an existing Namespace of the same owner', 'bob', 'bob@example.com'],
  ])('allows a Profile named after %s', (_case, name, owner) => {
    expect(evaluate('Profile', profile(name, owner)).allowed).toBe(true);
  });

  it('is a CREATE-only rule, skipped without cluster lookups', () => {
    expect(
      statusOf(
        evaluate('Profile', profile('plain', 'mallory@example.com'), { cluster: NO_CLUSTER }),
        'profile-namespace-takeover',
      ),
    ).toBe('skip');
    const update = evaluate('Profile', profile('bob', 'bob@example.com', { a: 'b' }), {
      operation: 'UPDATE',
      oldObject: profile('bob', 'bob@example.com'),
    });
    expect(statusOf(update, 'profile-namespace-takeover')).toBeUndefined();
  });

  it('is skipped for exempt callers', () => {
    expect(
      evaluate('Profile', profile('plain', 'x@example.com'), { user: CLUSTER_ADMIN }).allowed,
    ).toBe(true);
  });

  it('reads the Namespace from the snapshot only', () => {
    const empty = cluster();
    empty.remove(namespace('plain'));
    expect(
      evaluate('Profile', profile('plain', 'mallory@example.com'), { cluster: empty }).allowed,
    ).toBe(true);
  });
});
