import type { Policy } from '../../policy-spec.js';
import { NO_CLUSTER } from '../../cluster-snapshot.js';
import {
  cluster,
  denials,
  emptySnapshot,
  evaluate,
  type EvaluateOptions,
  profile,
  statusOf,
} from '../../test-support/cluster-fixtures.js';
import { CLUSTER_ADMIN } from '../../test-support/kubeflow-objects.js';
import { testPolicy } from '../../test-support/test-policy.js';

const limit = (max: number) => testPolicy({ profiles: { owner: { maxProfilesPerOwner: max } } });
const owned = (owner: string, ...names: string[]) => names.map((name) => profile(name, owner));

const state = cluster(owned('carol@example.com', 'carol-a', 'carol-b'));

describe('profile-owner-limit', () => {
  it.each<[string, string, Policy, string, string[]]>([
    [
      'denies a CREATE that would take the owner over the limit',
      'carol-c',
      limit(2),
      'fail',
      [
        'profile-owner-limit: spec.owner.name "carol@example.com" already owns 2 Profiles ("carol-a", "carol-b"); profiles.owner.maxProfilesPerOwner is 2',
      ],
    ],
    ['allows a CREATE up to the limit', 'carol-c', limit(3), 'pass', []],
    ['has no limit at 0', 'carol-c', testPolicy(), 'skip', []],
    ['does not count the Profile itself (a re-applied CREATE)', 'carol-b', limit(2), 'pass', []],
  ])('%s', (_case, name, policy, status, expected) => {
    const result = evaluate('Profile', profile(name, 'carol@example.com'), {
      policy,
      cluster: state,
    });
    expect(statusOf(result, 'profile-owner-limit')).toBe(status);
    expect(denials(result)).toEqual(expected);
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

  it.each<[string, EvaluateOptions, boolean, string[]]>([
    [
      'fails closed before the first sync',
      { cluster: emptySnapshot('unsynced') },
      false,
      [
        'profile-owner-limit: cluster state not synced: cannot verify how many Profiles "carol@example.com" owns; retry shortly',
        'profile-namespace-takeover: cluster state not synced: cannot verify whether Namespace "carol-c" exists; retry shortly',
      ],
    ],
    ['skips without cluster lookups', { cluster: NO_CLUSTER }, true, []],
    ['skips exempt callers', { cluster: state, user: CLUSTER_ADMIN }, true, []],
  ])('%s', (_case, options, allowed, expected) => {
    const result = evaluate('Profile', profile('carol-c', 'carol@example.com'), {
      policy: limit(2),
      ...options,
    });
    expect(denials(result)).toEqual(expected);
    expect(result.allowed).toBe(allowed);
    if (allowed) expect(statusOf(result, 'profile-owner-limit')).toBe('skip');
  });
});
