import { clusterStateGate } from '../../cluster-state-gate.js';
import { asString, getPath } from '../../object-access.js';
import { PASS, skip, defineRule, fail } from '../../rule.js';
import { quoteValue } from '../../validation-helpers.js';

/**
 * A new Profile must not adopt a Namespace that already exists unless that Namespace's `owner`
 * annotation (written by the profile controller) names the same owner: otherwise creating a
 * Profile called `kubeflow` or `bob` would hand its owner someone else's namespace. With
 * `profiles.namespace.adoptUnannotated` (kubeflow/dashboard#330), a Namespace without an owner
 * annotation (or with an empty one) may be adopted too, unless an ownerReference ties it to
 * another Profile; one annotated with another owner never. Needs cluster state.
 */
export const profileNamespaceTakeover = defineRule({
  id: 'profile-namespace-takeover',
  targets: ['Profile'],
  operations: ['CREATE'],
  structural: false,
  description:
    'the Namespace of that name already exists and its `owner` annotation is missing (unless `profiles.namespace.adoptUnannotated`) or is another user',
  clusterState: 'snapshot',
  check: (ctx) => {
    const name = asString(getPath(ctx.object, 'metadata', 'name')) ?? ctx.input.name;
    if (name === '') return skip('no name');
    const gate = clusterStateGate(
      ctx,
      `whether Namespace ${quoteValue(name)} exists`,
      'metadata.name',
    );
    if (gate !== undefined) return gate;
    const namespace = ctx.cluster.getNamespace(name);
    if (namespace === undefined) return PASS;
    const owner = asString(getPath(ctx.object, 'spec', 'owner', 'name'));
    const annotation = namespace.ownerAnnotation;
    const unannotated = annotation === undefined || annotation === '';
    if (!unannotated && annotation === owner) return PASS;
    const otherProfile =
      namespace.ownerProfile !== undefined && namespace.ownerProfile !== name
        ? namespace.ownerProfile
        : undefined;
    const adoptable = ctx.policy.spec.profiles.namespace.adoptUnannotated;
    if (unannotated && adoptable && otherProfile === undefined) return PASS;
    const holder = !unannotated
      ? `is owned by ${quoteValue(annotation)}`
      : otherProfile !== undefined
        ? `belongs to Profile ${quoteValue(otherProfile)}`
        : 'has no owner annotation (profiles.namespace.adoptUnannotated is false)';
    return fail(
      'metadata.name',
      `metadata.name ${quoteValue(name)}: Namespace ${quoteValue(name)} already exists and ${holder}; a Profile of spec.owner.name ${quoteValue(owner ?? null)} cannot take it over`,
    );
  },
});
