import { skipOutsideProfileNamespace } from '../../profile-namespace.js';
import {
  failIf,
  skip,
  type Violation,
  defineRule,
  WRITE_OPERATIONS,
  lazyViolation,
} from '../../rule.js';
import { emailDomain, indexPath, listValues, quoteValue } from '../../validation-helpers.js';
import { isPersonUser, subjectsOf } from './binding-fields.js';

/**
 * With `bindings.userEmailDomains` set, every person `User` subject must be an e-mail address of
 * one of those domains (case-insensitive, exact: a subdomain is not its parent). ServiceAccount
 * user names are judged by `binding-serviceaccount-namespace` instead.
 */
export const bindingUserDomain = defineRule({
  id: 'binding-user-domain',
  targets: ['RoleBinding'],
  operations: WRITE_OPERATIONS,
  structural: false,
  description: "`bindings.userEmailDomains` is non-empty and a User subject's domain is not in it",
  clusterState: 'profile-namespace',
  check: (ctx) => {
    const domains = ctx.policy.spec.bindings.userEmailDomains;
    if (domains.length === 0) return skip('no bindings.userEmailDomains');
    const outside = skipOutsideProfileNamespace(ctx);
    if (outside !== undefined) return outside;
    const violations: Violation[] = [];
    for (const subject of subjectsOf(ctx.object)) {
      if (!isPersonUser(subject)) continue;
      if (inDomains(subject.name, domains)) continue;
      const path = `${indexPath('subjects', subject.index)}.name`;
      violations.push(
        lazyViolation(
          path,
          () =>
            `${path} ${quoteValue(subject.name)} is not an e-mail address in an allowed domain; allowed: ${listValues(domains)} (bindings.userEmailDomains)`,
        ),
      );
    }
    return failIf(violations);
  },
});

/** True when `user`'s e-mail domain is one of `domains` (case-insensitive, exact). */
export function inDomains(user: string, domains: readonly string[]): boolean {
  const domain = emailDomain(user);
  return domain !== undefined && domains.some((allowed) => allowed.toLowerCase() === domain);
}
