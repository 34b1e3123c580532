import type { Violation } from '../../rule.js';
import { failIf, skip, defineRule, WRITE_OPERATIONS, lazyViolation } from '../../rule.js';
import { isEmailAddress, quoteValue } from '../../validation-helpers.js';
import { RBAC_API_GROUP, profileOwner, userOwnerName } from './profile-fields.js';

// Kubernetes omits empty strings on RBAC subjects, so "" counts as not set.
const isSet = (value: unknown): boolean => value !== undefined && value !== null && value !== '';

/**
 * A `User` owner's name must be an e-mail address (see `isEmailAddress`), `apiGroup` may only be
 * `rbac.authorization.k8s.io`, and a User or Group owner must not carry a `namespace`.
 */
export const profileOwnerFormat = defineRule({
  id: 'profile-owner-format',
  targets: ['Profile'],
  operations: WRITE_OPERATIONS,
  structural: false,
  description:
    "a `User` owner's name is not an e-mail address, `apiGroup` is set to anything but `rbac.authorization.k8s.io`, or `namespace` is set on a User/Group owner",
  clusterState: 'none',
  check: ({ object }) => {
    const owner = profileOwner(object);
    if (owner === undefined) return skip('no spec.owner');
    const violations: Violation[] = [];
    const name = userOwnerName(object);
    if (name !== undefined && !isEmailAddress(name)) {
      violations.push(
        lazyViolation(
          'spec.owner.name',
          () => `spec.owner.name ${quoteValue(name)} is not an e-mail address (user@example.com)`,
        ),
      );
    }
    const apiGroup = owner.apiGroup;
    if (isSet(apiGroup) && apiGroup !== RBAC_API_GROUP) {
      violations.push(
        lazyViolation(
          'spec.owner.apiGroup',
          () =>
            `spec.owner.apiGroup ${quoteValue(apiGroup)} is not allowed; use "${RBAC_API_GROUP}" or leave it unset`,
        ),
      );
    }
    const kind = owner.kind;
    if ((kind === 'User' || kind === 'Group') && isSet(owner.namespace)) {
      violations.push(
        lazyViolation(
          'spec.owner.namespace',
          () =>
            `spec.owner.namespace ${quoteValue(owner.namespace)} must not be set on a ${kind} owner`,
        ),
      );
    }
    return failIf(violations);
  },
});
