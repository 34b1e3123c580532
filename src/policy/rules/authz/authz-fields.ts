import type { KubeObject } from '../../kube-object.js';
import { asArray, asRecord, asString, getPath } from '../../object-access.js';
import { indexPath, listValues, quoteValue } from '../../validation-helpers.js';

/** Actions that never grant access: DENY refuses, AUDIT only logs, CUSTOM delegates and then
 * still needs the ALLOW policies. */
const NON_GRANTING_ACTIONS: ReadonlySet<string> = new Set(['DENY', 'AUDIT', 'CUSTOM']);

/** One `spec.rules[]` entry with its field path. */
export interface AuthzRule {
  readonly path: string;
  readonly rule: Readonly<Record<string, unknown>>;
}

/**
 * The rules of a policy that can grant access: all of `spec.rules` when `spec.action` is absent,
 * `ALLOW`, or anything unknown (judged as ALLOW, the permissive reading); none for DENY, AUDIT or
 * CUSTOM. Non-object entries are skipped (Istio rejects them).
 */
export function grantingRules(object: KubeObject): readonly AuthzRule[] {
  const action = asString(getPath(object, 'spec', 'action'));
  if (action !== undefined && NON_GRANTING_ACTIONS.has(action)) return [];
  const out: AuthzRule[] = [];
  asArray(getPath(object, 'spec', 'rules')).forEach((entry, index) => {
    const rule = asRecord(entry);
    if (rule !== undefined) out.push({ path: indexPath('spec.rules', index), rule });
  });
  return out;
}

/** A list field's string entries with their paths (non-strings skipped). */
export function stringEntries(
  record: Readonly<Record<string, unknown>> | undefined,
  field: string,
  base: string,
): readonly { readonly path: string; readonly value: string }[] {
  const out: { path: string; value: string }[] = [];
  asArray(record?.[field]).forEach((entry, index) => {
    if (typeof entry === 'string')
      out.push({ path: indexPath(`${base}.${field}`, index), value: entry });
  });
  return out;
}

/** One `from[].source` with its path (`{}` when the entry has none). */
export interface AuthzSource {
  readonly path: string;
  readonly source: Readonly<Record<string, unknown>>;
}

/** The `from[].source` entries of a rule. */
export function sourcesOf(rule: AuthzRule): readonly AuthzSource[] {
  return asArray(rule.rule.from).map((entry, index) => ({
    path: `${indexPath(`${rule.path}.from`, index)}.source`,
    source: asRecord(asRecord(entry)?.source) ?? {},
  }));
}

/**
 * The namespace a workload principal names: `<trust-domain>/ns/<namespace>/sa/<name>` (any trust
 * domain, with or without `spiffe://`). Undefined when the principal has another shape.
 */
export function principalNamespace(principal: string): string | undefined {
  const parts = principal.split('/');
  const n = parts.length;
  if (n < 5 || parts[n - 4] !== 'ns' || parts[n - 2] !== 'sa') return undefined;
  const namespace = parts[n - 3];
  const account = parts[n - 1];
  if (namespace === undefined || namespace === '' || account === undefined || account === '') {
    return undefined;
  }
  return namespace;
}

/**
 * Istio's string match for principals, namespaces and condition values: `*` alone matches any
 * non-empty value, `abc*` a prefix, `*abc` a suffix, anything else exactly (a `*` elsewhere is a
 * literal character).
 */
export function istioMatch(pattern: string, value: string): boolean {
  if (pattern === '*') return value !== '';
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  return pattern === value;
}

/**
 * What a `when[].key` means for who is admitted:
 * - `namespace` / `principal`: `source.namespace` / `source.principal`, which restrict the
 *   rule's sources exactly as `from` does. `exact` is false for a key that only resembles one
 *   (another case, spaces, the plural): Istio may refuse or ignore it, so it is judged for what it
 *   would admit but never counted as a restriction;
 * - `user-header`: `request.headers[<userIdHeader>]`, the header name compared as HTTP does
 *   (case-insensitively, spaces around it ignored); `exact` only with the exact
 *   `request.headers[` … `]` spelling;
 * - `other`: anything else (it may narrow the rule, but never says who the source is).
 */
