import { PASS, failIf, defineRule, WRITE_OPERATIONS, type Violation } from '../../rule.js';
import { indexPath, listValues, quoteValue } from '../../validation-helpers.js';
import { roleRefOf, subjectsOf } from './binding-fields.js';

/**
 * A ClusterRoleBinding must not bind one of `bindings.allowedRoles`: those are the roles profile
 * namespaces grant one namespace at a time, and a ClusterRoleBinding grants them in every profile
 * namespace at once. Applies everywhere (ClusterRoleBindings have no namespace).
 *
 * One violation per subject (at `subjects[i].name`), so that ratcheting, which matches subjects by
 * kind/namespace/name, keeps a stored grant as a warning but judges every added or changed
 * subject afresh. A binding without subjects grants nothing and passes (removing the last subject
 * of an old grant is never refused); each subject added later is judged.
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
    const violations: Violation[] = subjectsOf(object).map((subject) => {
      const path = `${indexPath('subjects', subject.index)}.name`;
      return {
        path,
        message: `roleRef.name ${quoteValue(name)} is a profile role (bindings.allowedRoles: ${listValues(roles)}); a ClusterRoleBinding would grant it to ${path} ${quoteValue(subject.name ?? '')} (${subject.kind ?? 'no kind'}) in every profile namespace — bind it with a RoleBinding in each namespace instead`,
      };
    });
    return failIf(violations);
  },
});
