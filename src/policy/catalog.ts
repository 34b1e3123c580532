import { namespaceLabelsMutator } from './mutators/namespace-labels.js';
import { profileAnnotations } from './mutators/profile-annotations.js';
import { profileDefaultQuota } from './mutators/profile-default-quota.js';
import { profileLabels } from './mutators/profile-labels.js';
import type { CatalogMutatorDefinition, RuleDefinition } from './rule.js';
import { authzGatewayUser } from './rules/authz/authz-gateway-user.js';
import { authzAnySource } from './rules/authz/authz-any-source.js';
import { authzSourceNamespace } from './rules/authz/authz-source-namespace.js';
import { authzUserHeader } from './rules/authz/authz-user-header.js';
import { bindingForbiddenUser } from './rules/binding/binding-forbidden-user.js';
import { bindingContributorLimit } from './rules/binding/binding-contributor-limit.js';
import { bindingGroup } from './rules/binding/binding-group.js';
import { bindingOwnerOnlyRole } from './rules/binding/binding-owner-only-role.js';
import { bindingProtected } from './rules/binding/binding-protected.js';
import { bindingRole } from './rules/binding/binding-role.js';
import { bindingServiceAccountNamespace } from './rules/binding/binding-serviceaccount-namespace.js';
import { bindingUserDomain } from './rules/binding/binding-user-domain.js';
import { clusterbindingProfileRole } from './rules/binding/clusterbinding-profile-role.js';
import { profileNameFormat } from './rules/profile/profile-name-format.js';
import { profileDefaultsApplied } from './rules/profile/profile-defaults-applied.js';
import { profileNamePattern } from './rules/profile/profile-name-pattern.js';
import { profileNameReserved } from './rules/profile/profile-name-reserved.js';
import { profileSelectorLabel } from './rules/profile/profile-selector-label.js';
import { profileNamespaceTakeover } from './rules/profile/profile-namespace-takeover.js';
import { profileOwnerDomain } from './rules/profile/profile-owner-domain.js';
import { profileOwnerFormat } from './rules/profile/profile-owner-format.js';
import { profileOwnerImmutable } from './rules/profile/profile-owner-immutable.js';
import { profileOwnerKind } from './rules/profile/profile-owner-kind.js';
import { profileOwnerLimit } from './rules/profile/profile-owner-limit.js';
import { profileOwnerLowercase } from './rules/profile/profile-owner-lowercase.js';
import { profileOwnerRequired } from './rules/profile/profile-owner-required.js';
import { profilePlugin } from './rules/profile/profile-plugin.js';
import { profilePluginIdentity } from './rules/profile/profile-plugin-identity.js';
import { profileQuotaMax } from './rules/profile/profile-quota-max.js';
import { profileQuotaQuantity } from './rules/profile/profile-quota-quantity.js';
import { profileQuotaResource } from './rules/profile/profile-quota-resource.js';

/** Every mutation, in the order they apply (each sees the previous ones' edits). */
export const MUTATORS: readonly CatalogMutatorDefinition[] = [
  profileDefaultQuota,
  profileLabels,
  profileAnnotations,
  namespaceLabelsMutator,
];

/**
 * Every validation rule, one line each: the only place a rule is registered. The order is the
 * evaluation order, so it fixes the order of a denial's messages; it is also the order of
 * `RULE_IDS`, of the schema's `ruleModes` keys and of the README's rule table (all derived from
 * this list; `npm run generate` rewrites the generated files). The `as const` keeps each rule's
 * literal id, from which `RuleId` is derived.
 */
export const RULES = [
  profileNameFormat,
  profileNameReserved,
  profileNamePattern,
  profileOwnerRequired,
  profileOwnerKind,
  profileOwnerFormat,
  profileOwnerLowercase,
  profileOwnerDomain,
  profileOwnerImmutable,
  profileQuotaQuantity,
  profileQuotaResource,
  profileQuotaMax,
  profilePlugin,
  profilePluginIdentity,
  profileOwnerLimit,
  profileNamespaceTakeover,
  profileDefaultsApplied(MUTATORS),
  profileSelectorLabel,
  bindingServiceAccountNamespace,
  bindingGroup,
  bindingForbiddenUser,
  bindingRole,
  bindingOwnerOnlyRole,
  bindingUserDomain,
  bindingContributorLimit,
  bindingProtected,
  clusterbindingProfileRole,
  authzSourceNamespace,
  authzAnySource,
  authzGatewayUser,
  authzUserHeader,
] as const satisfies readonly RuleDefinition<string>[];
