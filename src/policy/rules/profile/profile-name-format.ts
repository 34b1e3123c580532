import { PASS, defineRule, fail, WRITE_OPERATIONS } from '../../rule.js';
import { isDns1123Label, quoteValue } from '../../validation-helpers.js';
import { getPath } from '../../object-access.js';

/** `metadata.name` must be a DNS-1123 label: the profile controller creates a Namespace of that name. */
export const profileNameFormat = defineRule({
  id: 'profile-name-format',
  targets: ['Profile'],
  operations: WRITE_OPERATIONS,
  structural: true,
  description:
    '`metadata.name` is missing or not a DNS-1123 label (a-z, 0-9, `-`, alphanumeric at both ends, at most 63)',
  clusterState: 'none',
  check: ({ object }) => {
    const name = getPath(object, 'metadata', 'name');
    if (typeof name !== 'string' || name === '') {
      return fail('metadata.name', 'metadata.name is missing');
    }
    if (isDns1123Label(name)) return PASS;
    const why =
      name.length > 63
        ? `is ${name.length} characters long; at most 63 are allowed`
        : 'is not a DNS-1123 label (a-z, 0-9 and "-", starting and ending with a-z or 0-9)';
    return fail('metadata.name', `metadata.name ${quoteValue(name)} ${why}`);
  },
});
