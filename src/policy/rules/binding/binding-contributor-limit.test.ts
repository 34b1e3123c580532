import { NO_CLUSTER } from '../../cluster-snapshot.js';
import type { ClusterSnapshot } from '../../cluster-snapshot.js';
import {
  cluster,
  denials,
  editBinding,
  emptySnapshot,
  evaluate,
  serviceAccount,
  statusOf,
  user,
} from '../../test-support/cluster-fixtures.js';
import { KFAM } from '../../test-support/kubeflow-objects.js';
import { testPolicy } from '../../test-support/test-policy.js';

const policy = testPolicy({ bindings: { maxContributors: 2 } });
const existing = [
  editBinding([user('bob@example.com')], 'alice', 'user-bob'),
  editBinding([user('carol@example.com'), serviceAccount('default-editor')], 'alice', 'user-carol'),
];

describe('binding-contributor-limit', () => {
  it('denies a binding that brings in a contributor over the limit, naming it', () => {
    const result = evaluate(
      'RoleBinding',
      editBinding([user('alice@example.com'), user('bob@example.com'), user('dave@example.com')]),
      { policy, cluster: cluster(existing) },
    );
    expect(denials(result)).toEqual([
      'binding-contributor-limit: subjects[2].name "dave@example.com" would make 3 contributors in namespace "alice" (distinct User subjects besides the owner); bindings.maxContributors is 2',
    ]);
  });

  it('allows a binding that adds no new contributor, and the owner never counts', () => {
    const result = evaluate(
      'RoleBinding',
      editBinding([user('bob@example.com'), user('alice@example.com')]),
      {
        policy: testPolicy({ bindings: { maxContributors: 1 } }),
        cluster: cluster(existing),
      },
    );
    expect(result.allowed).toBe(true);
  });

  it('counts an UPDATE with the binding replacing its stored version', () => {
    const stored = existing[1]!;
    const swapped = editBinding([user('erin@example.com')], 'alice', 'user-carol');
    const result = evaluate('RoleBinding', swapped, {
      operation: 'UPDATE',
      oldObject: stored,
      user: KFAM,
      policy,
      cluster: cluster(existing),
    });
    expect(result.allowed).toBe(true);
  });

  it.each<[string, ClusterSnapshot, string, string[]]>([
    [
      'fails closed before the first sync',
      emptySnapshot('unsynced'),
      'fail',
      [
        'binding-contributor-limit: cluster state not synced: cannot verify the contributors of namespace "alice"; retry shortly',
      ],
    ],
    ['skips without cluster lookups', NO_CLUSTER, 'skip', []],
  ])('%s', (_case, snapshot, status, expected) => {
    const result = evaluate('RoleBinding', editBinding([user('dave@example.com')]), {
      policy,
      cluster: snapshot,
    });
    expect(statusOf(result, 'binding-contributor-limit')).toBe(status);
    expect(denials(result)).toEqual(expected);
  });

  it('has no limit at 0', () => {
    expect(
      statusOf(evaluate('RoleBinding', editBinding([user('z@x.io')])), 'binding-contributor-limit'),
    ).toBe('skip');
  });
});
