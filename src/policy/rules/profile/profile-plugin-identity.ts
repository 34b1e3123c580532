import { clusterStateGate } from '../../cluster-state-gate.js';
import type { ProfileRecord } from '../../cluster-snapshot.js';
import { asString, getPath } from '../../object-access.js';
import { pluginIdentitiesOf, type PluginIdentity } from '../../plugin-identity.js';
import {
  PASS,
  defineRule,
  fail,
  failIf,
  lazyViolation,
  skip,
  type Violation,
  WRITE_OPERATIONS,
} from '../../rule.js';
import { indexPath, quoteValue } from '../../validation-helpers.js';

/**
 * The most distinct plugin identities one Profile may name before the rule refuses to judge them
 * (each is one snapshot lookup; Kubeflow's controller knows two plugin kinds, so real Profiles
 * name one or two). Beyond it the Profile is denied, naming the field: never let through unjudged.
 */
export const MAX_JUDGED_PLUGIN_IDENTITIES = 100;

/**
 * The most Profiles naming one identity that the rule reads before it stops: an owner's own
 * Profiles are passed over one by one, so without a bound 100 identities each named by 10 000
 * Profiles of the requester took 160 ms of CPU. When that many name it and none of them is
 * another owner's, the Profile is denied (fail closed), naming the field.
 */
export const MAX_COMPARED_PROFILES = 1000;

/** `User` when a record or object leaves the owner kind empty (the profile controller's default). */
function ownerKindOf(kind: string | undefined): string {
  return kind === undefined || kind === '' ? 'User' : kind;
}

/** What the identity is, for the message. */
function describe(identity: PluginIdentity): string {
  return identity.field === 'awsIamRole'
    ? `names the IAM role ${quoteValue(identity.key.slice('aws-role:'.length))} (the profile controller finds a role by its name, in any case)`
    : 'names the GCP service account';
}

/**
 * With `profiles.plugins.exclusiveIdentities`, a cloud identity a plugin names (a
 * `WorkloadIdentity` GCP service account, an `AwsIamForServiceAccount` IAM role) may be named only
 * by Profiles of one owner: the profile controller binds the namespace's `default-editor`
 * ServiceAccount to whatever identity a Profile names, so naming another tenant's would hand her
 * its cloud permissions. Reads the other Profiles from the cluster snapshot.
 */
export const profilePluginIdentity = defineRule({
  id: 'profile-plugin-identity',
  targets: ['Profile'],
  operations: WRITE_OPERATIONS,
  structural: false,
  description:
    '`profiles.plugins.exclusiveIdentities` is true and a plugin names a GCP service account (`WorkloadIdentity` `gcpServiceAccount`, in any case) or an AWS IAM role (`AwsIamForServiceAccount` `awsIamRole`, by role name in any case, as the profile controller finds it) that a Profile of another owner already names (or more than 100 distinct ones, or one named by more than 1000 Profiles)',
  clusterState: 'snapshot',
  check: (ctx) => {
    if (!ctx.policy.spec.profiles.plugins.exclusiveIdentities) {
      return skip('profiles.plugins.exclusiveIdentities is off');
    }
    const identities = pluginIdentitiesOf(ctx.object);
    if (identities.length === 0) return PASS;
    const first = identities[0];
    if (first === undefined) return PASS;
    const firstPath = `${indexPath('spec.plugins', first.index)}.spec.${first.field}`;
    const gate = clusterStateGate(ctx, 'which Profiles name the same plugin identity', firstPath);
    if (gate !== undefined) return gate;
    const distinct = new Map<string, PluginIdentity[]>();
    for (const identity of identities) {
      const same = distinct.get(identity.key);
      if (same !== undefined) {
        same.push(identity);
        continue;
      }
      if (distinct.size === MAX_JUDGED_PLUGIN_IDENTITIES) {
        return fail(
          'spec.plugins',
          `spec.plugins names more than ${MAX_JUDGED_PLUGIN_IDENTITIES} distinct plugin identities; at most ${MAX_JUDGED_PLUGIN_IDENTITIES} are judged against other owners' Profiles (profiles.plugins.exclusiveIdentities)`,
        );
      }
      distinct.set(identity.key, [identity]);
    }
    const name = asString(getPath(ctx.object, 'metadata', 'name')) ?? ctx.input.name;
    const ownerKind = ownerKindOf(asString(getPath(ctx.object, 'spec', 'owner', 'kind')));
    const ownerName = asString(getPath(ctx.object, 'spec', 'owner', 'name')) ?? '';
    const ofAnotherOwner = (profile: ProfileRecord): boolean =>
      profile.name !== name &&
      (profile.ownerName !== ownerName || ownerKindOf(profile.ownerKind) !== ownerKind);
    const violations: Violation[] = [];
    for (const [key, named] of distinct) {
      const users = ctx.cluster.profilesWithPluginIdentity(key);
      const count = users.length;
      let shared = false;
      let undecided = false;
      for (let i = 0; i < count; i += 1) {
        if (i === MAX_COMPARED_PROFILES) {
          undecided = true;
          break;
        }
        const user = users[i];
        if (user !== undefined && ofAnotherOwner(user)) {
          shared = true;
          break;
        }
      }
      if (!shared && !undecided) continue;
      for (const identity of named) {
        const path = `${indexPath('spec.plugins', identity.index)}.spec.${identity.field}`;
        violations.push(
          lazyViolation(path, () =>
            shared
              ? `${path} ${quoteValue(identity.value)} ${describe(identity)} that a Profile of another owner already names; with profiles.plugins.exclusiveIdentities a cloud identity serves one owner's Profiles only (the profile controller would bind this namespace's default-editor ServiceAccount to it)`
              : `${path} ${quoteValue(identity.value)} ${describe(identity)} that ${count} Profiles name; at most ${MAX_COMPARED_PROFILES} are compared with its owner (profiles.plugins.exclusiveIdentities), so it is not admitted`,
          ),
        );
      }
    }
    return failIf(violations);
  },
});
