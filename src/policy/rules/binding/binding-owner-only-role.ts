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
} from '../../rule.js';
import { quoteValue } from '../../validation-helpers.js';
import { SubjectViolation, roleRefOf, subjectsOf, type Subject } from './binding-fields.js';

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
    // Indexed: no iterator result per subject of a 100 000-subject binding.
    const subjects = subjectsOf(ctx.object);
    const owner: Owner = { namespace, kind: ownerKind, name: profile.ownerName, role: name };
    const count = subjects.length;
    for (let index = 0; index < count; index++) {
      const subject = subjects[index];
      if (subject === undefined) continue;
      if (subject.kind === ownerKind && subject.name === profile.ownerName) continue;
      violations.push(new NotTheOwner(subject, owner));
    }
    return failIf(violations);
  },
});

/** The namespace's owner and the role reserved to them, as the messages name them. */
interface Owner {
  readonly namespace: string;
  readonly kind: string;
  readonly name: string;
  readonly role: string;
}

/** A subject that is not the owner (path and message written when read). */
class NotTheOwner extends SubjectViolation {
  constructor(
    subject: Subject,
    private readonly owner: Owner,
  ) {
    super(subject);
  }

  protected writeMessage(path: string): string {
    const { namespace, kind, name, role } = this.owner;
    return `${path} ${quoteValue(this.subject.name ?? null)} (${this.subject.kind ?? 'no kind'}) is not the owner of profile namespace ${quoteValue(namespace)} (${kind} ${quoteValue(name)}); roleRef.name ${quoteValue(role)} is reserved to the owner (bindings.ownerOnlyRoles)`;
  }
}
