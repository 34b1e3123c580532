import { clusterStateGate } from '../../cluster-state-gate.js';
import { requestNamespace, skipOutsideProfileNamespace } from '../../profile-namespace.js';
import {
  PASS,
  failIf,
  skip,
  type Violation,
  defineRule,
  fail,
  WRITE_OPERATIONS,
  lazyViolation,
} from '../../rule.js';
import { indexPath, quoteValue } from '../../validation-helpers.js';
import { roleRefOf, subjectsOf } from './binding-fields.js';

/**
 * A ClusterRole in `bindings.ownerOnlyRoles` (by default `kubeflow-admin`) may be bound only to
 * the owner of the namespace's Profile: every subject must be that owner (same kind, same name).
 * Needs the Profile from the cluster snapshot; a namespace without one has no owner to grant it to.
 */
export const bindingOwnerOnlyRole = defineRule({
  id: 'binding-owner-only-role',
  targets: ['RoleBinding'],
  operations: WRITE_OPERATIONS,
  structural: false,
  description:
    "`roleRef` is in `bindings.ownerOnlyRoles` and a subject is not the namespace's Profile owner",
  clusterState: 'snapshot',
  check: (ctx) => {
    const outside = skipOutsideProfileNamespace(ctx);
    if (outside !== undefined) return outside;
    const { kind, name } = roleRefOf(ctx.object);
    if (kind !== 'ClusterRole' || name === undefined) return skip('roleRef is not a ClusterRole');
    if (!ctx.policy.spec.bindings.ownerOnlyRoles.includes(name)) return PASS;
    const namespace = requestNamespace(ctx);
    const gate = clusterStateGate(
      ctx,
      `the owner of profile namespace ${quoteValue(namespace)}`,
      'roleRef.name',
    );
    if (gate !== undefined) return gate;
    const profile = ctx.cluster.getProfile(namespace);
    if (profile === undefined) {
      return fail(
        'roleRef.name',
        `roleRef.name ${quoteValue(name)} is reserved to the Profile owner (bindings.ownerOnlyRoles), and no Profile ${quoteValue(namespace)} exists to name an owner`,
      );
    }
    const ownerKind = profile.ownerKind === '' ? 'User' : profile.ownerKind;
    const violations: Violation[] = [];
    for (const subject of subjectsOf(ctx.object)) {
      if (subject.kind === ownerKind && subject.name === profile.ownerName) continue;
      const path = `${indexPath('subjects', subject.index)}.name`;
      violations.push(
        lazyViolation(
          path,
          () =>
            `${path} ${quoteValue(subject.name ?? null)} (${subject.kind ?? 'no kind'}) is not the owner of profile namespace ${quoteValue(namespace)} (${ownerKind} ${quoteValue(profile.ownerName)}); roleRef.name ${quoteValue(name)} is reserved to the owner (bindings.ownerOnlyRoles)`,
        ),
      );
    }
    return failIf(violations);
  },
});
