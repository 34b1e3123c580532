import { PASS, skip, defineRule, fail, WRITE_OPERATIONS } from '../../rule.js';
import { emailDomain, listValues, quoteValue } from '../../validation-helpers.js';
import { userOwnerName } from './profile-fields.js';

/**
 * With `profiles.owner.emailDomains` set, a `User` owner's e-mail domain must be one of them,
 * compared case-insensitively and exactly: a subdomain does not match its parent, since whoever
 * controls `corp.example.com` need not be trusted by `example.com`'s admins.
 */
export const profileOwnerDomain = defineRule({
  id: 'profile-owner-domain',
  targets: ['Profile'],
  operations: WRITE_OPERATIONS,
  structural: false,
  description:
    "`profiles.owner.emailDomains` is non-empty and a `User` owner's e-mail domain is not in it",
  clusterState: 'none',
  check: ({ object, policy }) => {
    const domains = policy.spec.profiles.owner.emailDomains;
    if (domains.length === 0) return skip('no profiles.owner.emailDomains');
    const name = userOwnerName(object);
    if (name === undefined) return skip('no User owner name');
    const domain = emailDomain(name);
    if (domain !== undefined && domains.some((allowed) => allowed.toLowerCase() === domain)) {
      return PASS;
    }
    return fail(
      'spec.owner.name',
      `spec.owner.name ${quoteValue(name)} is not in an allowed e-mail domain; allowed: ${listValues(domains)}`,
    );
  },
});
