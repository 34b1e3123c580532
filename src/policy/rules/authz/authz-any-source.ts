import { skipOutsideProfileNamespace } from '../../profile-namespace.js';
import {
  DeferredViolation,
  failIf,
  type Violation,
  defineRule,
  WRITE_OPERATIONS,
} from '../../rule.js';
import { indexPath } from '../../validation-helpers.js';
import {
  someCondition,
  type AuthzCondition,
  grantingRules,
  limitedToPaths,
  pathLimitFailure,
  sourceAt,
  type AuthzRule,
} from './authz-fields.js';

/**
 * A granting (ALLOW) rule must say who it admits. By Istio's semantics a rule matches when its
 * `from`, `to` and `when` all match, so its sources are restricted either by `from` (every
 * `from[].source` naming `namespaces` or `principals`) or by a `when` condition on
 * `source.namespace` / `source.principal` with `values` (Kubeflow's own `ns-owner-access-istio`
 * admits its namespace that way). `notValues`, exclusions, IP blocks and request principals never
 * restrict: any workload can meet them. An unrestricted rule is allowed only when every
 * `to[].operation` lists `paths`, all of them in `authorizationPolicies.allowedPaths` (health and
 * metrics endpoints the mesh probes need): methods, hosts, ports or `notPaths` do not limit who
 * gets in.
 */
export const authzAnySource = defineRule({
  id: 'authz-any-source',
  targets: ['AuthorizationPolicy'],
  operations: WRITE_OPERATIONS,
  structural: false,
  description:
    'an ALLOW rule restricts its sources neither with `from` nor with a `when` condition on `source.namespace` / `source.principal` (`values`, not `notValues`), and its `to` does not restrict it to paths in `authorizationPolicies.allowedPaths`',
  clusterState: 'profile-namespace',
  check: (ctx) => {
    const outside = skipOutsideProfileNamespace(ctx);
    if (outside !== undefined) return outside;
    const { allowedPaths, userIdHeader } = ctx.policy.spec.authorizationPolicies;
    const violations: Violation[] = [];
    // Indexed (see grantingRules): no iterator result per rule of a 50 000-rule policy.
    const rules = grantingRules(ctx.object);
    const ruleCount = rules.length;
    for (let ruleIndex = 0; ruleIndex < ruleCount; ruleIndex++) {
      const rule = rules[ruleIndex];
      if (rule === undefined) continue;
      if (restrictedByCondition(rule, userIdHeader)) continue;
      // Judged without writing anything: a policy may have a million open rules (`{}` is three
      // bytes), and only the reported ones' paths and messages are ever read.
      const from = rule.rule.from;
      if (from === undefined || from === null) {
        if (!limitedToPaths(rule, allowedPaths)) {
          violations.push(new OpeningViolation(rule, MISSING_FROM, allowedPaths));
        }
        continue;
      }
      if (!hasEntries(from)) {
        if (!limitedToPaths(rule, allowedPaths)) {
          violations.push(new OpeningViolation(rule, EMPTY_FROM, allowedPaths));
        }
        continue;
      }
      const sources = from as readonly unknown[];
      let limited: boolean | undefined;
      for (let index = 0; index < sources.length; index++) {
        const source = sourceAt(sources, index);
        if (hasEntries(source.namespaces) || hasEntries(source.principals)) continue;
        limited ??= limitedToPaths(rule, allowedPaths);
        if (limited) break;
        violations.push(new OpeningViolation(rule, index, allowedPaths));
      }
    }
    return failIf(violations);
  },
});

/**
 * True when an exactly spelled `source.namespace` or `source.principal` condition with `values`
 * restricts the rule's sources (what those values admit is `authz-source-namespace`'s concern).
 */
function restrictedByCondition(rule: AuthzRule, userIdHeader: string): boolean {
  return someCondition(rule, userIdHeader, restrictsSources);
}

function restrictsSources({ meaning, hasValues }: AuthzCondition): boolean {
  return (
    meaning.exact && (meaning.kind === 'namespace' || meaning.kind === 'principal') && hasValues
  );
}

/** `OpeningViolation.at` for a rule without `from`, and for one whose `from` is empty. */
const MISSING_FROM = -1;
const EMPTY_FROM = -2;

/**
 * Where a rule admits any source: its missing (`at` MISSING_FROM) or empty (EMPTY_FROM) `from`,
 * or the identity-free source `from[at]`. One allocation; the path, and the rule's reason not to
 * be limited to paths, are written only when read (for the reported findings).
 */
class OpeningViolation extends DeferredViolation {
  constructor(
    private readonly rule: AuthzRule,
    private readonly at: number,
    private readonly allowedPaths: readonly string[],
  ) {
    super();
  }

  protected writePath(): string {
    const from = `${this.rule.path}.from`;
    return this.at < 0 ? from : `${indexPath(from, this.at)}.source`;
  }

  protected writeMessage(path: string): string {
    const why =
      this.at === MISSING_FROM
        ? 'is missing'
        : this.at === EMPTY_FROM
          ? 'is empty'
          : 'names neither namespaces nor principals';
    const unlimited = pathLimitFailure(this.rule, this.allowedPaths) ?? '';
    return `${path} ${why}, so the rule admits any source, and ${unlimited}`;
  }
}

function hasEntries(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}
