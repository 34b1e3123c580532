/**
 * The stable rule ids of the public contract. They appear in denial messages, metric labels,
 * reports and a policy's `ruleModes`; never rename one.
 */
export const RULE_IDS = [
  'profile-name-format',
  'profile-name-reserved',
  'profile-name-pattern',
  'profile-owner-required',
  'profile-owner-kind',
  'profile-owner-format',
  'profile-owner-lowercase',
  'profile-owner-domain',
  'profile-owner-immutable',
  'profile-owner-limit',
  'profile-namespace-takeover',
  'profile-quota-quantity',
  'profile-quota-resource',
  'profile-quota-max',
  'profile-plugin',
  'binding-serviceaccount-namespace',
  'binding-group',
  'binding-role',
  'binding-owner-only-role',
  'binding-user-domain',
  'binding-contributor-limit',
  'binding-protected',
  'clusterbinding-profile-role',
  'authz-source-namespace',
  'authz-any-source',
  'authz-user-header',
] as const;

/** One of the contract's rule ids. */
export type RuleId = (typeof RULE_IDS)[number];
