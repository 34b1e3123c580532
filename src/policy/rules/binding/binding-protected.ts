import { serviceAccountUser } from '../../engine.js';
import { isMetadataOnlyUpdate } from '../../metadata-only-update.js';
import { asString, getPath } from '../../object-access.js';
import { skipOutsideProfileNamespace } from '../../profile-namespace.js';
import { PASS, skip, defineRule, fail } from '../../rule.js';
import { listValues, quoteValue } from '../../validation-helpers.js';

/**
 * The RoleBindings and AuthorizationPolicies the profile controller owns (`bindings.protected`,
 * e.g. the owner's `namespaceAdmin`) may be updated or deleted only by
 * `bindings.protectedManagers` (`namespace/name` ServiceAccounts). The rule judges the change, not
 * the object: an UPDATE that leaves everything but the metadata-only fields as they were touches
 * nothing (and the engine's run over the stored object, for ratcheting, is such a no-change).
 */
export const bindingProtected = defineRule({
  id: 'binding-protected',
  targets: ['RoleBinding', 'AuthorizationPolicy'],
  operations: ['UPDATE', 'DELETE'],
  structural: false,
  description:
    'an object named in `bindings.protected` is changed or deleted by anyone but `bindings.protectedManagers`',
  clusterState: 'profile-namespace',
  check: (ctx) => {
    // The request's name and the object's are the same on any review the API server sends; one
    // that says otherwise is judged by whichever is protected.
    const { protected: names, protectedManagers } = ctx.policy.spec.bindings;
    const name = [ctx.input.name, asString(getPath(ctx.object, 'metadata', 'name'))].find(
      (candidate) => candidate !== undefined && candidate !== '' && names.includes(candidate),
    );
    if (name === undefined) return skip('not a protected object');
    const outside = skipOutsideProfileNamespace(ctx);
    if (outside !== undefined) return outside;
    if (protectedManagers.some((ref) => serviceAccountUser(ref) === ctx.input.user.username)) {
      return skip('caller is in bindings.protectedManagers');
    }
    if (
      ctx.input.operation === 'UPDATE' &&
      ctx.oldObject !== undefined &&
      isMetadataOnlyUpdate(ctx.object, ctx.oldObject)
    ) {
      return PASS;
    }
    const verb = ctx.input.operation === 'DELETE' ? 'deleted' : 'changed';
    return fail(
      'metadata.name',
      `metadata.name ${quoteValue(name)} is a protected ${ctx.input.target} (bindings.protected): it may only be ${verb} by ${listValues(protectedManagers)} (bindings.protectedManagers)`,
    );
  },
});
