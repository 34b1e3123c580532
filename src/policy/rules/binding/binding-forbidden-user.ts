import { skipOutsideProfileNamespace } from '../../profile-namespace.js';
import { failIf, defineRule, type Violation, WRITE_OPERATIONS, lazyViolation } from '../../rule.js';
import { indexPath, listValues, quoteValue } from '../../validation-helpers.js';
import { subjectsOf } from './binding-fields.js';

/**
 * No `User` subject may be one of `bindings.forbiddenUsers`: by default `system:anonymous`, the
 * user every unauthenticated request runs as, so binding it opens the namespace to anyone who can
 * reach the API server. Names are compared exactly, as RBAC does (`System:Anonymous` is another,
 * nonexistent user).
 */
export const bindingForbiddenUser = defineRule({
  id: 'binding-forbidden-user',
  targets: ['RoleBinding'],
  operations: WRITE_OPERATIONS,
  structural: false,
  description:
    'a User subject is in `bindings.forbiddenUsers` (default `system:anonymous`, which is everyone unauthenticated)',
  clusterState: 'profile-namespace',
  check: (ctx) => {
    const outside = skipOutsideProfileNamespace(ctx);
    if (outside !== undefined) return outside;
    const forbidden = ctx.policy.spec.bindings.forbiddenUsers;
    const violations: Violation[] = [];
    for (const subject of subjectsOf(ctx.object)) {
      if (subject.kind !== 'User' || subject.name === undefined) continue;
      if (!forbidden.includes(subject.name)) continue;
      const path = `${indexPath('subjects', subject.index)}.name`;
      violations.push(
        lazyViolation(
          path,
          () =>
            `${path} ${quoteValue(subject.name)} is a forbidden user (bindings.forbiddenUsers: ${listValues(forbidden)})`,
        ),
      );
    }
    return failIf(violations);
  },
});
