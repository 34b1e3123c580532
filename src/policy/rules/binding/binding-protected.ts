import { serviceAccountUser } from '../../engine.js';
import { isMetadataOnlyUpdate } from '../../metadata-only-update.js';
import { asArray, asRecord, asString, getPath } from '../../object-access.js';
import { skipOutsideProfileNamespace } from '../../profile-namespace.js';
import { PASS, skip, defineRule, fail } from '../../rule.js';
import { indexPath, listValues, quoteValue } from '../../validation-helpers.js';

/**
 * The RoleBindings and AuthorizationPolicies the profile controller owns (`bindings.protected`,
 * e.g. the owner's `namespaceAdmin`) may be updated or deleted only by
 * `bindings.protectedManagers` (`namespace/name` ServiceAccounts). The rule judges the change, not
 * the object: an UPDATE that leaves everything but the metadata-only fields as they were touches
 * nothing (and the engine's run over the stored object, for ratcheting, is such a no-change),
 * except one that adds an `ownerReferences` entry: the garbage collector deletes an object whose
 * owners are all gone, so a tenant who swaps the Profile's reference for one to an object she
 * deletes (or to none that exists) would delete the protected object through it. Removing
 * references (orphaning, the collector dropping a dangling one) never deletes it and passes.
 * This rule judges such metadata-only updates itself (`judgesMetadataOnlyUpdates`).
 */
export const bindingProtected = defineRule({
  id: 'binding-protected',
  targets: ['RoleBinding', 'AuthorizationPolicy'],
  operations: ['UPDATE', 'DELETE'],
  structural: false,
  description:
    'an object named in `bindings.protected` is changed or deleted by anyone but `bindings.protectedManagers`',
  clusterState: 'profile-namespace',
  judgesMetadataOnlyUpdates: true,
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
      const added = addedOwnerReference(ctx.object, ctx.oldObject);
      if (added === undefined) return PASS;
      const path = indexPath('metadata.ownerReferences', added);
      return fail(
        path,
        `${path} adds an owner to the protected ${ctx.input.target} ${quoteValue(name)} (bindings.protected): the garbage collector deletes an object whose owners are all gone, so only ${listValues(protectedManagers)} (bindings.protectedManagers) may add one`,
      );
    }
    const verb = ctx.input.operation === 'DELETE' ? 'deleted' : 'changed';
    return fail(
      'metadata.name',
      `metadata.name ${quoteValue(name)} is a protected ${ctx.input.target} (bindings.protected): it may only be ${verb} by ${listValues(protectedManagers)} (bindings.protectedManagers)`,
    );
  },
});

/**
 * The index of the first `metadata.ownerReferences` entry of `object` that `oldObject` does not
 * have (same apiVersion, kind, name and uid; the `controller` and `blockOwnerDeletion` flags may
 * change), or undefined when none was added. Linear: stored references are keyed once.
 */
function addedOwnerReference(object: unknown, oldObject: unknown): number | undefined {
  const identity = (reference: unknown): string => {
    const record = asRecord(reference);
    return JSON.stringify(
      record === undefined
        ? reference
        : [record.apiVersion, record.kind, record.name, record.uid].map((v) => v ?? null),
    );
  };
  const stored = new Set(asArray(getPath(oldObject, 'metadata', 'ownerReferences')).map(identity));
  const references = asArray(getPath(object, 'metadata', 'ownerReferences'));
  const index = references.findIndex((reference) => !stored.has(identity(reference)));
  return index < 0 ? undefined : index;
}
