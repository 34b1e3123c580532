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

/** Something whose field path can be read; the helpers below extend it. */
interface PathOf {
  readonly path: string;
}

/** No entries, shared: most fields of most rules are absent. */
const NONE: readonly never[] = Object.freeze([]);

/**
 * The helpers below are run over every rule of every AuthorizationPolicy, and a policy may have
 * 50 000 rules that almost all pass: so the field path of an entry is written only when a caller
 * reads it (to report a violation), never while walking. Each of these classes holds what its
 * path is made of and writes it on demand.
 */
class RuleEntry implements AuthzRule {
  constructor(
    readonly rule: Readonly<Record<string, unknown>>,
    private readonly index: number,
  ) {}

  get path(): string {
    return indexPath('spec.rules', this.index);
  }
}

/** A list entry `<owner>.<field>[index]`. */
class ListEntry implements PathOf {
  constructor(
    private readonly owner: PathOf | string,
    private readonly field: string,
    private readonly index: number,
  ) {}

  get path(): string {
    const base = typeof this.owner === 'string' ? this.owner : this.owner.path;
    return indexPath(`${base}.${this.field}`, this.index);
  }
}

/** A string entry of a list field, with its path. */
class StringEntry extends ListEntry {
  constructor(
    readonly value: string,
    owner: PathOf | string,
    field: string,
    index: number,
  ) {
    super(owner, field, index);
  }
}

/**
 * The rules of a policy that can grant access: all of `spec.rules` when `spec.action` is absent,
 * `ALLOW`, or anything unknown (judged as ALLOW, the permissive reading); none for DENY, AUDIT or
 * CUSTOM. Non-object entries are skipped (Istio rejects them).
 */
export function grantingRules(object: KubeObject): readonly AuthzRule[] {
  const action = asString(getPath(object, 'spec', 'action'));
  if (action !== undefined && NON_GRANTING_ACTIONS.has(action)) return NONE;
  const rules = getPath(object, 'spec', 'rules');
  if (!Array.isArray(rules) || rules.length === 0) return NONE;
  // Every AuthorizationPolicy rule walks the same list: it is listed once per list (objects are
  // never edited while they are judged).
  const known = granting.get(rules);
  if (known !== undefined) return known;
  const out: AuthzRule[] = [];
  for (let index = 0; index < rules.length; index++) {
    const rule = asRecord(rules[index]);
    if (rule !== undefined) out.push(new RuleEntry(rule, index));
  }
  granting.set(rules, out);
  return out;
}

/** {@link grantingRules} by `spec.rules` list. */
const granting = new WeakMap<object, readonly AuthzRule[]>();

/**
 * A list field's string entries with their paths (non-strings skipped). `base` is the path of
 * `record`, or something whose `path` is (read only when an entry's path is).
 */
export function stringEntries(
  record: Readonly<Record<string, unknown>> | undefined,
  field: string,
  base: PathOf | string,
): readonly { readonly path: string; readonly value: string }[] {
  const list = record?.[field];
  if (!Array.isArray(list) || list.length === 0) return NONE;
  const out: StringEntry[] = [];
  for (let index = 0; index < list.length; index++) {
    const entry: unknown = list[index];
    if (typeof entry === 'string') out.push(new StringEntry(entry, base, field, index));
  }
  return out;
}

/** One `from[].source` with its path (`{}` when the entry has none). */
export interface AuthzSource {
  readonly path: string;
  readonly source: Readonly<Record<string, unknown>>;
}

const NO_SOURCE: Readonly<Record<string, unknown>> = Object.freeze({});

class SourceEntry extends ListEntry implements AuthzSource {
  constructor(
    readonly source: Readonly<Record<string, unknown>>,
    rule: AuthzRule,
    index: number,
  ) {
    super(rule, 'from', index);
  }

  override get path(): string {
    return `${super.path}.source`;
  }
}

/**
 * The `source` of `from[index]` of a rule (`{}` when the entry has none), read without
 * allocating: for loops over every rule that judge sources in place and allocate only for what
 * they report (see {@link sourceStringEntry}).
 */
export function sourceAt(
  from: readonly unknown[],
  index: number,
): Readonly<Record<string, unknown>> {
  return asRecord(asRecord(from[index])?.source) ?? NO_SOURCE;
}

/**
 * The path of the string entry `field[index]` of the source `from[fromIndex].source` of a rule,
 * as {@link stringEntries} writes it: for a caller that judged the entry in place and reports it.
 */
export function sourceStringPath(
  rule: AuthzRule,
  fromIndex: number,
  field: string,
  index: number,
): string {
  return indexPath(`${indexPath(`${rule.path}.from`, fromIndex)}.source.${field}`, index);
}

/** The `from[].source` entries of a rule. */
export function sourcesOf(rule: AuthzRule): readonly AuthzSource[] {
  const from = rule.rule.from;
  if (!Array.isArray(from) || from.length === 0) return NONE;
  const out: AuthzSource[] = [];
  for (let index = 0; index < from.length; index++) {
    const source = asRecord(asRecord(from[index])?.source) ?? NO_SOURCE;
    out.push(new SourceEntry(source, rule, index));
  }
  return out;
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
  const when = rule.rule.when;
  if (!Array.isArray(when) || when.length === 0) return NONE;
  const out: AuthzCondition[] = [];
  for (let index = 0; index < when.length; index++) {
    const condition = asRecord(when[index]);
    const key = asString(condition?.key);
    if (condition === undefined || key === undefined) continue;
    out.push(new ConditionEntry(condition, key, conditionKey(key, userIdHeader), rule, index));
  }
  return out;
}

