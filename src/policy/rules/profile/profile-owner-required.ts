import { asRecord, getPath } from '../../object-access.js';
import { PASS, defineRule, fail, WRITE_OPERATIONS } from '../../rule.js';
import { quoteValue } from '../../validation-helpers.js';

/** `spec.owner` must be an object with a non-blank string `name`: the controller binds it as admin. */
export const profileOwnerRequired = defineRule({
  id: 'profile-owner-required',
  targets: ['Profile'],
  operations: WRITE_OPERATIONS,
  structural: true,
  description:
    '`spec.owner` is missing or not an object, or `spec.owner.name` is missing, blank or not a string',
  clusterState: 'none',
  check: ({ object }) => {
    const raw = getPath(object, 'spec', 'owner');
    if (raw === undefined || raw === null) {
      return fail('spec.owner', 'spec.owner is missing; a Profile needs an owner {kind, name}');
    }
    const owner = asRecord(raw);
    if (owner === undefined) {
      return fail(
        'spec.owner',
        `spec.owner ${quoteValue(raw)} is not an object; expected {kind, name}`,
      );
    }
    const name = owner.name;
    if (name === undefined || name === null || (typeof name === 'string' && name.trim() === '')) {
      return fail('spec.owner.name', 'spec.owner.name is missing or empty');
    }
    if (typeof name !== 'string') {
      return fail('spec.owner.name', `spec.owner.name ${quoteValue(name)} is not a string`);
    }
    return PASS;
  },
});
