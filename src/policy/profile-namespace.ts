import type { ClusterSnapshot } from './cluster-snapshot.js';
import { asArray, asString, getPath } from './object-access.js';
import type { Policy } from './policy-spec.js';
import { skip, type RuleContext, type RuleResult } from './rule.js';

/**
 * True when `namespace` is a profile namespace: a Profile of that name exists, or the Namespace
 * carries every key/value of `profileNamespaces.label` (an empty label map matches nothing, so
 * only Profiles count then). Without cluster lookups (`none`) every namespace counts, and before
 * the first sync (`unsynced`) too: rules then apply rather than silently skip.
 */
export function isProfileNamespace(
  namespace: string,
  policy: Policy,
  cluster: ClusterSnapshot,
): boolean {
  if (cluster.state === 'none' || cluster.state === 'unsynced') return true;
  if (cluster.getProfile(namespace) !== undefined) return true;
  const wanted = Object.entries(policy.spec.profileNamespaces.label);
  if (wanted.length === 0) return false;
  const record = cluster.getNamespace(namespace);
  if (record === undefined) return false;
  return wanted.every(([key, value]) => record.labels[key] === value);
}

/** The `spec.owner.name` of the Profile named like `namespace`, when the snapshot has one. */
export function namespaceOwner(namespace: string, cluster: ClusterSnapshot): string | undefined {
  return cluster.getProfile(namespace)?.ownerName;
}

/**
 * The namespace of a namespaced request: the request's own namespace, else the object's
 * `metadata.namespace` (offline `check` inputs may only carry the latter).
 */
export function requestNamespace(ctx: RuleContext): string {
  if (ctx.input.namespace !== '') return ctx.input.namespace;
  return asString(getPath(ctx.object, 'metadata', 'namespace')) ?? '';
}

/**
 * The skip result for a request outside profile namespaces, or undefined when the rule applies.
 * Binding and AuthorizationPolicy rules start with it.
 */
export function skipOutsideProfileNamespace(ctx: RuleContext): RuleResult | undefined {
  const namespace = requestNamespace(ctx);
  if (isProfileNamespace(namespace, ctx.policy, ctx.cluster)) return undefined;
  return skip(`namespace ${JSON.stringify(namespace)} is not a profile namespace`);
}

/**
 * The name of the Profile an object's `metadata.ownerReferences` names: the first reference of
 * kind `Profile` in a `kubeflow.org/…` apiVersion with a non-empty name (what the profile
 * controller sets on the Namespace it creates). Undefined when there is none.
 */
export function profileOwnerReference(ownerReferences: unknown): string | undefined {
  for (const reference of asArray(ownerReferences)) {
    const apiVersion = asString(getPath(reference, 'apiVersion')) ?? '';
    const name = asString(getPath(reference, 'name'));
    if (
      asString(getPath(reference, 'kind')) === 'Profile' &&
      apiVersion.startsWith('kubeflow.org/') &&
      name !== undefined &&
      name !== ''
    ) {
      return name;
    }
  }
  return undefined;
}
