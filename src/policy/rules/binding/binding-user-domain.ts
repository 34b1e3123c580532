import { skipOutsideProfileNamespace } from '../../profile-namespace.js';
import { failIf, skip, type Violation, defineRule, WRITE_OPERATIONS } from '../../rule.js';
import { emailDomain, isEmailAddress, listValues, quoteValue } from '../../validation-helpers.js';
import { SubjectViolation, isPersonUser, subjectsOf, type Subject } from './binding-fields.js';

/**
 * With `bindings.userEmailDomains` set, every person `User` subject must be an e-mail address of
 * one of those domains (case-insensitive, exact: a subdomain is not its parent; see `inDomains`). ServiceAccount
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
    // Indexed: no iterator result per subject of a 100 000-subject binding.
    const subjects = subjectsOf(ctx.object);
    const count = subjects.length;
    for (let index = 0; index < count; index++) {
      const subject = subjects[index];
      if (subject === undefined || !isPersonUser(subject)) continue;
      if (inDomains(subject.name, domains)) continue;
      violations.push(new OutsideDomains(subject, domains));
    }
    return failIf(violations);
  },
});

/**
 * True when `user` is an e-mail address (`isEmailAddress`, as `profile-owner-format` reads an
 * owner) whose domain is one of `domains` (case-insensitive, exact). A name that merely ends in
 * `@<domain>` (`eve@evil.io@example.com`, `@example.com`) is no address of that domain.
 */
export function inDomains(user: string, domains: readonly string[]): boolean {
  const domain = emailDomain(user);
  if (domain === undefined || !domains.some((allowed) => allowed.toLowerCase() === domain)) {
    return false;
  }
  return isEmailAddress(user);
}

/** A person User outside `bindings.userEmailDomains` (path and message written when read). */
class OutsideDomains extends SubjectViolation {
  constructor(
    subject: Subject,
    private readonly domains: readonly string[],
  ) {
    super(subject);
  }

  protected writeMessage(path: string): string {
    return `${path} ${quoteValue(this.subject.name)} is not an e-mail address in an allowed domain; allowed: ${listValues(this.domains)} (bindings.userEmailDomains)`;
  }
}