export interface ConditionKey {
  readonly kind: 'namespace' | 'principal' | 'user-header' | 'other';
  readonly exact: boolean;
}

const SOURCE_KEYS: ReadonlyMap<string, 'namespace' | 'principal'> = new Map([
  ['source.namespace', 'namespace'],
  ['source.namespaces', 'namespace'],
  ['source.principal', 'principal'],
  ['source.principals', 'principal'],
]);

/** Classifies a `when[].key` (see {@link ConditionKey}); `userIdHeader` from the policy. */
export function conditionKey(key: string, userIdHeader: string): ConditionKey {
  const exactSource = key === 'source.namespace' || key === 'source.principal';
  const loose = SOURCE_KEYS.get(key.trim().toLowerCase());
  if (loose !== undefined) return { kind: loose, exact: exactSource };
  const lower = key.trim().toLowerCase();
  const prefix = 'request.headers[';
  if (lower.startsWith(prefix) && lower.endsWith(']')) {
    const header = lower.slice(prefix.length, -1).trim();
    if (header === userIdHeader.trim().toLowerCase()) {
      return { kind: 'user-header', exact: key.startsWith(prefix) && key.endsWith(']') };
    }
  }
  return { kind: 'other', exact: true };
}

/** One `when[]` condition of a rule, with its path and string `values` / `notValues`. */
export interface AuthzCondition {
  readonly path: string;
  readonly key: string;
  readonly meaning: ConditionKey;
  readonly values: readonly { readonly path: string; readonly value: string }[];
  readonly notValues: readonly { readonly path: string; readonly value: string }[];
  /**
   * True when `values` lists at least one string: the condition must match one of them. Entries
   * of any other type match nothing Istio could read (it refuses such a policy), so they never
   * count as a restriction.
   */
  readonly hasValues: boolean;
}

/** The `when[]` conditions of a rule that have a string `key` (others cannot match). */
export function conditionsOf(rule: AuthzRule, userIdHeader: string): readonly AuthzCondition[] {
  const out: AuthzCondition[] = [];
  asArray(rule.rule.when).forEach((entry, index) => {
    const condition = asRecord(entry);
    const key = asString(condition?.key);
    if (key === undefined) return;
    const path = indexPath(`${rule.path}.when`, index);
    const values = stringEntries(condition, 'values', path);
    out.push({
      path,
      key,
      meaning: conditionKey(key, userIdHeader),
      values,
      notValues: stringEntries(condition, 'notValues', path),
      hasValues: values.length > 0,
    });
  });
  return out;
}

/** `ns/<namespace>/sa/<name>` of a workload principal: what it is whatever its trust domain. */
function principalTail(principal: string): string | undefined {
  const namespace = principalNamespace(principal);
  if (namespace === undefined) return undefined;
  const parts = principal.split('/');
  return parts.slice(-4).join('/');
}

/**
 * Whether a principal entry may admit the workload `principal`: Istio's match, or, for an entry
 * without wildcards, the same namespace and service account under any trust domain (trust domain
 * aliases make those the same workload; judging them alike errs on the side of "admits").
 */
function principalMayMatch(entry: string, principal: string): boolean {
  if (istioMatch(entry, principal)) return true;
  if (entry.includes('*')) return false;
  const tail = principalTail(entry);
  return tail !== undefined && tail === principalTail(principal);
}

/**
 * Where a granting rule admits requests from the workload `principal` (e.g. the ingress gateway)
 * by naming it: the field that names the principal itself (exactly, under any trust domain) or
 * its namespace, in `from` or in a `source.principal` / `source.namespace` condition. Undefined
 * when the rule cannot admit the principal, and also when it admits it only by a wildcard or for
 * want of any source restriction: those admit every workload and are judged by
 * `authz-source-namespace` and `authz-any-source`, each attack by one rule.
 *
 * Istio's semantics decide whether the rule admits the principal at all: a rule matches when its
 * `from`, `to` and `when` all match; `from` matches when any source does (none: any source); a
 * source when each field it sets does: `principals` / `namespaces` by any entry, `notPrincipals`
 * / `notNamespaces` by none; a `source.principal` / `source.namespace` condition by any of its
 * `values` and none of its `notValues`. What cannot be known here (IP blocks, request
 * principals, other conditions, `to`) is taken to match; an exclusion counts only when it
 * matches exactly.
 */
