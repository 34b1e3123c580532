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
import { testPolicy } from '../../test-support/test-policy.js';

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
      'metadata.name "plain": Namespace "plain" already exists and has no owner annotation (profiles.namespace.adoptUnannotated is false); a Profile of spec.owner.name "mallory@example.com" cannot take it over',
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

  describe('with profiles.namespace.adoptUnannotated (kubeflow/dashboard#330)', () => {
    const policy = testPolicy({ profiles: { namespace: { adoptUnannotated: true } } });
    const owned = (name: string, ownerProfile: string) => ({
      ...namespace(name),
      metadata: {
        name,
        ownerReferences: [
          { apiVersion: 'kubeflow.org/v1', kind: 'Profile', name: ownerProfile, uid: 'u' },
        ],
      },
    });
    const state = cluster([
      namespace('empty-owner', { owner: '' }),
      owned('tied', 'someone-else'),
      owned('own-ref', 'own-ref'),
    ]);
    const judge = (name: string, owner = 'mallory@example.com') =>
      denials(evaluate('Profile', profile(name, owner), { policy, cluster: state }));

    it.each([
      ['a Namespace without owner annotation', 'plain'],
      ['a Namespace with an empty owner annotation', 'empty-owner'],
      ['a Namespace whose ownerReference names this Profile', 'own-ref'],
    ])('adopts %s', (_case, name) => {
      expect(judge(name)).toEqual([]);
    });

    it.each([
      ['one annotated with another owner', 'bob', 'is owned by "bob@example.com"'],
      [
        'one annotated with the owner in another case (RBAC names are case-sensitive)',
        'bob',
        'is owned by "bob@example.com"',
        'Bob@example.com',
      ],
      [
        'one an ownerReference ties to another Profile',
        'tied',
        'belongs to Profile "someone-else"',
      ],
    ])('never adopts %s', (_case, name, holder, owner = 'mallory@example.com') => {
      expect(judge(name, owner)).toEqual([
        `profile-namespace-takeover: metadata.name "${name}": Namespace "${name}" already exists and ${holder}; a Profile of spec.owner.name "${owner}" cannot take it over`,
      ]);
    });
  });
});
