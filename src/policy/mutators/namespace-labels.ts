import type { ClusterSnapshot } from '../cluster-snapshot.js';
import type { KubeObject } from '../kube-object.js';
import { draftPath } from '../mutation-engine.js';
import { asRecord, asString, getPath } from '../object-access.js';
import { profileOwnerReference } from '../profile-namespace.js';
import type { CatalogMutatorDefinition } from '../rule.js';

/**
 * The Profile a Namespace belongs to: the `kubeflow.org` Profile in its ownerReferences (what the
 * profile controller sets), else a Profile of the Namespace's own name in the snapshot (never
 * with cluster lookups off). Undefined when it belongs to none.
 */
export function owningProfile(object: KubeObject, cluster: ClusterSnapshot): string | undefined {
  const owner = profileOwnerReference(getPath(object, 'metadata', 'ownerReferences'));
  if (owner !== undefined) return owner;
  if (cluster.state === 'none') return undefined;
  const name = asString(getPath(object, 'metadata', 'name'));
  return name !== undefined && cluster.getProfile(name) !== undefined ? name : undefined;
}

/**
 * `namespace-labels`: a profile's Namespace gets the owning Profile's labels named in
 * `profiles.namespaceLabels.propagate` (from the snapshot), then `profiles.namespaceLabels.inject`
 * on top, both overwriting what the Namespace had so a label such as
 * `pod-security.kubernetes.io/enforce` cannot be dropped or weakened. Idempotent.
 */
export const namespaceLabelsMutator: CatalogMutatorDefinition = {
  id: 'namespace-labels',
  description:
    "a Namespace that belongs to a Profile (its ownerReference to a `kubeflow.org` Profile, or a Profile of its name) gets the Profile's labels named in `profiles.namespaceLabels.propagate`, then `profiles.namespaceLabels.inject`, both overwriting the Namespace's own values so that a label such as `pod-security.kubernetes.io/enforce` cannot be dropped or weakened.",
  targets: ['Namespace'],
  // None declared: `metadata.labels` is drafted (draftPath) only once there is something to
  // write, as a copy or, for a large map, an overlay, so a Namespace with 100 000 labels costs
  // the labels written rather than a copy and a diff of them all, and nothing when none is.
  writes: [],
  apply: (ctx, draft) => {
    const profileName = owningProfile(ctx.object, ctx.cluster);
    if (profileName === undefined) return;
    const { inject, propagate } = ctx.policy.spec.profiles.namespaceLabels;
    const wanted: Record<string, string> = {};
    const profileLabels = ctx.cluster.getProfile(profileName)?.labels ?? {};
    for (const key of propagate) {
      const value = profileLabels[key];
      if (value !== undefined) wanted[key] = value;
    }
    Object.assign(wanted, inject);
    const entries = Object.entries(wanted);
    if (entries.length === 0) return;
    // A missing or malformed (not a map) `metadata` or `labels` is replaced by a new map.
    draftPath(draft, ['metadata', 'labels']);
    let metadata = asRecord(draft.metadata) as Record<string, unknown> | undefined;
    if (metadata === undefined) draft.metadata = metadata = {};
    let labels = asRecord(metadata.labels) as Record<string, unknown> | undefined;
    if (labels === undefined) metadata.labels = labels = {};
    for (const [key, value] of entries) labels[key] = value;
  },
};
