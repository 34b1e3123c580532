import { clusterStateGate } from '../../cluster-state-gate.js';
import type { KubeObject } from '../../kube-object.js';
import { asString, getPath } from '../../object-access.js';
import { PASS, skip, defineRule, fail } from '../../rule.js';
import { quoteValue } from '../../validation-helpers.js';

const LISTED = 5;

/**
 * With `profiles.owner.maxProfilesPerOwner` > 0, an owner may own at most that many Profiles:
 * checked on CREATE and on an UPDATE that changes `spec.owner.name`, counting the snapshot's
 * Profiles of that owner other than this one. Needs cluster state.
 */
export const profileOwnerLimit = defineRule({
  id: 'profile-owner-limit',
  targets: ['Profile'],
  operations: ['CREATE', 'UPDATE'],
  structural: false,
  description:
    'the owner would own more than `profiles.owner.maxProfilesPerOwner` Profiles (0 = no limit)',
  clusterState: 'snapshot',
  check: (ctx) => {
    const max = ctx.policy.spec.profiles.owner.maxProfilesPerOwner;
    if (max <= 0) return skip('no profiles.owner.maxProfilesPerOwner');
    const owner = ownerName(ctx.object);
    if (owner === undefined) return skip('no owner name');
    if (ctx.input.operation === 'UPDATE' && ctx.oldObject !== undefined) {
      if (ownerName(ctx.oldObject) === owner) return skip('owner unchanged');
    }
    const gate = clusterStateGate(
      ctx,
      `how many Profiles ${quoteValue(owner)} owns`,
      'spec.owner.name',
    );
    if (gate !== undefined) return gate;
    const name = asString(getPath(ctx.object, 'metadata', 'name')) ?? ctx.input.name;
    const owned = ctx.cluster
      .profilesOwnedBy(owner)
      .filter((profile) => profile.name !== name)
      .map((profile) => profile.name);
    if (owned.length < max) return PASS;
    const listed = owned.slice(0, LISTED).map((profile) => quoteValue(profile));
    const more = owned.length > LISTED ? `, … ${owned.length - LISTED} more` : '';
    return fail(
      'spec.owner.name',
      `spec.owner.name ${quoteValue(owner)} already owns ${owned.length} Profiles (${listed.join(', ')}${more}); profiles.owner.maxProfilesPerOwner is ${max}`,
    );
  },
});

function ownerName(object: KubeObject): string | undefined {
  const name = asString(getPath(object, 'spec', 'owner', 'name'));
  return name === undefined || name === '' ? undefined : name;
}
