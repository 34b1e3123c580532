import { requestNamespace, skipOutsideProfileNamespace } from '../../profile-namespace.js';
import { failIf, type Violation, defineRule, WRITE_OPERATIONS } from '../../rule.js';
import { listValues, quoteValue } from '../../validation-helpers.js';
import {
  SubjectViolation,
  serviceAccountNamespace,
  subjectsOf,
  type Subject,
} from './binding-fields.js';

/**
 * A RoleBinding in a profile namespace may bind ServiceAccounts of its own namespace and of
 * `bindings.serviceAccountNamespaces` only. A ServiceAccount subject without a namespace is the
 * binding's own; a `User` subject spelled `system:serviceaccount:<ns>:<name>` is that
 * ServiceAccount too (RBAC matches the user name), so it is judged the same way.
 */
export const bindingServiceAccountNamespace = defineRule({
  id: 'binding-serviceaccount-namespace',
  targets: ['RoleBinding'],
  operations: WRITE_OPERATIONS,
  structural: false,
  description:
    'a subject is a ServiceAccount of another namespace not in `bindings.serviceAccountNamespaces`',
  clusterState: 'profile-namespace',
  check: (ctx) => {
    const outside = skipOutsideProfileNamespace(ctx);
    if (outside !== undefined) return outside;
    const namespace = requestNamespace(ctx);
    const allowed = ctx.policy.spec.bindings.serviceAccountNamespaces;
    const violations: Violation[] = [];
    // Indexed: no iterator result per subject of a 100 000-subject binding.
    const subjects = subjectsOf(ctx.object);
    const count = subjects.length;
    for (let index = 0; index < count; index++) {
      const subject = subjects[index];
      if (subject === undefined) continue;
      const saNamespace = serviceAccountNamespace(subject, namespace);
      if (saNamespace === undefined || saNamespace === namespace) continue;
      if (allowed.includes(saNamespace)) continue;
      violations.push(new ForeignServiceAccount(subject, saNamespace, namespace, allowed));
    }
    return failIf(violations);
  },
});

/**
 * A ServiceAccount of another namespace: at `namespace` of a ServiceAccount subject, at `name` of
 * a User subject spelled as its user name (path and message written when read).
 */
class ForeignServiceAccount extends SubjectViolation {
  constructor(
    subject: Subject,
    private readonly saNamespace: string,
    private readonly namespace: string,
    private readonly allowed: readonly string[],
  ) {
    super(subject, subject.kind === 'ServiceAccount' ? 'namespace' : 'name');
  }

  protected writeMessage(path: string): string {
    const field = this.subject.kind === 'ServiceAccount' ? this.saNamespace : this.subject.name;
    return `${path} ${quoteValue(field)} binds a ServiceAccount of namespace ${quoteValue(this.saNamespace)} into ${quoteValue(this.namespace)}; allowed: this namespace, ${listValues(this.allowed)} (bindings.serviceAccountNamespaces)`;
  }
}
