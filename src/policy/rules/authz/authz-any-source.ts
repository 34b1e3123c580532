import { skipOutsideProfileNamespace } from '../../profile-namespace.js';
import { failIf, type Violation, defineRule, WRITE_OPERATIONS, lazyViolation } from '../../rule.js';
import {
  conditionsOf,
  grantingRules,
  pathLimitFailure,
  sourceAt,
  sourcesOf,
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
      const open = openings(rule);
      if (open.length === 0) continue;
      const unlimited = pathLimitFailure(rule, allowedPaths);
      if (unlimited === undefined) continue;
      for (const { path, why } of open) {
        violations.push(
          lazyViolation(
            path,
            () => `${path} ${why}, so the rule admits any source, and ${unlimited}`,
          ),
        );
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
  const conditions = conditionsOf(rule, userIdHeader);
  // Most rules have no conditions: no callback is made for them.
  return (
    conditions.length > 0 &&
    conditions.some(
      ({ meaning, hasValues }) =>
        meaning.exact &&
        (meaning.kind === 'namespace' || meaning.kind === 'principal') &&
        hasValues,
    )
  );
}

/** Where a rule admits any source: its missing/empty `from`, or each identity-free source. */
function openings(rule: AuthzRule): readonly { readonly path: string; readonly why: string }[] {
  const from = rule.rule.from;
  if (from === undefined || from === null)
    return [{ path: `${rule.path}.from`, why: 'is missing' }];
  if (!hasEntries(from)) return [{ path: `${rule.path}.from`, why: 'is empty' }];
  // Most rules name their sources: they are read in place and nothing is allocated for them (a
  // source's path is written only when it is read).
  const sources = from as readonly unknown[];
  let anyOpen = false;
  for (let index = 0; index < sources.length && !anyOpen; index++) {
    const source = sourceAt(sources, index);
    anyOpen = !hasEntries(source.namespaces) && !hasEntries(source.principals);
  }
  if (!anyOpen) return NONE_OPEN;
  let open: { readonly path: string; readonly why: string }[] | undefined;
  for (const entry of sourcesOf(rule)) {
    if (hasEntries(entry.source.namespaces) || hasEntries(entry.source.principals)) continue;
    (open ??= []).push({ path: entry.path, why: 'names neither namespaces nor principals' });
  }
  return open ?? [];
}

/** No openings, shared: most rules name their sources. */
const NONE_OPEN: readonly never[] = Object.freeze([]);

function hasEntries(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}
