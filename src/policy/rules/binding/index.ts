import type { RuleDefinition } from '../../rule.js';
import { bindingContributorLimit } from './binding-contributor-limit.js';
import { bindingGroup } from './binding-group.js';
import { bindingOwnerOnlyRole } from './binding-owner-only-role.js';
import { bindingProtected } from './binding-protected.js';
import { bindingRole } from './binding-role.js';
import { bindingServiceAccountNamespace } from './binding-serviceaccount-namespace.js';
import { bindingUserDomain } from './binding-user-domain.js';
import { clusterbindingProfileRole } from './clusterbinding-profile-role.js';

/** The RoleBinding and ClusterRoleBinding rules (and `binding-protected`), in catalog order. */
export const BINDING_RULES: readonly RuleDefinition[] = [
  bindingServiceAccountNamespace,
  bindingGroup,
  bindingRole,
  bindingOwnerOnlyRole,
  bindingUserDomain,
  bindingContributorLimit,
  bindingProtected,
  clusterbindingProfileRole,
];
