import { NO_CLUSTER } from '../../cluster-snapshot.js';
import type { KubeObject } from '../../kube-object.js';
import {
  cluster,
  emptySnapshot,
  evaluate,
  type EvaluateOptions,
  profile,
  ruleDenials,
  statusOf,
} from '../../test-support/cluster-fixtures.js';
import { CLUSTER_ADMIN } from '../../test-support/kubeflow-objects.js';
import { testPolicy } from '../../test-support/test-policy.js';
import { SnapshotIndex } from '../../snapshot-index.js';
import { MAX_COMPARED_PROFILES, MAX_JUDGED_PLUGIN_IDENTITIES } from './profile-plugin-identity.js';

const BOBS_GSA = 'bob-pipelines@bob-project.iam.gserviceaccount.com';
const BOBS_ROLE = 'arn:aws:iam::123456789012:role/bob-role';
const exclusive = testPolicy({ profiles: { plugins: { exclusiveIdentities: true } } });

const workloadIdentity = (gcpServiceAccount: unknown) => ({
  kind: 'WorkloadIdentity',
  spec: { gcpServiceAccount },
});
const awsRole = (awsIamRole: unknown) => ({
  kind: 'AwsIamForServiceAccount',
  spec: { awsIamRole },
});

/** A Profile of `owner` with these plugins. */
function withPlugins(name: string, owner: string, plugins: unknown[]): KubeObject {
  const base = profile(name, owner);
  return { ...base, spec: { ...(base.spec as object), plugins } };
}

/** bob's Profile names his GCP service account and his IAM role; carol's names her own. */
const state = cluster([
  withPlugins('bob-ml', 'bob@example.com', [workloadIdentity(BOBS_GSA), awsRole(BOBS_ROLE)]),
  withPlugins('carol', 'carol@example.com', [
    workloadIdentity('carol-sa@carol-project.iam.gserviceaccount.com'),
  ]),
]);

const message = (path: string, value: string, what: string) =>
  `profile-plugin-identity: ${path} ${JSON.stringify(value)} ${what} that a Profile of another owner already names; with profiles.plugins.exclusiveIdentities a cloud identity serves one owner's Profiles only (the profile controller would bind this namespace's default-editor ServiceAccount to it)`;
const GCP = 'names the GCP service account';
const role = (name: string) =>
  `names the IAM role ${JSON.stringify(name)} (the profile controller finds a role by its name, in any case)`;

