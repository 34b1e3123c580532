import { requestNamespace, skipOutsideProfileNamespace } from '../../profile-namespace.js';
import { failIf, type Violation, defineRule, WRITE_OPERATIONS } from '../../rule.js';
import { listValues, quoteValue } from '../../validation-helpers.js';
import { grantingRules, principalNamespace, sourcesOf, stringEntries } from './authz-fields.js';

/**
 * In a granting (ALLOW) rule, every `from[].source.namespaces` entry and every
 * `from[].source.principals` entry (`<trust-domain>/ns/<ns>/sa/<sa>`) must name the policy's own
 * namespace or one of `authorizationPolicies.principalNamespaces`; a `*` anywhere (Istio's
 * prefix/suffix match) is refused, and so is a principal of any other shape. `notNamespaces` and
 * `notPrincipals` only exclude, so they are not judged here; a source constrained by nothing but
 * exclusions admits any namespace and is `authz-any-source`'s concern.
 */
export const authzSourceNamespace = defineRule({
  id: 'authz-source-namespace',
  targets: ['AuthorizationPolicy'],
  operations: WRITE_OPERATIONS,
  structural: false,
  description:
    'a rule admits `source.namespaces` or `source.principals` of another namespace not in `authorizationPolicies.principalNamespaces`, or a `*` wildcard there',
  clusterState: 'profile-namespace',
  check: (ctx) => {
    const outside = skipOutsideProfileNamespace(ctx);
    if (outside !== undefined) return outside;
    const namespace = requestNamespace(ctx);
    const allowed = ctx.policy.spec.authorizationPolicies.principalNamespaces;
    const allowedText = `allowed: this namespace, ${listValues(allowed)} (authorizationPolicies.principalNamespaces)`;
    const isAllowed = (ns: string): boolean => ns === namespace || allowed.includes(ns);
    const violations: Violation[] = [];
    for (const rule of grantingRules(ctx.object)) {
      for (const { path: sourcePath, source } of sourcesOf(rule)) {
        for (const { path, value } of stringEntries(source, 'namespaces', sourcePath)) {
          if (value.includes('*')) {
            violations.push({
              path,
              message: `${path} ${quoteValue(value)} is a wildcard; ${allowedText}`,
            });
          } else if (!isAllowed(value)) {
            violations.push({
              path,
              message: `${path} ${quoteValue(value)} admits another namespace into ${quoteValue(namespace)}; ${allowedText}`,
            });
          }
        }
        for (const { path, value } of stringEntries(source, 'principals', sourcePath)) {
          if (value.includes('*')) {
            violations.push({
              path,
              message: `${path} ${quoteValue(value)} is a wildcard; ${allowedText}`,
            });
            continue;
          }
          const ns = principalNamespace(value);
          if (ns === undefined) {
            violations.push({
              path,
              message: `${path} ${quoteValue(value)} is not of the form <trust-domain>/ns/<namespace>/sa/<name>`,
            });
          } else if (!isAllowed(ns)) {
            violations.push({
              path,
              message: `${path} ${quoteValue(value)} admits a workload of namespace ${quoteValue(ns)} into ${quoteValue(namespace)}; ${allowedText}`,
            });
          }
        }
      }
    }
    return failIf(violations);
  },
});
