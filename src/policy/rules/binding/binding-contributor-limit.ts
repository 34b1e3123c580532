import { clusterStateGate } from '../../cluster-state-gate.js';
import { asString, getPath } from '../../object-access.js';
import { requestNamespace, skipOutsideProfileNamespace } from '../../profile-namespace.js';
import { PASS, failIf, skip, type Violation, defineRule, WRITE_OPERATIONS } from '../../rule.js';
import { indexPath, quoteValue } from '../../validation-helpers.js';
import { SERVICE_ACCOUNT_USER_PREFIX, isPersonUser, subjectsOf } from './binding-fields.js';

/**
 * At most `bindings.maxContributors` distinct person `User` subjects besides the Profile owner
 * over all RoleBindings of the namespace, counted on the snapshot with this binding added
 * (CREATE) or replacing its stored version (UPDATE). Only a binding that brings in a user no
 * other binding has is refused, and its violations name those users: a binding that adds no one
 * never makes the count worse, so it stays writable after a policy is tightened.
 */
export const bindingContributorLimit = defineRule({
  id: 'binding-contributor-limit',
  targets: ['RoleBinding'],
  operations: WRITE_OPERATIONS,
  structural: false,
  description:
    'the namespace would have more than `bindings.maxContributors` distinct User subjects besides its owner (0 = no limit)',
  clusterState: 'snapshot',
  check: (ctx) => {
    const max = ctx.policy.spec.bindings.maxContributors;
    if (max <= 0) return skip('no bindings.maxContributors');
    const outside = skipOutsideProfileNamespace(ctx);
    if (outside !== undefined) return outside;
    const namespace = requestNamespace(ctx);
    const gate = clusterStateGate(
      ctx,
      `the contributors of namespace ${quoteValue(namespace)}`,
      'subjects',
    );
    if (gate !== undefined) return gate;

    const name =
      ctx.input.name !== '' ? ctx.input.name : asString(getPath(ctx.object, 'metadata', 'name'));
    const profile = ctx.cluster.getProfile(namespace);
    const owner =
      profile !== undefined && (profile.ownerKind === 'User' || profile.ownerKind === '')
        ? profile.ownerName
        : undefined;

    const others = new Set<string>();
    for (const binding of ctx.cluster.roleBindingsIn(namespace)) {
      if (binding.name === name) continue;
      for (const subject of binding.subjects) {
        if (subject.kind !== 'User' || subject.name.startsWith(SERVICE_ACCOUNT_USER_PREFIX))
          continue;
        if (subject.name !== owner) others.add(subject.name);
      }
    }
    const added = new Map<string, number>();
    for (const subject of subjectsOf(ctx.object)) {
      if (!isPersonUser(subject) || subject.name === owner || others.has(subject.name)) continue;
      if (!added.has(subject.name)) added.set(subject.name, subject.index);
    }
    const total = others.size + added.size;
    if (total <= max) return PASS;
    const violations: Violation[] = [...added].map(([user, index]) => {
      const path = `${indexPath('subjects', index)}.name`;
      return {
        path,
        message: `${path} ${quoteValue(user)} would make ${total} contributors in namespace ${quoteValue(namespace)} (distinct User subjects besides the owner); bindings.maxContributors is ${max}`,
      };
    });
    return failIf(violations);
  },
});
