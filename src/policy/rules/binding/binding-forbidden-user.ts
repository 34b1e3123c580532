import { skipOutsideProfileNamespace } from '../../profile-namespace.js';
import { failIf, defineRule, type Violation, WRITE_OPERATIONS } from '../../rule.js';

import { ForbiddenSubject, subjectsOf } from './binding-fields.js';

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
    // Indexed: no iterator result per subject of a 100 000-subject binding.
    const subjects = subjectsOf(ctx.object);
    const count = subjects.length;
    for (let index = 0; index < count; index++) {
      const subject = subjects[index];
      if (subject?.kind !== 'User' || subject.name === undefined) continue;
      if (!forbidden.includes(subject.name)) continue;
      violations.push(new ForbiddenSubject(subject, 'user', forbidden));
    }
    return failIf(violations);
  },
});
