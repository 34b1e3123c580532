import { PASS, skip, defineRule, fail, WRITE_OPERATIONS } from '../../rule.js';
import { quoteValue } from '../../validation-helpers.js';
import { profileName } from './profile-fields.js';

/** The name must not be one of `profiles.name.reserved` nor start with a reserved prefix. */
export const profileNameReserved = defineRule({
  id: 'profile-name-reserved',
  targets: ['Profile'],
  operations: WRITE_OPERATIONS,
  structural: false,
  description:
    'the name is in `profiles.name.reserved` or starts with one of `profiles.name.reservedPrefixes`',
  clusterState: 'none',
  check: ({ object, policy }) => {
    const name = profileName(object);
    if (name === undefined) return skip('no metadata.name');
    const { reserved, reservedPrefixes } = policy.spec.profiles.name;
    if (reserved.includes(name)) {
      return fail('metadata.name', `metadata.name ${quoteValue(name)} is a reserved name`);
    }
    const prefix = reservedPrefixes.find((candidate) => name.startsWith(candidate));
    if (prefix === undefined) return PASS;
    return fail(
      'metadata.name',
      `metadata.name ${quoteValue(name)} starts with the reserved prefix ${quoteValue(prefix)}`,
    );
  },
});