export function admitsPrincipal(
  rule: AuthzRule,
  principal: string,
  userIdHeader: string,
): string | undefined {
  const namespace = principalNamespace(principal) ?? '';
  // undefined: not admitted; null: admitted without being named; a path: named there.
  let named: string | null | undefined;
  const from = asArray(rule.rule.from);
  if (from.length === 0) {
    named = null;
  } else {
    for (const { path, source } of sourcesOf(rule)) {
      const principals = stringEntries(source, 'principals', path);
      const namespaces = stringEntries(source, 'namespaces', path);
      const byPrincipal = principals.find(({ value }) => principalMayMatch(value, principal));
      const byNamespace = namespaces.find(({ value }) => istioMatch(value, namespace));
      if (asArray(source.principals).length > 0 && byPrincipal === undefined) continue;
      if (asArray(source.namespaces).length > 0 && byNamespace === undefined) continue;
      const excluded =
        stringEntries(source, 'notPrincipals', path).some(({ value }) =>
          istioMatch(value, principal),
        ) ||
        stringEntries(source, 'notNamespaces', path).some(({ value }) =>
          istioMatch(value, namespace),
        );
      if (excluded) continue;
      const exact = [byPrincipal, byNamespace].find(
        (entry) => entry !== undefined && !entry.value.includes('*'),
      );
      if (exact !== undefined) {
        named = exact.path;
        break;
      }
      named ??= null;
    }
  }
  if (named === undefined) return undefined;
  for (const condition of conditionsOf(rule, userIdHeader)) {
    const { kind, exact } = condition.meaning;
    // Only an exactly spelled source condition surely applies, so only it can exclude.
    if (!exact || (kind !== 'namespace' && kind !== 'principal')) continue;
    const subject = kind === 'namespace' ? namespace : principal;
    const matches = (value: string): boolean =>
      kind === 'namespace' ? istioMatch(value, subject) : principalMayMatch(value, subject);
    if (condition.hasValues) {
      const hits = condition.values.filter(({ value }) => matches(value));
      if (hits.length === 0) return undefined;
      named ??= hits.find(({ value }) => !value.includes('*'))?.path ?? null;
    }
    if (condition.notValues.some(({ value }) => istioMatch(value, subject))) return undefined;
  }
  return named ?? undefined;
}

/**
 * Undefined when the rule's `to` limits it to `allowedPaths` (every `to[].operation` lists
 * `paths`, all of them in `allowedPaths`); otherwise the first reason it does not, phrased with
 * its field path. Methods, hosts, ports and `notPaths` never limit it.
 */
export function pathLimitFailure(
  rule: AuthzRule,
  allowedPaths: readonly string[],
): string | undefined {
  // Written only when the rule fails: callers that only ask whether it does build no message.
  const allowed = (): string => `authorizationPolicies.allowedPaths is ${listValues(allowedPaths)}`;
  const to = asArray(rule.rule.to);
  if (to.length === 0) return `${rule.path}.to does not limit it to paths (${allowed()})`;
  for (const [index, entry] of to.entries()) {
    const base = `${indexPath(`${rule.path}.to`, index)}.operation.paths`;
    const paths = asArray(asRecord(asRecord(entry)?.operation)?.paths);
    if (paths.length === 0) return `${base} is empty, so it is not limited to paths (${allowed()})`;
    for (const [pathIndex, value] of paths.entries()) {
      if (typeof value !== 'string' || !allowedPaths.includes(value)) {
        return `${indexPath(base, pathIndex)} ${quoteValue(value)} is not an allowed path (${allowed()})`;
      }
    }
  }
  return undefined;
}
