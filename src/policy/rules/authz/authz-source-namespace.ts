import { requestNamespace, skipOutsideProfileNamespace } from '../../profile-namespace.js';
import { failIf, lazyViolation, type Violation, defineRule, WRITE_OPERATIONS } from '../../rule.js';
import { listValues, quoteValue } from '../../validation-helpers.js';
import {
  conditionsOf,
  grantingRules,
  principalNamespace,
  sourcesOf,
  stringEntries,
} from './authz-fields.js';

/**
 * In a granting (ALLOW) rule, every source it names must be of the policy's own namespace or one
 * of `authorizationPolicies.principalNamespaces`: each `from[].source.namespaces` entry, each
 * `from[].source.principals` entry (`<trust-domain>/ns/<ns>/sa/<sa>`), and, since a `when`
 * condition on `source.namespace` or `source.principal` restricts sources exactly as `from` does,
 * each of its `values` (also under a key that only resembles those, which Istio might honour). A
 * `*` anywhere (Istio's prefix, suffix or presence match) is refused, and so is a principal of any
 * other shape. `notNamespaces`, `notPrincipals` and `notValues` only exclude, so they are not
 * judged here; a rule that names no source at all is `authz-any-source`'s concern.
 */
export const authzSourceNamespace = defineRule({
  id: 'authz-source-namespace',
  targets: ['AuthorizationPolicy'],
  operations: WRITE_OPERATIONS,
  structural: false,
  description:
    'a rule admits `source.namespaces` or `source.principals` (`cluster.local/ns/<ns>/sa/<sa>`) of another namespace not in `authorizationPolicies.principalNamespaces`, or a `*` wildcard there; a `when` condition on `source.namespace` or `source.principal` is judged the same way',
  clusterState: 'profile-namespace',
  check: (ctx) => {
    const outside = skipOutsideProfileNamespace(ctx);
    if (outside !== undefined) return outside;
    const namespace = requestNamespace(ctx);
    const { principalNamespaces: allowed, userIdHeader } = ctx.policy.spec.authorizationPolicies;
    const allowedText = `allowed: this namespace, ${listValues(allowed)} (authorizationPolicies.principalNamespaces)`;
    const quotedNamespace = quoteValue(namespace);
    const isAllowed = (ns: string): boolean => ns === namespace || allowed.includes(ns);
    const violations: Violation[] = [];
    // `at` is the entry judged: its path, and the message, are written only when the engine
    // reads them (for the findings it reports; a policy may have 50 000 offending rules).
    const judgeNamespace = (at: { readonly path: string }, value: string): void => {
      if (value.includes('*')) {
        violations.push(
          lazyViolation(at, (path) => `${path} ${quoteValue(value)} is a wildcard; ${allowedText}`),
        );
      } else if (!isAllowed(value)) {
        violations.push(
          lazyViolation(
            at,
            (path) =>
              `${path} ${quoteValue(value)} admits another namespace into ${quotedNamespace}; ${allowedText}`,
          ),
        );
      }
    };
    const judgePrincipal = (at: { readonly path: string }, value: string): void => {
      if (value.includes('*')) {
        violations.push(
          lazyViolation(at, (path) => `${path} ${quoteValue(value)} is a wildcard; ${allowedText}`),
        );
        return;
      }
      const ns = principalNamespace(value);
      if (ns === undefined) {
        violations.push(
          lazyViolation(
            at,
            (path) =>
              `${path} ${quoteValue(value)} is not of the form <trust-domain>/ns/<namespace>/sa/<name>`,
          ),
        );
      } else if (!isAllowed(ns)) {
        violations.push(
          lazyViolation(
            at,
            (path) =>
              `${path} ${quoteValue(value)} admits a workload of namespace ${quoteValue(ns)} into ${quotedNamespace}; ${allowedText}`,
          ),
        );
      }
    };
    for (const rule of grantingRules(ctx.object)) {
      for (const entry of sourcesOf(rule)) {
        for (const name of stringEntries(entry.source, 'namespaces', entry)) {
          judgeNamespace(name, name.value);
        }
        for (const principal of stringEntries(entry.source, 'principals', entry)) {
          judgePrincipal(principal, principal.value);
        }
      }
      for (const condition of conditionsOf(rule, userIdHeader)) {
        const { kind } = condition.meaning;
        if (kind !== 'namespace' && kind !== 'principal') continue;
        const judge = kind === 'namespace' ? judgeNamespace : judgePrincipal;
        for (const value of condition.values) judge(value, value.value);
      }
    }
    return failIf(violations);
  },
});
