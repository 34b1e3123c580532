import { NO_CLUSTER } from '../../cluster-snapshot.js';
import {
  cluster,
  denials,
  emptySnapshot,
  evaluate,
  namespace,
  profile,
  statusOf,
} from '../../test-support/cluster-fixtures.js';
import { CLUSTER_ADMIN } from '../../test-support/kubeflow-objects.js';
import { testPolicy } from '../../test-support/test-policy.js';

const limit = (max: number) => testPolicy({ profiles: { owner: { maxProfilesPerOwner: max } } });
const owned = (owner: string, ...names: string[]) => names.map((name) => profile(name, owner));

describe('profile-owner-limit', () => {
  const state = cluster(owned('carol@example.com', 'carol-a', 'carol-b'));

  it('denies a CREATE that would take the owner over the limit', () => {
    const result = evaluate('Profile', profile('carol-c', 'carol@example.com'), {
      policy: limit(2),
      cluster: state,
    });
    expect(denials(result)).toEqual([
      'profile-owner-limit: spec.owner.name "carol@example.com" already owns 2 Profiles ("carol-a", "carol-b"); profiles.owner.maxProfilesPerOwner is 2',
    ]);
  });

  it('allows a CREATE up to the limit, and has no limit at 0', () => {
    expect(
      evaluate('Profile', profile('carol-c', 'carol@example.com'), {
        policy: limit(3),
        cluster: state,
      }).allowed,
    ).toBe(true);
    expect(
      statusOf(
        evaluate('Profile', profile('carol-c', 'carol@example.com'), { cluster: state }),
        'profile-owner-limit',
      ),
    ).toBe('skip');
  });

  it('does not count the Profile itself (a re-applied CREATE)', () => {
    expect(
      evaluate('Profile', profile('carol-b', 'carol@example.com'), {
        policy: limit(2),
        cluster: state,
      }).allowed,
    ).toBe(true);
  });

  it('checks an UPDATE only when it changes the owner', () => {
    const policy = testPolicy({
      profiles: { owner: { maxProfilesPerOwner: 2, allowTransfer: true } },
    });
    const relabelled = profile('carol-a', 'carol@example.com', { team: 'x' });
    const kept = evaluate('Profile', relabelled, {
      operation: 'UPDATE',
      oldObject: profile('carol-a', 'carol@example.com'),
      policy: limit(1),
      cluster: state,
    });
    expect(kept.allowed).toBe(true);
    const transferred = evaluate('Profile', profile('alice', 'carol@example.com'), {
      operation: 'UPDATE',
      oldObject: profile('alice', 'alice@example.com'),
      policy,
      cluster: state,
    });
    expect(transferred.denials.map((d) => `${d.ruleId} ${d.path}`)).toEqual([
      'profile-owner-limit spec.owner.name',
    ]);
  });

  it('lists at most five Profiles in the message', () => {
    const many = cluster(owned('dan@example.com', 'd1', 'd2', 'd3', 'd4', 'd5', 'd6', 'd7'));
    const result = evaluate('Profile', profile('d8', 'dan@example.com'), {
      policy: limit(3),
      cluster: many,
    });
    expect(denials(result)).toEqual([
      'profile-owner-limit: spec.owner.name "dan@example.com" already owns 7 Profiles ("d1", "d2", "d3", "d4", "d5", … 2 more); profiles.owner.maxProfilesPerOwner is 3',
    ]);
  });

  it('fails closed before the first sync, skips without cluster lookups, and skips exempt callers', () => {
    const object = profile('carol-c', 'carol@example.com');
    expect(
      denials(
        evaluate('Profile', object, { policy: limit(2), cluster: emptySnapshot('unsynced') }),
      ),
    ).toEqual([
      'profile-owner-limit: cluster state not synced: cannot verify how many Profiles "carol@example.com" owns; retry shortly',
      'profile-namespace-takeover: cluster state not synced: cannot verify whether Namespace "carol-c" exists; retry shortly',
    ]);
    expect(
      statusOf(
        evaluate('Profile', object, { policy: limit(2), cluster: NO_CLUSTER }),
        'profile-owner-limit',
      ),
    ).toBe('skip');
    expect(
      evaluate('Profile', object, { policy: limit(2), cluster: state, user: CLUSTER_ADMIN })
        .allowed,
    ).toBe(true);
  });
});

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

  it('allows a new name, and an existing Namespace of the same owner', () => {
    expect(evaluate('Profile', profile('fresh', 'mallory@example.com')).allowed).toBe(true);
    expect(evaluate('Profile', profile('bob', 'bob@example.com')).allowed).toBe(true);
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
