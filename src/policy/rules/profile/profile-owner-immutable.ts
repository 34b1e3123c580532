import { jsonEqual } from '../../json-equal.js';
import { PASS, skip, defineRule, fail } from '../../rule.js';
import type { KubeObject } from '../../kube-object.js';
import { quoteValue } from '../../validation-helpers.js';
import { RBAC_API_GROUP, profileOwner } from './profile-fields.js';

const OWNER_FIELDS = ['kind', 'name', 'apiGroup', 'namespace'] as const;

/**
 * The owner fields as RBAC reads them: unset and "" are the same, and a User or Group subject's
 * unset apiGroup defaults to rbac.authorization.k8s.io, so spelling the default out is no change.
 */
function normalizedOwner(object: KubeObject): Record<string, unknown> | undefined {
  const owner = profileOwner(object);
  if (owner === undefined) return undefined;
  const out: Record<string, unknown> = {};
  for (const field of OWNER_FIELDS) {
    out[field] = owner[field] ?? '';
  }
  if (out.apiGroup === '' && (out.kind === 'User' || out.kind === 'Group')) {
    out.apiGroup = RBAC_API_GROUP;
  }
  return out;
}

/** Unless `profiles.owner.allowTransfer`, an UPDATE must keep `spec.owner` (kind, name, apiGroup, namespace). */
export const profileOwnerImmutable = defineRule({
  id: 'profile-owner-immutable',
  targets: ['Profile'],
  operations: ['UPDATE'],
  structural: false,
  description:
    '`spec.owner` (kind, name, apiGroup or namespace) changes and `profiles.owner.allowTransfer` is false',
  clusterState: 'none',
  check: ({ object, oldObject, policy }) => {
    if (policy.spec.profiles.owner.allowTransfer) return skip('owner transfer allowed');
    if (oldObject === undefined) return skip('no stored object');
    // A stored Profile without a usable owner (written before the webhook judged it) is no
    // exception: giving it one hands its namespace to that owner, which only an exempt caller
    // (a cluster admin repairing it) may do. Keeping it ownerless is no change.
    const before = normalizedOwner(oldObject);
    const after = normalizedOwner(object);
    if (before === undefined && after === undefined) return PASS;
    if (before !== undefined && after !== undefined && jsonEqual(before, after)) return PASS;
    const changes =
      after === undefined
        ? ['removed']
        : before === undefined
          ? ['added']
          : OWNER_FIELDS.filter((field) => !jsonEqual(before[field], after[field])).map(
              (field) => `${field} ${quoteValue(before[field])} -> ${quoteValue(after[field])}`,
            );
    return fail(
      'spec.owner',
      `spec.owner cannot change (profiles.owner.allowTransfer is false): ${changes.join(', ')}`,
    );
  },
});
