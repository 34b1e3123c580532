import { asArray, asRecord } from '../../object-access.js';
import { skipOutsideProfileNamespace } from '../../profile-namespace.js';
import { failIf, type Violation, defineRule, WRITE_OPERATIONS } from '../../rule.js';
import { indexPath, listValues, quoteValue } from '../../validation-helpers.js';
import { grantingRules, sourcesOf, type AuthzRule } from './authz-fields.js';

/**
 * A granting (ALLOW) rule must say who it admits. It admits any source when it has no `from`
 * (absent or `[]`), or when one of its `from[].source` entries names neither `namespaces` nor
 * `principals` (only exclusions, IP blocks or request principals, which any workload can meet).
 * Such a rule is allowed only when every `to[].operation` lists `paths`, all of them in
 * `authorizationPolicies.allowedPaths` (health and metrics endpoints the mesh probes need):
 * methods, hosts, ports or `notPaths` do not limit who gets in.
 */
export const authzAnySource = defineRule({
  id: 'authz-any-source',
  targets: ['AuthorizationPolicy'],
  operations: WRITE_OPERATIONS,
  structural: false,
  description:
    'an ALLOW rule has no `from` and its `to` does not restrict it to `authorizationPolicies.allowedPaths`',
  clusterState: 'profile-namespace',
  check: (ctx) => {
    const outside = skipOutsideProfileNamespace(ctx);
    if (outside !== undefined) return outside;
    const allowedPaths = ctx.policy.spec.authorizationPolicies.allowedPaths;
    const violations: Violation[] = [];
    for (const rule of grantingRules(ctx.object)) {
      const open = openings(rule);
      if (open.length === 0) continue;
      const unlimited = pathLimitFailure(rule, allowedPaths);
      if (unlimited === undefined) continue;
      for (const { path, why } of open) {
        violations.push({
          path,
          message: `${path} ${why}, so the rule admits any source, and ${unlimited}`,
        });
      }
    }
    return failIf(violations);
  },
});

/** Where a rule admits any source: its missing/empty `from`, or each identity-free source. */
function openings(rule: AuthzRule): readonly { readonly path: string; readonly why: string }[] {
  const from = rule.rule.from;
  const fromPath = `${rule.path}.from`;
  if (from === undefined || from === null) return [{ path: fromPath, why: 'is missing' }];
  if (asArray(from).length === 0) return [{ path: fromPath, why: 'is empty' }];
  return sourcesOf(rule)
    .filter(({ source }) => !hasEntries(source.namespaces) && !hasEntries(source.principals))
    .map(({ path }) => ({ path, why: 'names neither namespaces nor principals' }));
}

/**
 * Undefined when every `to[].operation.paths` is non-empty and within `allowedPaths`; otherwise
 * the first reason it is not, phrased with its field path.
 */
function pathLimitFailure(rule: AuthzRule, allowedPaths: readonly string[]): string | undefined {
  const allowedText = `authorizationPolicies.allowedPaths is ${listValues(allowedPaths)}`;
  const to = asArray(rule.rule.to);
  if (to.length === 0) return `${rule.path}.to does not limit it to paths (${allowedText})`;
  for (const [index, entry] of to.entries()) {
    const base = `${indexPath(`${rule.path}.to`, index)}.operation.paths`;
    const paths = asArray(asRecord(asRecord(entry)?.operation)?.paths);
    if (paths.length === 0)
      return `${base} is empty, so it is not limited to paths (${allowedText})`;
    for (const [pathIndex, value] of paths.entries()) {
      if (typeof value !== 'string' || !allowedPaths.includes(value)) {
        return `${indexPath(base, pathIndex)} ${quoteValue(value)} is not an allowed path (${allowedText})`;
      }
    }
  }
  return undefined;
}

function hasEntries(value: unknown): boolean {
  return asArray(value).length > 0;
}
