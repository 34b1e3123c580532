import { skipOutsideProfileNamespace } from '../../profile-namespace.js';
import { PASS, defineRule, fail, WRITE_OPERATIONS } from '../../rule.js';
import { listValues, quoteValue } from '../../validation-helpers.js';
import { roleRefOf } from './binding-fields.js';

/**
 * `roleRef` may name a `Role` (always of the binding's own namespace, so always allowed) or a
 * ClusterRole in `bindings.allowedRoles`. Any other kind is refused: the API server knows only
 * these two, and a rule that cannot tell what is granted must not allow it.
 */
export const bindingRole = defineRule({
  id: 'binding-role',
  targets: ['RoleBinding'],
  operations: WRITE_OPERATIONS,
  structural: false,
  description:
    '`roleRef` is a ClusterRole not in `bindings.allowedRoles` (a `Role` of the same namespace is always allowed)',
  clusterState: 'profile-namespace',
  check: (ctx) => {
    const outside = skipOutsideProfileNamespace(ctx);
    if (outside !== undefined) return outside;
    const { kind, name } = roleRefOf(ctx.object);
    const allowed = ctx.policy.spec.bindings.allowedRoles;
    if (kind === 'Role') return PASS;
    if (kind !== 'ClusterRole') {
      return fail(
        'roleRef.kind',
        `roleRef.kind ${quoteValue(kind ?? null)} is neither Role nor ClusterRole`,
      );
    }
    if (name !== undefined && allowed.includes(name)) return PASS;
    return fail(
      'roleRef.name',
      `roleRef.name ${quoteValue(name ?? null)} is a ClusterRole not allowed in profile namespaces; allowed: ${listValues(allowed)} (bindings.allowedRoles)`,
    );
  },
});
