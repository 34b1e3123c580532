import { requestNamespace, skipOutsideProfileNamespace } from '../../profile-namespace.js';
import { failIf, type Violation, defineRule, WRITE_OPERATIONS, lazyViolation } from '../../rule.js';
import { indexPath, listValues, quoteValue } from '../../validation-helpers.js';
import { serviceAccountNamespace, subjectsOf } from './binding-fields.js';

/**
 * A RoleBinding in a profile namespace may bind ServiceAccounts of its own namespace and of
 * `bindings.serviceAccountNamespaces` only. A ServiceAccount subject without a namespace is the
 * binding's own; a `User` subject spelled `system:serviceaccount:<ns>:<name>` is that
 * ServiceAccount too (RBAC matches the user name), so it is judged the same way.
 */
export const bindingServiceAccountNamespace = defineRule({
  id: 'binding-serviceaccount-namespace',
  targets: ['RoleBinding'],
  operations: WRITE_OPERATIONS,
  structural: false,
  description:
    'a subject is a ServiceAccount of another namespace not in `bindings.serviceAccountNamespaces`',
  clusterState: 'profile-namespace',
  check: (ctx) => {
    const outside = skipOutsideProfileNamespace(ctx);
    if (outside !== undefined) return outside;
    const namespace = requestNamespace(ctx);
    const allowed = ctx.policy.spec.bindings.serviceAccountNamespaces;
    const violations: Violation[] = [];
    for (const subject of subjectsOf(ctx.object)) {
      const saNamespace = serviceAccountNamespace(subject, namespace);
      if (saNamespace === undefined || saNamespace === namespace) continue;
      if (allowed.includes(saNamespace)) continue;
      const base = indexPath('subjects', subject.index);
      const path = subject.kind === 'ServiceAccount' ? `${base}.namespace` : `${base}.name`;
      const field = subject.kind === 'ServiceAccount' ? saNamespace : subject.name;
      violations.push(
        lazyViolation(
          path,
          () =>
            `${path} ${quoteValue(field)} binds a ServiceAccount of namespace ${quoteValue(saNamespace)} into ${quoteValue(namespace)}; allowed: this namespace, ${listValues(allowed)} (bindings.serviceAccountNamespaces)`,
        ),
      );
    }
    return failIf(violations);
  },
});
