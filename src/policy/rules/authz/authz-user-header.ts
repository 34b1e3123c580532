import { asArray, asRecord, asString } from '../../object-access.js';
import { skipOutsideProfileNamespace } from '../../profile-namespace.js';
import { failIf, type Violation, defineRule, WRITE_OPERATIONS } from '../../rule.js';
import { indexPath, listValues, quoteValue } from '../../validation-helpers.js';
import { inDomains } from '../binding/binding-user-domain.js';
import { grantingRules, stringEntries } from './authz-fields.js';

const HEADER_KEY = /^request\.headers\[(.*)\]$/;

/**
 * In a granting (ALLOW) rule, a `when` condition on `request.headers[<userIdHeader>]` (header name
 * case-insensitive, as HTTP has it) names the users let in: its `values` and `notValues` must hold
 * no `*` (Istio's prefix/suffix match), it must have `values` (only `notValues` admits every other
 * user), and with `bindings.userEmailDomains` set every value must be in one of those domains.
 */
export const authzUserHeader = defineRule({
  id: 'authz-user-header',
  targets: ['AuthorizationPolicy'],
  operations: WRITE_OPERATIONS,
  structural: false,
  description:
    'a `request.headers[<userIdHeader>]` condition holds a wildcard, or (with `bindings.userEmailDomains`) a user outside those domains',
  clusterState: 'profile-namespace',
  check: (ctx) => {
    const outside = skipOutsideProfileNamespace(ctx);
    if (outside !== undefined) return outside;
    const header = ctx.policy.spec.authorizationPolicies.userIdHeader.trim().toLowerCase();
    const domains = ctx.policy.spec.bindings.userEmailDomains;
    const violations: Violation[] = [];
    for (const rule of grantingRules(ctx.object)) {
      for (const [index, entry] of asArray(rule.rule.when).entries()) {
        const condition = asRecord(entry);
        const key = asString(condition?.key);
        const match = key === undefined ? null : HEADER_KEY.exec(key.trim());
        if (match?.[1]?.trim().toLowerCase() !== header) continue;
        const base = indexPath(`${rule.path}.when`, index);
        const values = stringEntries(condition, 'values', base);
        for (const { path, value } of [...values, ...stringEntries(condition, 'notValues', base)]) {
          if (value.includes('*')) {
            violations.push({
              path,
              message: `${path} ${quoteValue(value)} is a wildcard on ${quoteValue(key)}; name each user exactly`,
            });
          }
        }
        if (values.length === 0 && asArray(condition?.notValues).length > 0) {
          violations.push({
            path: `${base}.notValues`,
            message: `${base}.notValues without ${base}.values admits every other user on ${quoteValue(key)}; name each user in values`,
          });
        }
        if (domains.length === 0) continue;
        for (const { path, value } of values) {
          if (value.includes('*') || inDomains(value, domains)) continue;
          violations.push({
            path,
            message: `${path} ${quoteValue(value)} is not a user in an allowed domain; allowed: ${listValues(domains)} (bindings.userEmailDomains)`,
          });
        }
      }
    }
    return failIf(violations);
  },
});