class ConditionEntry extends ListEntry implements AuthzCondition {
  readonly values: readonly { readonly path: string; readonly value: string }[];
  readonly notValues: readonly { readonly path: string; readonly value: string }[];
  readonly hasValues: boolean;

  constructor(
    condition: Readonly<Record<string, unknown>>,
    readonly key: string,
    readonly meaning: ConditionKey,
    rule: AuthzRule,
    index: number,
  ) {
    super(rule, 'when', index);
    this.values = stringEntries(condition, 'values', this);
    this.notValues = stringEntries(condition, 'notValues', this);
    this.hasValues = this.values.length > 0;
  }
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
  namespace: string = principalNamespace(principal) ?? '',
): string | undefined {
  // undefined: not admitted; null: admitted without being named; a path: named there.
  // Plain loops, no closures or intermediate lists: this runs for every rule and gateway.
  let named: string | null | undefined;
  const from = rule.rule.from;
  if (!Array.isArray(from) || from.length === 0) {
    named = null;
  } else {
    // Read in place: nothing is allocated for a source unless it names the principal exactly.
    const sources = from as readonly unknown[];
    for (let index = 0; index < sources.length; index++) {
      const source = sourceAt(sources, index);
      const { principals, namespaces } = source;
      const byPrincipal = firstMatch(principals, principal, true);
      const byNamespace = firstMatch(namespaces, namespace, false);
      if (hasEntries(principals) && byPrincipal < 0) continue;
      if (hasEntries(namespaces) && byNamespace < 0) continue;
      if (
        firstMatch(source.notPrincipals, principal, false) >= 0 ||
        firstMatch(source.notNamespaces, namespace, false) >= 0
      ) {
        continue;
      }
      const exactPrincipal = byPrincipal >= 0 && !stringAt(principals, byPrincipal).includes('*');
      const exactNamespace = byNamespace >= 0 && !stringAt(namespaces, byNamespace).includes('*');
      if (exactPrincipal || exactNamespace) {
        const [field, at] = exactPrincipal
          ? (['principals', byPrincipal] as const)
          : (['namespaces', byNamespace] as const);
        named = sourceStringPath(rule, index, field, at);
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
    if (condition.hasValues) {
      let hit = false;
      let exactHit: { readonly path: string; readonly value: string } | undefined;
      for (const entry of condition.values) {
        const matches =
          kind === 'namespace'
            ? istioMatch(entry.value, subject)
            : principalMayMatch(entry.value, subject);
        if (!matches) continue;
        hit = true;
        if (!entry.value.includes('*')) {
          exactHit = entry;
          break;
        }
      }
      if (!hit) return undefined;
      named ??= exactHit?.path ?? null;
    }
    if (anyMatches(condition.notValues, subject)) return undefined;
  }
  return named ?? undefined;
}

/**
 * The index of the first string entry of `list` that matches `subject`: as a principal
 * ({@link principalMayMatch}) when `asPrincipal`, else by Istio's match ({@link istioMatch}, as
 * exclusions are judged). -1 when none does or `list` is not a list.
 */
function firstMatch(list: unknown, subject: string, asPrincipal: boolean): number {
  if (!Array.isArray(list)) return -1;
  const entries = list as readonly unknown[];
  for (let index = 0; index < entries.length; index++) {
    const entry = entries[index];
    if (typeof entry !== 'string') continue;
    if (asPrincipal ? principalMayMatch(entry, subject) : istioMatch(entry, subject)) return index;
  }
  return -1;
}

/** The string at `index` of a list {@link firstMatch} found it in. */
function stringAt(list: unknown, index: number): string {
  return (list as readonly string[])[index] ?? '';
}

/** True when `value` is a non-empty list. */
function hasEntries(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}

/** True when one of the entries, as an Istio pattern, matches `subject`. */
function anyMatches(entries: readonly { readonly value: string }[], subject: string): boolean {
  for (const entry of entries) if (istioMatch(entry.value, subject)) return true;
  return false;
}

/**
 * True when the rule's `to` limits it to `allowedPaths`: every `to[].operation` lists `paths`,
 * all of them in `allowedPaths` (what {@link pathLimitFailure} explains when it is false). Writes
 * nothing: callers that only ask whether a rule is limited build no message.
 */
export function limitedToPaths(rule: AuthzRule, allowedPaths: readonly string[]): boolean {
  const to = rule.rule.to;
  if (!Array.isArray(to) || to.length === 0) return false;
  for (const entry of to as readonly unknown[]) {
    const paths = asRecord(asRecord(entry)?.operation)?.paths;
    if (!Array.isArray(paths) || paths.length === 0) return false;
    for (const value of paths as readonly unknown[]) {
      if (typeof value !== 'string' || !allowedPaths.includes(value)) return false;
    }
  }
  return true;
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
