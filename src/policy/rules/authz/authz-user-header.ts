import { skipOutsideProfileNamespace } from '../../profile-namespace.js';
import { failIf, type Violation, defineRule, WRITE_OPERATIONS, lazyViolation } from '../../rule.js';
import { listValues, quoteValue } from '../../validation-helpers.js';
import { inDomains } from '../binding/binding-user-domain.js';
import { conditionsOf, grantingRules } from './authz-fields.js';

/**
 * In a granting (ALLOW) rule, a `when` condition on `request.headers[<userIdHeader>]` names the
 * users let in. The key is recognised as HTTP and a careless spelling would have it: header name
 * in any case, spaces around it, `request.headers` in any case. Its `values` and `notValues` must
 * hold no `*` (Istio's prefix, suffix and presence match), it must have `values` (only
 * `notValues` admits every other user), and with `bindings.userEmailDomains` set every value must
 * be in one of those domains.
 */
export const authzUserHeader = defineRule({
  id: 'authz-user-header',
  targets: ['AuthorizationPolicy'],
  operations: WRITE_OPERATIONS,
  structural: false,
  description:
    'a `request.headers[<userIdHeader>]` condition value holds a wildcard, or (with `bindings.userEmailDomains`) a user outside those domains',
  clusterState: 'profile-namespace',
  check: (ctx) => {
    const outside = skipOutsideProfileNamespace(ctx);
    if (outside !== undefined) return outside;
    const { userIdHeader } = ctx.policy.spec.authorizationPolicies;
    const domains = ctx.policy.spec.bindings.userEmailDomains;
    const violations: Violation[] = [];
    // Indexed (see grantingRules): no iterator result per rule of a 50 000-rule policy.
    const rules = grantingRules(ctx.object);
    const ruleCount = rules.length;
    for (let ruleIndex = 0; ruleIndex < ruleCount; ruleIndex++) {
      const rule = rules[ruleIndex];
      if (rule === undefined) continue;
      const conditions = conditionsOf(rule, userIdHeader);
      // Most rules have no conditions: no iterator is made for them.
      if (conditions.length === 0) continue;
      for (const condition of conditions) {
        if (condition.meaning.kind !== 'user-header') continue;
        const { path: base, key, values, notValues } = condition;
        for (const { path, value } of [...values, ...notValues]) {
          if (value.includes('*')) {
            violations.push(
              lazyViolation(
                path,
                () =>
                  `${path} ${quoteValue(value)} is a wildcard on ${quoteValue(key)}; name each user exactly`,
              ),
            );
          }
        }
        if (values.length === 0 && notValues.length > 0) {
          violations.push(
            lazyViolation(
              `${base}.notValues`,
              () =>
                `${base}.notValues without ${base}.values admits every other user on ${quoteValue(key)}; name each user in values`,
            ),
          );
        }
        if (domains.length === 0) continue;
        for (const { path, value } of values) {
          if (value.includes('*') || inDomains(value, domains)) continue;
          violations.push(
            lazyViolation(
              path,
              () =>
                `${path} ${quoteValue(value)} is not a user in an allowed domain; allowed: ${listValues(domains)} (bindings.userEmailDomains)`,
            ),
          );
        }
      }
    }
    return failIf(violations);
  },
});
