import { requestNamespace, skipOutsideProfileNamespace } from '../../profile-namespace.js';
import { failIf, type Violation, defineRule, WRITE_OPERATIONS, lazyViolation } from '../../rule.js';
import { indexPath, listValues, quoteValue } from '../../validation-helpers.js';
import { SERVICE_ACCOUNT_GROUP_PREFIX, subjectsOf } from './binding-fields.js';

/**
 * Group subjects: never one of `bindings.forbiddenGroups` (by default every authenticated,
 * unauthenticated or ServiceAccount caller), and `system:serviceaccounts:<ns>` only for the
 * binding's own namespace or one of `bindings.serviceAccountNamespaces`.
 */
export const bindingGroup = defineRule({
  id: 'binding-group',
  targets: ['RoleBinding'],
  operations: WRITE_OPERATIONS,
  structural: false,
  description:
    'a subject is a Group in `bindings.forbiddenGroups`, or `system:serviceaccounts:<ns>` for another namespace not in `bindings.serviceAccountNamespaces`',
  clusterState: 'profile-namespace',
  check: (ctx) => {
    const outside = skipOutsideProfileNamespace(ctx);
    if (outside !== undefined) return outside;
    const namespace = requestNamespace(ctx);
    const { forbiddenGroups, serviceAccountNamespaces } = ctx.policy.spec.bindings;
    const violations: Violation[] = [];
    for (const subject of subjectsOf(ctx.object)) {
      if (subject.kind !== 'Group' || subject.name === undefined) continue;
      const path = `${indexPath('subjects', subject.index)}.name`;
      if (forbiddenGroups.includes(subject.name)) {
        violations.push(
          lazyViolation(
            path,
            () =>
              `${path} ${quoteValue(subject.name)} is a forbidden group (bindings.forbiddenGroups: ${listValues(forbiddenGroups)})`,
          ),
        );
        continue;
      }
      if (!subject.name.startsWith(SERVICE_ACCOUNT_GROUP_PREFIX)) continue;
      const saNamespace = subject.name.slice(SERVICE_ACCOUNT_GROUP_PREFIX.length);
      if (saNamespace === namespace || serviceAccountNamespaces.includes(saNamespace)) continue;
      violations.push(
        lazyViolation(
          path,
          () =>
            `${path} ${quoteValue(subject.name)} binds every ServiceAccount of namespace ${quoteValue(saNamespace)} into ${quoteValue(namespace)}; allowed: this namespace, ${listValues(serviceAccountNamespaces)} (bindings.serviceAccountNamespaces)`,
        ),
      );
    }
    return failIf(violations);
  },
});
