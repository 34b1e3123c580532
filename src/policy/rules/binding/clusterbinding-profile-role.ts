import { PASS, failIf, defineRule, WRITE_OPERATIONS, type Violation } from '../../rule.js';
import { listValues, quoteValue } from '../../validation-helpers.js';
import { SubjectViolation, roleRefOf, subjectsOf, type Subject } from './binding-fields.js';

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
    // One allocation per subject, path and message written only for the reported ones.
    const subjects = subjectsOf(object);
    const violations: Violation[] = [];
    const count = subjects.length;
    for (let index = 0; index < count; index++) {
      const subject = subjects[index];
      if (subject !== undefined) violations.push(new ProfileRoleGrant(subject, name, roles));
    }
    return failIf(violations);
  },
});

/** A subject granted a profile role in every namespace (path and message written when read). */
class ProfileRoleGrant extends SubjectViolation {
  constructor(
    subject: Subject,
    private readonly role: string,
    private readonly roles: readonly string[],
  ) {
    super(subject);
  }

  protected writeMessage(path: string): string {
    return `roleRef.name ${quoteValue(this.role)} is a profile role (bindings.allowedRoles: ${listValues(this.roles)}); a ClusterRoleBinding would grant it to ${path} ${quoteValue(this.subject.name ?? '')} (${this.subject.kind ?? 'no kind'}) in every profile namespace — bind it with a RoleBinding in each namespace instead`;
  }
}