describe('profile-plugin-identity', () => {
  it.each<[string, unknown[], string[]]>([
    [
      "alice names bob's GCP service account",
      [workloadIdentity(BOBS_GSA)],
      [message('spec.plugins[0].spec.gcpServiceAccount', BOBS_GSA, GCP)],
    ],
    [
      'in upper case (GCP e-mails are case-insensitive)',
      [workloadIdentity(BOBS_GSA.toUpperCase())],
      [message('spec.plugins[0].spec.gcpServiceAccount', BOBS_GSA.toUpperCase(), GCP)],
    ],
    [
      "alice names bob's IAM role",
      [awsRole(BOBS_ROLE)],
      [message('spec.plugins[0].spec.awsIamRole', BOBS_ROLE, role('bob-role'))],
    ],
    [
      'the same role name under another account, path and case (the controller looks roles up by name)',
      [awsRole('arn:aws:iam::999999999999:role/team/Bob-Role')],
      [
        message(
          'spec.plugins[0].spec.awsIamRole',
          'arn:aws:iam::999999999999:role/team/Bob-Role',
          role('bob-role'),
        ),
      ],
    ],
    [
      "bob's service account second, after her own",
      [
        workloadIdentity('alice-sa@alice-project.iam.gserviceaccount.com'),
        workloadIdentity(BOBS_GSA),
      ],
      [message('spec.plugins[1].spec.gcpServiceAccount', BOBS_GSA, GCP)],
    ],
    [
      'named twice: both places reported',
      [workloadIdentity(BOBS_GSA), workloadIdentity(BOBS_GSA)],
      [
        message('spec.plugins[0].spec.gcpServiceAccount', BOBS_GSA, GCP),
        message('spec.plugins[1].spec.gcpServiceAccount', BOBS_GSA, GCP),
      ],
    ],
    [
      'an identity nobody names yet',
      [workloadIdentity('alice-sa@alice-project.iam.gserviceaccount.com')],
      [],
    ],
    ['a role of another name', [awsRole('arn:aws:iam::123456789012:role/bob-role-2')], []],
    ['no plugins', [], []],
    ['an identity that is not a string (profile-plugin judges it)', [workloadIdentity(42)], []],
  ])('%s', (_case, plugins, expected) => {
    const result = evaluate('Profile', withPlugins('alice-ml', 'alice@example.com', plugins), {
      policy: exclusive,
      cluster: state,
    });
    expect(ruleDenials(result, 'profile-plugin-identity')).toEqual(expected);
  });

  it('lets one owner name the same identity in several Profiles, and a Profile keep its own', () => {
    const second = withPlugins('bob-ml-2', 'bob@example.com', [workloadIdentity(BOBS_GSA)]);
    expect(
      statusOf(
        evaluate('Profile', second, { policy: exclusive, cluster: state }),
        'profile-plugin-identity',
      ),
    ).toBe('pass');
    const relabelled = withPlugins('bob-ml', 'bob@example.com', [workloadIdentity(BOBS_GSA)]);
    const update = evaluate('Profile', relabelled, {
      operation: 'UPDATE',
      oldObject: withPlugins('bob-ml', 'bob@example.com', [workloadIdentity(BOBS_GSA)]),
      policy: exclusive,
      cluster: state,
    });
    expect(statusOf(update, 'profile-plugin-identity')).toBe('pass');
  });

  it('counts another owner kind, or the same e-mail in another case, as another owner', () => {
    const group = withPlugins('team', 'bob@example.com', [workloadIdentity(BOBS_GSA)]);
    (group.spec as { owner: { kind: string } }).owner.kind = 'Group';
    const policy = testPolicy({
      profiles: { plugins: { exclusiveIdentities: true }, owner: { kinds: ['User', 'Group'] } },
    });
    expect(
      ruleDenials(
        evaluate('Profile', group, { policy, cluster: state }),
        'profile-plugin-identity',
      ),
    ).toHaveLength(1);
    const upper = withPlugins('bob-2', 'Bob@example.com', [workloadIdentity(BOBS_GSA)]);
    expect(
      ruleDenials(
        evaluate('Profile', upper, { policy, cluster: state }),
        'profile-plugin-identity',
      ),
    ).toHaveLength(1);
  });

  it('an UPDATE that adds another owner’s identity is denied; one kept from before only warns', () => {
    const before = withPlugins('alice-ml', 'alice@example.com', []);
    const adding = evaluate(
      'Profile',
      withPlugins('alice-ml', 'alice@example.com', [workloadIdentity(BOBS_GSA)]),
      {
        operation: 'UPDATE',
        oldObject: before,
        policy: exclusive,
        cluster: state,
      },
    );
    expect(adding.allowed).toBe(false);
    // Stored before the policy turned the check on: kept, as a warning (ratcheting).
    const kept = withPlugins('alice-ml', 'alice@example.com', [workloadIdentity(BOBS_GSA)]);
    const relabel = evaluate(
      'Profile',
      { ...kept, metadata: { name: 'alice-ml', labels: { note: 'x' } } },
      {
        operation: 'UPDATE',
        oldObject: kept,
        policy: exclusive,
        cluster: state,
      },
    );
    expect(relabel.allowed).toBe(true);
    expect(relabel.warnings.map((w) => `${w.ruleId} ${w.path}`)).toContain(
      'profile-plugin-identity spec.plugins[0].spec.gcpServiceAccount',
    );
  });

  it.each<[string, EvaluateOptions, boolean, string]>([
    [
      'is off by default (profiles.plugins.exclusiveIdentities: false)',
      { policy: testPolicy(), cluster: state },
      true,
      'skip',
    ],
    ['skips without cluster lookups', { policy: exclusive, cluster: NO_CLUSTER }, true, 'skip'],
    [
      'skips exempt callers',
      { policy: exclusive, cluster: state, user: CLUSTER_ADMIN },
      true,
      'skip',
    ],
    [
      'fails closed before the first sync',
      { policy: exclusive, cluster: emptySnapshot('unsynced') },
      false,
      'fail',
    ],
    [
      'decides on the last state while a watch is broken',
      { policy: exclusive, cluster: staleCopy() },
      false,
      'fail',
    ],
  ])('%s', (_case, options, allowed, status) => {
    const result = evaluate(
      'Profile',
      withPlugins('alice-ml', 'alice@example.com', [workloadIdentity(BOBS_GSA)]),
      options,
    );
    expect(statusOf(result, 'profile-plugin-identity')).toBe(status);
    if (allowed) expect(ruleDenials(result, 'profile-plugin-identity')).toEqual([]);
    else expect(ruleDenials(result, 'profile-plugin-identity')).toHaveLength(1);
  });

  it('names the field when the cluster state is not synced', () => {
    const result = evaluate(
      'Profile',
      withPlugins('alice-ml', 'alice@example.com', [workloadIdentity(BOBS_GSA)]),
      {
        policy: exclusive,
        cluster: emptySnapshot('unsynced'),
      },
    );
    expect(ruleDenials(result, 'profile-plugin-identity')).toEqual([
      'profile-plugin-identity: cluster state not synced: cannot verify which Profiles name the same plugin identity; retry shortly',
    ]);
    expect(result.denials.find((d) => d.ruleId === 'profile-plugin-identity')?.path).toBe(
      'spec.plugins[0].spec.gcpServiceAccount',
    );
  });

  it(`refuses to judge more than ${MAX_JUDGED_PLUGIN_IDENTITIES} distinct identities, and denies`, () => {
    const many = (count: number) =>
      Array.from({ length: count }, (_, i) =>
        workloadIdentity(
          `acct-${String(i).padStart(4, '0')}@alice-project.iam.gserviceaccount.com`,
        ),
      );
    const at = evaluate(
      'Profile',
      withPlugins('alice-ml', 'alice@example.com', many(MAX_JUDGED_PLUGIN_IDENTITIES)),
      {
        policy: exclusive,
        cluster: state,
      },
    );
    expect(statusOf(at, 'profile-plugin-identity')).toBe('pass');
    const over = evaluate(
      'Profile',
      withPlugins('alice-ml', 'alice@example.com', many(MAX_JUDGED_PLUGIN_IDENTITIES + 1)),
      {
        policy: exclusive,
        cluster: state,
      },
    );
    expect(ruleDenials(over, 'profile-plugin-identity')).toEqual([
      `profile-plugin-identity: spec.plugins names more than ${MAX_JUDGED_PLUGIN_IDENTITIES} distinct plugin identities; at most ${MAX_JUDGED_PLUGIN_IDENTITIES} are judged against other owners' Profiles (profiles.plugins.exclusiveIdentities)`,
    ]);
  });

  it(`compares at most ${MAX_COMPARED_PROFILES} Profiles naming one identity, and denies beyond`, () => {
    const mine = (count: number) =>
      SnapshotIndex.fromObjects(
        Array.from({ length: count }, (_, i) =>
          withPlugins(`alice-${String(i)}`, 'alice@example.com', [workloadIdentity(BOBS_GSA)]),
        ),
      );
    const request = withPlugins('alice-new', 'alice@example.com', [workloadIdentity(BOBS_GSA)]);
    const at = evaluate('Profile', request, {
      policy: exclusive,
      cluster: mine(MAX_COMPARED_PROFILES),
    });
    expect(statusOf(at, 'profile-plugin-identity')).toBe('pass');
    const over = evaluate('Profile', request, {
      policy: exclusive,
      cluster: mine(MAX_COMPARED_PROFILES + 1),
    });
    expect(ruleDenials(over, 'profile-plugin-identity')).toEqual([
      `profile-plugin-identity: spec.plugins[0].spec.gcpServiceAccount ${JSON.stringify(BOBS_GSA)} names the GCP service account that ${MAX_COMPARED_PROFILES + 1} Profiles name; at most ${MAX_COMPARED_PROFILES} are compared with its owner (profiles.plugins.exclusiveIdentities), so it is not admitted`,
    ]);
  });
});

/** The same state as `state`, its watch broken after the first sync. */
function staleCopy() {
  const copy = cluster([
    withPlugins('bob-ml', 'bob@example.com', [workloadIdentity(BOBS_GSA), awsRole(BOBS_ROLE)]),
  ]);
  copy.state = 'stale';
  return copy;
}
