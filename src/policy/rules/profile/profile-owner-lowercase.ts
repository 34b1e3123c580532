import { PASS, skip, defineRule, fail, WRITE_OPERATIONS } from '../../rule.js';
import { quoteValue } from '../../validation-helpers.js';
import { userOwnerName } from './profile-fields.js';

/**
 * A `User` owner's name must be lower case: RBAC compares user names case-sensitively while
 * identity providers usually do not, so `Alice@…` would own a namespace `alice@…` cannot use.
 */
export const profileOwnerLowercase = defineRule({
  id: 'profile-owner-lowercase',
  targets: ['Profile'],
  operations: WRITE_OPERATIONS,
  structural: false,
  description:
    "a `User` owner's name has upper-case letters (RBAC user names are case-sensitive); `Warn` in the embedded default",
  clusterState: 'none',
  check: ({ object }) => {
    const name = userOwnerName(object);
    if (name === undefined) return skip('no User owner name');
    const lower = name.toLowerCase();
    if (lower === name) return PASS;
    return fail(
      'spec.owner.name',
      `spec.owner.name ${quoteValue(name)} has upper-case letters; RBAC user names are case-sensitive, use ${quoteValue(lower)}`,
    );
  },
});
