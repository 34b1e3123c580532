import { PASS, skip, defineRule, fail, WRITE_OPERATIONS } from '../../rule.js';
import { listValues, quoteValue } from '../../validation-helpers.js';
import { profileOwner } from './profile-fields.js';

/** `spec.owner.kind` must be set (RBAC subjects require it) and be one of `profiles.owner.kinds`. */
export const profileOwnerKind = defineRule({
  id: 'profile-owner-kind',
  targets: ['Profile'],
  operations: WRITE_OPERATIONS,
  structural: false,
  description: '`spec.owner.kind` is missing or not in `profiles.owner.kinds`',
  clusterState: 'none',
  check: ({ object, policy }) => {
    const owner = profileOwner(object);
    if (owner === undefined) return skip('no spec.owner');
    const { kinds } = policy.spec.profiles.owner;
    const kind = owner.kind;
    if (kind === undefined || kind === null || kind === '') {
      return fail('spec.owner.kind', `spec.owner.kind is missing; allowed: ${listValues(kinds)}`);
    }
    if (typeof kind === 'string' && kinds.includes(kind)) return PASS;
    return fail(
      'spec.owner.kind',
      `spec.owner.kind ${quoteValue(kind)} is not allowed; allowed: ${listValues(kinds)}`,
    );
  },
});
