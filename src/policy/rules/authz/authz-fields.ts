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

const NO_SOURCE: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * The `source` of `from[index]` of a rule (`{}` when the entry has none), read without
 * allocating: for loops over every rule that judge sources in place and allocate only for what
 * they report (see {@link sourceStringPath}).
 */
export function sourceAt(
  from: readonly unknown[],
  index: number,
): Readonly<Record<string, unknown>> {
  return asRecord(asRecord(from[index])?.source) ?? NO_SOURCE;
}

/**
 * The path of the string entry `field[index]` of the source `from[fromIndex].source` of a rule,
 * for a caller that judged the entry in place and reports it.
 */
export function sourceStringPath(
  rule: AuthzRule,
  fromIndex: number,
  field: string,
  index: number,
): string {
  return indexPath(`${indexPath(`${rule.path}.from`, fromIndex)}.source.${field}`, index);
}

/**
 * Where the workload part `/ns/<namespace>/sa/<name>` of a principal starts (the index of its
 * first `/`), or -1 when the principal is not of the form `<trust-domain>/ns/<namespace>/sa/<name>`
 * (any trust domain, even empty or holding `/`; namespace and name non-empty). Read from the last
 * four `/` in place: this runs for every principal of every rule, so it allocates nothing.
 */
function workloadStart(principal: string): number {
  const beforeName = principal.lastIndexOf('/');
  if (beforeName <= 0 || beforeName === principal.length - 1) return -1;
  const beforeSa = principal.lastIndexOf('/', beforeName - 1);
  if (beforeSa <= 0 || beforeName - beforeSa !== 3 || !principal.startsWith('sa', beforeSa + 1)) {
    return -1;
  }
  const beforeNamespace = principal.lastIndexOf('/', beforeSa - 1);
  if (beforeNamespace <= 0 || beforeSa - beforeNamespace < 2) return -1;
  const beforeNs = principal.lastIndexOf('/', beforeNamespace - 1);
  if (
    beforeNs < 0 ||
    beforeNamespace - beforeNs !== 3 ||
    !principal.startsWith('ns', beforeNs + 1)
  ) {
    return -1;
  }
  return beforeNs;
}

/**
 * The namespace a workload principal names: `<trust-domain>/ns/<namespace>/sa/<name>` (any trust
 * domain, with or without `spiffe://`). Undefined when the principal has another shape.
 */
export function principalNamespace(principal: string): string | undefined {
  const start = workloadStart(principal);
  if (start < 0) return undefined;
  const namespace = start + '/ns/'.length;
  return principal.slice(namespace, principal.indexOf('/', namespace));
}

/**
 * Whether the namespace a workload principal names is `own` or one of `others`; undefined when
 * the principal is not of the form `<trust-domain>/ns/<namespace>/sa/<name>`. The same answer
 * as looking {@link principalNamespace} up in them, compared in place: this runs for every
 * principal of every rule, and a rule may list 99 000.
 */
export function principalNamespaceOneOf(
  principal: string,
  own: string,
  others: readonly string[],
): boolean | undefined {
  const workload = workloadStart(principal);
  if (workload < 0) return undefined;
  const start = workload + '/ns/'.length;
  // A workload part always has `/sa/` after the namespace.
  const length = principal.indexOf('/', start) - start;
  if (namesAt(principal, start, length, own)) return true;
  for (const other of others) if (namesAt(principal, start, length, other)) return true;
  return false;
}

/** True when `text` holds exactly `namespace` at `start`, where `length` characters lie. */
function namesAt(text: string, start: number, length: number, namespace: string): boolean {
  return namespace.length === length && text.startsWith(namespace, start);
}

/**
 * A workload principal (e.g. a gateway of `authorizationPolicies.gatewayPrincipals`) read once
 * per request for {@link admitsPrincipal}: its namespace (`''` when it names none) and
 * `/ns/<namespace>/sa/<name>`, what it is under any trust domain (undefined for another shape).
 */
export interface WorkloadPrincipal {
  readonly principal: string;
  readonly namespace: string;
  readonly workload: string | undefined;
}

