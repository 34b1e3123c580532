import { requestNamespace, skipOutsideProfileNamespace } from '../../profile-namespace.js';
import { failIf, type Violation, defineRule, WRITE_OPERATIONS } from '../../rule.js';
import { listValues, quoteValue } from '../../validation-helpers.js';
import {
  ForbiddenSubject,
  SERVICE_ACCOUNT_GROUP_PREFIX,
  SubjectViolation,
  subjectsOf,
  type Subject,
} from './binding-fields.js';

/**
 * Group subjects: never one of `bindings.forbiddenGroups` (by default every authenticated,
 * unauthenticated or ServiceAccount caller), and `system:serviceaccounts:<ns>` only for the
 * binding's own namespace or one of `bindings.serviceAccountNamespaces`.
 */
export const bindingGroup = defineRule({
  id: 'binding-group',
  targets: ['RoleBinding'],
  operations: WRITE_OPERATIONS,
  structural: false,
  description:
    'a subject is a Group in `bindings.forbiddenGroups`, or `system:serviceaccounts:<ns>` for another namespace not in `bindings.serviceAccountNamespaces`',
  clusterState: 'profile-namespace',
  check: (ctx) => {
    const outside = skipOutsideProfileNamespace(ctx);
    if (outside !== undefined) return outside;
    const namespace = requestNamespace(ctx);
    const { forbiddenGroups, serviceAccountNamespaces } = ctx.policy.spec.bindings;
    const violations: Violation[] = [];
    // Indexed: no iterator result per subject of a 100 000-subject binding.
    const subjects = subjectsOf(ctx.object);
    const count = subjects.length;
    for (let index = 0; index < count; index++) {
      const subject = subjects[index];
      if (subject?.kind !== 'Group' || subject.name === undefined) continue;
      if (forbiddenGroups.includes(subject.name)) {
        violations.push(new ForbiddenSubject(subject, 'group', forbiddenGroups));
        continue;
      }
      if (!subject.name.startsWith(SERVICE_ACCOUNT_GROUP_PREFIX)) continue;
      const saNamespace = subject.name.slice(SERVICE_ACCOUNT_GROUP_PREFIX.length);
      if (saNamespace === namespace || serviceAccountNamespaces.includes(saNamespace)) continue;
      violations.push(
        new ServiceAccountsGroup(subject, saNamespace, namespace, serviceAccountNamespaces),
      );
    }
    return failIf(violations);
  },
});

/** `system:serviceaccounts:<ns>` of a namespace not allowed (path and message written when read). */
class ServiceAccountsGroup extends SubjectViolation {
  constructor(
    subject: Subject,
    private readonly saNamespace: string,
    private readonly namespace: string,
    private readonly allowed: readonly string[],
  ) {
    super(subject);
  }

  protected writeMessage(path: string): string {
    return `${path} ${quoteValue(this.subject.name)} binds every ServiceAccount of namespace ${quoteValue(this.saNamespace)} into ${quoteValue(this.namespace)}; allowed: this namespace, ${listValues(this.allowed)} (bindings.serviceAccountNamespaces)`;
  }
}
