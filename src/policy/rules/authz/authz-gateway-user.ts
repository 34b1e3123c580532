import { skipOutsideProfileNamespace } from '../../profile-namespace.js';
import { failIf, type Violation, defineRule, WRITE_OPERATIONS, lazyViolation } from '../../rule.js';
import { quoteValue } from '../../validation-helpers.js';
import {
  admitsPrincipal,
  conditionsOf,
  grantingRules,
  limitedToPaths,
  principalNamespace,
  type AuthzRule,
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
    // Each gateway's namespace, worked out once rather than once per rule.
    const gateways = gatewayPrincipals.map(
      (principal) => [principal, principalNamespace(principal) ?? ''] as const,
    );
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
        const [principal, namespace] = gateway;
        const path = admitsPrincipal(rule, principal, userIdHeader, namespace);
        if (path === undefined) continue;
        violations.push(
          lazyViolation(
            path,
            () =>
              `${path} admits the gateway principal ${quoteValue(principal)} (authorizationPolicies.gatewayPrincipals), through which every Kubeflow user arrives, but ${rule.path} has no request.headers[${userIdHeader}] condition naming its users; add one with the users' ids in values`,
          ),
        );
        break;
      }
    }
    return failIf(violations);
  },
});

/** True when the rule has an exactly keyed user-id condition whose `values` are specific users. */
function namesUsers(rule: AuthzRule, userIdHeader: string): boolean {
  const conditions = conditionsOf(rule, userIdHeader);
  // Most rules have no conditions: no callback is made for them.
  return (
    conditions.length > 0 &&
    conditions.some(
      ({ meaning, hasValues, values }) =>
        meaning.kind === 'user-header' &&
        meaning.exact &&
        hasValues &&
        values.length > 0 &&
        values.every(({ value }) => value !== '' && !value.includes('*')),
    )
  );
}