/** Reads a principal once for {@link admitsPrincipal} (see {@link WorkloadPrincipal}). */
export function workloadPrincipal(principal: string): WorkloadPrincipal {
  const start = workloadStart(principal);
  return {
    principal,
    namespace: principalNamespace(principal) ?? '',
    workload: start < 0 ? undefined : principal.slice(start),
  };
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

/**
 * One `when[]` condition of a rule, with its path, and its `values` / `notValues` as written (an
 * empty list when not a list): readers skip entries that are not strings (they match nothing
 * Istio could read; it refuses such a policy) and write an entry's path only to report it
 * ({@link conditionValuePath}).
 */
export interface AuthzCondition {
  readonly path: string;
  readonly key: string;
  readonly meaning: ConditionKey;
  readonly values: readonly unknown[];
  readonly notValues: readonly unknown[];
  /**
   * True when `values` lists at least one string: the condition must match one of them. Entries
   * of any other type never count as a restriction.
   */
  readonly hasValues: boolean;
  /** True when `notValues` lists at least one string. */
  readonly hasNotValues: boolean;
}

/**
 * The `when[]` conditions of a rule that have a string `key` (others cannot match). Every
 * AuthorizationPolicy rule reads them, so they are listed once per rule and `userIdHeader`
 * (objects are never edited while they are judged).
 */
export function conditionsOf(rule: AuthzRule, userIdHeader: string): readonly AuthzCondition[] {
  const when = rule.rule.when;
  if (!Array.isArray(when) || when.length === 0) return NONE;
  const known = conditionLists.get(rule);
  if (known?.userIdHeader === userIdHeader) return known.conditions;
  const conditions: AuthzCondition[] = [];
  for (let index = 0; index < when.length; index++) {
    const condition = asRecord(when[index]);
    const key = asString(condition?.key);
    if (condition === undefined || key === undefined) continue;
    conditions.push(
      new ConditionEntry(condition, key, conditionKey(key, userIdHeader), rule, index),
    );
  }
  conditionLists.set(rule, { userIdHeader, conditions });
  return conditions;
}

/**
 * True when some `when[]` condition of `rule` (as {@link conditionsOf} lists them) passes `test`:
 * the one loop the rules that ask "is there a condition that…" share.
 */
export function someCondition(
  rule: AuthzRule,
  userIdHeader: string,
  test: (condition: AuthzCondition) => boolean,
): boolean {
  const conditions = conditionsOf(rule, userIdHeader);
  const count = conditions.length;
  for (let index = 0; index < count; index++) {
    const condition = conditions[index];
    if (condition !== undefined && test(condition)) return true;
  }
  return false;
}

/** {@link conditionsOf} by rule (a rule's entry is made once per `spec.rules` list). */
const conditionLists = new WeakMap<
  AuthzRule,
  { readonly userIdHeader: string; readonly conditions: readonly AuthzCondition[] }
>();

/** The path of `values[index]` or `notValues[index]` of a condition, for a caller reporting it. */
export function conditionValuePath(
  condition: AuthzCondition,
  field: 'values' | 'notValues',
  index: number,
): string {
  return indexPath(`${condition.path}.${field}`, index);
}

class ConditionEntry extends ListEntry implements AuthzCondition {
  readonly values: readonly unknown[];
  readonly notValues: readonly unknown[];
  readonly hasValues: boolean;
  readonly hasNotValues: boolean;

  constructor(
    condition: Readonly<Record<string, unknown>>,
    readonly key: string,
    readonly meaning: ConditionKey,
    rule: AuthzRule,
    index: number,
  ) {
    super(rule, 'when', index);
    this.values = listOf(condition.values);
    this.notValues = listOf(condition.notValues);
    this.hasValues = hasString(this.values);
    this.hasNotValues = hasString(this.notValues);
  }
}

/** The value when it is a list, else none. */
function listOf(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : NONE;
}

/** True when a list holds a string. */
function hasString(list: readonly unknown[]): boolean {
  const count = list.length;
  for (let index = 0; index < count; index++) {
    if (typeof list[index] === 'string') return true;
  }
  return false;
}

/**
 * Whether a principal entry may admit the workload `principal`: Istio's match, or, for an entry
 * without wildcards, the same namespace and service account under any trust domain (trust domain
 * aliases make those the same workload; judging them alike errs on the side of "admits"). The
 * entry names `principal.workload` under some trust domain exactly when it ends with it (that
 * part starts with `/`, and holds no other principal's workload part).
 */
function principalMayMatch(entry: string, principal: WorkloadPrincipal): boolean {
  if (istioMatch(entry, principal.principal)) return true;
  if (entry.includes('*')) return false;
  return principal.workload !== undefined && entry.endsWith(principal.workload);
}

/** A field that names what it points at, with its path written when read. */
export interface FieldRef {
  readonly path: string;
}

/** `from[fromIndex].source.<field>[at]` of a rule, its path written when read. */
class SourceValueRef implements FieldRef {
  constructor(
    private readonly rule: AuthzRule,
    private readonly fromIndex: number,
    private readonly field: string,
    private readonly at: number,
  ) {}

  get path(): string {
    return sourceStringPath(this.rule, this.fromIndex, this.field, this.at);
  }
}

/** `values[at]` of a condition, its path written when read. */
class ConditionValueRef implements FieldRef {
  constructor(
    private readonly condition: AuthzCondition,
    private readonly at: number,
  ) {}

  get path(): string {
    return conditionValuePath(this.condition, 'values', this.at);
  }
}

/**
 * Where a granting rule admits requests from the workload `principal` (e.g. the ingress gateway)
 * by naming it: the field that names the principal itself (exactly, under any trust domain) or
 * its namespace, in `from` or in a `source.principal` / `source.namespace` condition. Undefined
 * when the rule cannot admit the principal, and also when it admits it only by a wildcard or for
 * want of any source restriction: those admit every workload and are judged by
 * `authz-source-namespace` and `authz-any-source`, each attack by one rule. The field's path is
 * written only when read.
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
  workload: WorkloadPrincipal,
  userIdHeader: string,
): FieldRef | undefined {
  // undefined: not admitted; null: admitted without being named; a field: named there.
  // Plain loops, no closures or intermediate lists: this runs for every rule and gateway.
  const { principal, namespace } = workload;
  let named: FieldRef | null | undefined;
  const from = rule.rule.from;
  if (!Array.isArray(from) || from.length === 0) {
    named = null;
  } else {
    // Read in place: nothing is allocated for a source unless it names the principal exactly.
    const sources = from as readonly unknown[];
    for (let index = 0; index < sources.length; index++) {
      const source = sourceAt(sources, index);
      const { principals, namespaces } = source;
      const byPrincipal = firstPrincipalMatch(principals, workload);
      const byNamespace = firstMatch(namespaces, namespace);
      if (hasEntries(principals) && byPrincipal < 0) continue;
      if (hasEntries(namespaces) && byNamespace < 0) continue;
      if (
        firstMatch(source.notPrincipals, principal) >= 0 ||
        firstMatch(source.notNamespaces, namespace) >= 0
      ) {
        continue;
      }
      const exactPrincipal = byPrincipal >= 0 && !stringAt(principals, byPrincipal).includes('*');
      const exactNamespace = byNamespace >= 0 && !stringAt(namespaces, byNamespace).includes('*');
      if (exactPrincipal) {
        named = new SourceValueRef(rule, index, 'principals', byPrincipal);
        break;
      }
      if (exactNamespace) {
        named = new SourceValueRef(rule, index, 'namespaces', byNamespace);
        break;
      }
      named ??= null;
    }
  }
  if (named === undefined) return undefined;
  const conditions = conditionsOf(rule, userIdHeader);
  const conditionCount = conditions.length;
  for (let conditionIndex = 0; conditionIndex < conditionCount; conditionIndex++) {
    const condition = conditions[conditionIndex];
    if (condition === undefined) continue;
    const { kind, exact } = condition.meaning;
    // Only an exactly spelled source condition surely applies, so only it can exclude.
    if (!exact || (kind !== 'namespace' && kind !== 'principal')) continue;
    const subject = kind === 'namespace' ? namespace : principal;
    if (condition.hasValues) {
      let hit = false;
      let exactAt = -1;
      const values = condition.values;
      for (let at = 0; at < values.length; at++) {
        const value = values[at];
        if (typeof value !== 'string') continue;
        const matches =
          kind === 'namespace' ? istioMatch(value, subject) : principalMayMatch(value, workload);
        if (!matches) continue;
        hit = true;
        if (!value.includes('*')) {
          exactAt = at;
          break;
        }
      }
      if (!hit) return undefined;
      named ??= exactAt >= 0 ? new ConditionValueRef(condition, exactAt) : null;
    }
    if (firstMatch(condition.notValues, subject) >= 0) return undefined;
  }
  return named ?? undefined;
}

/**
 * The index of the first string entry of `list` that may admit the workload `principal`
 * ({@link principalMayMatch}); -1 when none does or `list` is not a list.
 */
function firstPrincipalMatch(list: unknown, principal: WorkloadPrincipal): number {
  if (!Array.isArray(list)) return -1;
  const entries = list as readonly unknown[];
  for (let index = 0; index < entries.length; index++) {
    const entry = entries[index];
    if (typeof entry === 'string' && principalMayMatch(entry, principal)) return index;
  }
  return -1;
}

/**
 * The index of the first string entry of `list` that matches `subject` by Istio's match
 * ({@link istioMatch}, as exclusions are judged); -1 when none does or `list` is not a list.
 */
function firstMatch(list: unknown, subject: string): number {
  if (!Array.isArray(list)) return -1;
  const entries = list as readonly unknown[];
  for (let index = 0; index < entries.length; index++) {
    const entry = entries[index];
    if (typeof entry === 'string' && istioMatch(entry, subject)) return index;
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
