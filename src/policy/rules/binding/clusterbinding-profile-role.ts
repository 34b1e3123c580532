import { PASS, defineRule, fail, WRITE_OPERATIONS } from '../../rule.js';
import { listValues, quoteValue } from '../../validation-helpers.js';
import { roleRefOf } from './binding-fields.js';

/**
 * A ClusterRoleBinding must not bind one of `bindings.allowedRoles`: those are the roles profile
 * namespaces grant one namespace at a time, and a ClusterRoleBinding grants them in every profile
 * namespace at once. Applies everywhere (ClusterRoleBindings have no namespace).
 */
export const clusterbindingProfileRole = defineRule({
  id: 'clusterbinding-profile-role',
  targets: ['ClusterRoleBinding'],
  operations: WRITE_OPERATIONS,
  structural: false,
  description:
    'a ClusterRoleBinding binds a ClusterRole in `bindings.allowedRoles` (granting it in every profile namespace at once)',
  clusterState: 'none',
  check: ({ object, policy }) => {
    const { kind, name } = roleRefOf(object);
    const roles = policy.spec.bindings.allowedRoles;
    if (kind !== 'ClusterRole' || name === undefined || !roles.includes(name)) return PASS;
    return fail(
      'roleRef.name',
      `roleRef.name ${quoteValue(name)} is a profile role (bindings.allowedRoles: ${listValues(roles)}); a ClusterRoleBinding would grant it in every profile namespace — bind it with a RoleBinding in each namespace instead`,
    );
  },
});
