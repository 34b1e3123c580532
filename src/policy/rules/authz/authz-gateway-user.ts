import { skipOutsideProfileNamespace } from '../../profile-namespace.js';
import {
  DeferredViolation,
  failIf,
  type Violation,
  defineRule,
  WRITE_OPERATIONS,
} from '../../rule.js';
import { quoteValue } from '../../validation-helpers.js';
import {
  admitsPrincipal,
  someCondition,
  type AuthzCondition,
  grantingRules,
  limitedToPaths,
  workloadPrincipal,
  type AuthzRule,
  type FieldRef,
} from './authz-fields.js';

/**
 * Every Kubeflow user reaches a profile namespace through the principals of
 * `authorizationPolicies.gatewayPrincipals` (the ingress gateway, the pipelines UI), which say who
 * the user is in the `userIdHeader` header. So a granting rule that admits one of those principals
 * must also name its users: it needs a `when` condition on exactly `request.headers[<userIdHeader>]`
 * (header name in any case) whose `values` are specific users (non-empty, no `*`). Without one, the
 * rule is the HTTP equivalent of binding `system:authenticated`.
 *
 * Whether a rule admits a principal follows Istio's semantics (`from`, `to` and `when` must all
 * match; see `admitsPrincipal`). The rule judges a rule that names the principal (under any trust
 * domain) or its namespace (`istio-system` admits the gateway), in `from` or in a
 * `source.principal` / `source.namespace` condition. A rule that admits it only through a
 * wildcard or for want of any source restriction admits every workload and is denied by
 * `authz-source-namespace` or `authz-any-source` instead, so each attack is reported by one rule.
 * Rules limited to `authorizationPolicies.allowedPaths` (health and metrics) are left alone, as
 * in `authz-any-source`.
 */
export const authzGatewayUser = defineRule({
  id: 'authz-gateway-user',
  targets: ['AuthorizationPolicy'],
  operations: WRITE_OPERATIONS,
  structural: false,
  description:
    'an ALLOW rule admits a principal of `authorizationPolicies.gatewayPrincipals` (through which every Kubeflow user arrives) without a `request.headers[<userIdHeader>]` condition listing specific users: the HTTP equivalent of binding `system:authenticated`',
  clusterState: 'profile-namespace',
  check: (ctx) => {
    const outside = skipOutsideProfileNamespace(ctx);
    if (outside !== undefined) return outside;
    const { gatewayPrincipals, allowedPaths, userIdHeader } = ctx.policy.spec.authorizationPolicies;
    const violations: Violation[] = [];
    // Each gateway read once (its namespace, its workload part), not once per rule.
    const gateways = gatewayPrincipals.map(workloadPrincipal);
    // Indexed (see grantingRules): no iterator result per rule of a 50 000-rule policy.
    const gatewayCount = gateways.length;
    const rules = grantingRules(ctx.object);
    const ruleCount = rules.length;
    for (let ruleIndex = 0; ruleIndex < ruleCount; ruleIndex++) {
      const rule = rules[ruleIndex];
      if (rule === undefined) continue;
      if (namesUsers(rule, userIdHeader)) continue;
      if (limitedToPaths(rule, allowedPaths)) continue;
      for (let gatewayIndex = 0; gatewayIndex < gatewayCount; gatewayIndex++) {
        const gateway = gateways[gatewayIndex];
        if (gateway === undefined) continue;
        const where = admitsPrincipal(rule, gateway, userIdHeader);
        if (where === undefined) continue;
        violations.push(new GatewayViolation(where, gateway.principal, rule, userIdHeader));
        break;
      }
    }
    return failIf(violations);
  },
});

/** True when the rule has an exactly keyed user-id condition whose `values` are specific users. */
function namesUsers(rule: AuthzRule, userIdHeader: string): boolean {
  return someCondition(rule, userIdHeader, listsUsers);
}

function listsUsers({ meaning, hasValues, values }: AuthzCondition): boolean {
  return meaning.kind === 'user-header' && meaning.exact && hasValues && specificUsers(values);
}

/** True when every string of `values` is a specific user: non-empty, no `*`. */
function specificUsers(values: readonly unknown[]): boolean {
  const count = values.length;
  for (let index = 0; index < count; index++) {
    const value = values[index];
    if (typeof value === 'string' && (value === '' || value.includes('*'))) return false;
  }
  return true;
}

/** A rule admitting a gateway at `where`; path and message written when read. */
class GatewayViolation extends DeferredViolation {
  constructor(
    private readonly where: FieldRef,
    private readonly principal: string,
    private readonly rule: AuthzRule,
    private readonly userIdHeader: string,
  ) {
    super();
  }

  protected writePath(): string {
    return this.where.path;
  }

  protected writeMessage(path: string): string {
    return `${path} admits the gateway principal ${quoteValue(this.principal)} (authorizationPolicies.gatewayPrincipals), through which every Kubeflow user arrives, but ${this.rule.path} has no request.headers[${this.userIdHeader}] condition naming its users; add one with the users' ids in values`;
  }
}
