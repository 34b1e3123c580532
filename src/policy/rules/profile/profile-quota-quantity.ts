import { asRecord, getPath } from '../../object-access.js';
import { MAX_QUANTITY_LENGTH, parseQuantity } from '../../quantity.js';
import {
  DeferredViolations,
  failIf,
  type Violation,
  defineRule,
  WRITE_OPERATIONS,
  lazyViolation,
} from '../../rule.js';
import { indexPath, keyPath, listValues, quoteValue } from '../../validation-helpers.js';
import { HARD_PATH, quotaHard } from './profile-fields.js';
import {
  CONFLICTING_QUOTA_SCOPES,
  QUOTA_SCOPE_RESOURCES,
  QUOTA_SCOPES,
  isIntegerQuotaResource,
  isStandardQuotaResource,
} from './quota-resource-names.js';

const SPEC_PATH = 'spec.resourceQuotaSpec';
const SCOPES = new Set(QUOTA_SCOPES);

/**
 * True when `value` is surely a valid, non-negative, whole quantity without parsing it: a string
 * of 1 to MAX_QUANTITY_LENGTH ASCII digits and nothing else (`"4"`, `"007"`), or a non-negative
 * safe integer (written as such digits). Parsing such text gives mantissa ≥ 0 and exponent ≥ 0
 * (no sign, no fraction, no suffix; normalising only raises the exponent, and the int64 cap
 * keeps it 0), so {@link checkValue} has nothing to report. This is the common case, and a
 * `hard` of 49 000 resources would otherwise parse each value into BigInts. Exported for its
 * tests.
 */
export function isPlainWholeQuantity(value: unknown): boolean {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_QUANTITY_LENGTH) {
    return false;
  }
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code < 0x30 || code > 0x39) return false;
  }
  return true;
}

/**
 * Checks one `hard` value as the API server would on the ResourceQuota the controller creates:
 * a quantity (string or number), not negative, and whole for count-like resources.
 */
function checkValue(resource: string, value: unknown): Violation | undefined {
  if (isPlainWholeQuantity(value)) return undefined;
  // The path is written only for a violation: `hard` may hold 200 000 valid resources.
  if (typeof value === 'string' && value.length > MAX_QUANTITY_LENGTH) {
    const path = keyPath(HARD_PATH, resource);
    return {
      path,
      message: `${path} is ${value.length} characters long; a quantity has at most ${MAX_QUANTITY_LENGTH}`,
    };
  }
  const quantity =
    typeof value === 'string' || typeof value === 'number' ? parseQuantity(value) : undefined;
  if (quantity === undefined) {
    const path = keyPath(HARD_PATH, resource);
    return {
      path,
      message: `${path} ${quoteValue(value)} is not a Kubernetes quantity (e.g. "500m", "4", "16Gi")`,
    };
  }
  if (quantity.mantissa < 0n) {
    const path = keyPath(HARD_PATH, resource);
    return { path, message: `${path} ${quoteValue(value)} is negative; quotas must be >= 0` };
  }
  if (quantity.exponent < 0 && isIntegerQuotaResource(resource)) {
    const path = keyPath(HARD_PATH, resource);
    return { path, message: `${path} ${quoteValue(value)} must be a whole number` };
  }
  return undefined;
}

function checkScope(path: string, scope: unknown): Violation | undefined {
  if (typeof scope === 'string' && SCOPES.has(scope)) return undefined;
  return {
    path,
    message: `${path} ${quoteValue(scope)} is not a ResourceQuota scope; allowed: ${listValues(QUOTA_SCOPES)}`,
  };
}

/**
 * The violation of a scope at `path`, if it is one: not a ResourceQuota scope, or one that cannot
 * bound some `hard` key.
 */
function scopeEntryViolation(
  path: string,
  scope: unknown,
  scopeChecker: ScopeChecker,
): Violation | undefined {
  return checkScope(path, scope) ?? scopeChecker.applicability(path, scope);
}

/** The `hard` keys one scope cannot bound: the first, in `hard`'s order, and how many. */
interface Unbounded {
  readonly first: string;
  readonly count: number;
}

/**
 * What the API server refuses in the scopes of a ResourceQuota with these `hard` keys: a scope
 * that cannot bound one of them, two conflicting scopes, and (selector entries) an operator or
 * values that do not fit the scope. Such a ResourceQuota is never created, so the profile
 * namespace would have no quota at all. Work is linear: each distinct scope is checked against
 * `hard` once, however often it is listed.
 */
class ScopeChecker {
  private readonly unbounded = new Map<string, Unbounded | undefined>();

  constructor(private readonly hardKeys: readonly string[]) {}

  /** The `hard` keys `scope` cannot bound (undefined: none, or an unknown scope). */
  unboundedBy(scope: string): Unbounded | undefined {
    if (this.unbounded.has(scope)) return this.unbounded.get(scope);
    const bounded = QUOTA_SCOPE_RESOURCES.get(scope);
    let first: string | undefined;
    let count = 0;
    if (bounded !== undefined) {
      for (const key of this.hardKeys) {
        if (!isStandardQuotaResource(key) || bounded.has(key)) continue;
        first ??= key;
        count++;
      }
    }
    const result = first === undefined ? undefined : { first, count };
    this.unbounded.set(scope, result);
    return result;
  }

  /** The violation of a scope at `path` that cannot bound some `hard` key, if it is one. */
  applicability(path: string, scope: unknown): Violation | undefined {
    if (typeof scope !== 'string') return undefined;
    const unbounded = this.unboundedBy(scope);
    if (unbounded === undefined) return undefined;
    return lazyViolation(path, () => {
      const bounded = [...(QUOTA_SCOPE_RESOURCES.get(scope) ?? [])];
      const more = unbounded.count > 1 ? ` (and ${unbounded.count - 1} more)` : '';
      return `${path} ${quoteValue(scope)} cannot bound ${keyPath(HARD_PATH, unbounded.first)}${more}: the API server refuses such a ResourceQuota (unsupported scope applied to resource), which would leave the namespace without any quota; ${scope} bounds only ${listValues(bounded)}`;
    });
  }
}

/** Scope-selector operators, and the scopes that only take `Exists` (as the API server says). */
const SELECTOR_OPERATORS: readonly string[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];
const EXISTS_ONLY_SCOPES: ReadonlySet<string> = new Set([
  'BestEffort',
  'NotBestEffort',
  'Terminating',
  'NotTerminating',
  'CrossNamespacePodAffinity',
]);

/** Conflicting scopes among `entries` (path and scope name), reported at the later of each pair. */
function conflicts(entries: readonly (readonly [string, unknown])[]): Violation[] {
  const violations: Violation[] = [];
  const first = new Map<string, string>();
  for (const [path, scope] of entries) {
    if (typeof scope !== 'string' || first.has(scope)) continue;
    first.set(scope, path);
    for (const pair of CONFLICTING_QUOTA_SCOPES) {
      const other = pair[0] === scope ? pair[1] : pair[1] === scope ? pair[0] : undefined;
      const otherPath = other === undefined ? undefined : first.get(other);
      if (other === undefined || otherPath === undefined) continue;
      violations.push(
        lazyViolation(
          path,
          () =>
            `${path} ${quoteValue(scope)} conflicts with ${otherPath} ${quoteValue(other)}: the API server refuses such a ResourceQuota (conflicting scopes), which would leave the namespace without any quota`,
        ),
      );
    }
  }
  return violations;
}

/** The operator and values of one selector entry, as the API server checks them for its scope. */
function selectorEntryViolations(
  base: string,
  entry: Readonly<Record<string, unknown>>,
): Violation[] {
  const scope = entry.scopeName;
  if (typeof scope !== 'string' || !SCOPES.has(scope)) return [];
  const operator = entry.operator;
  const operatorPath = `${base}.operator`;
  if (typeof operator !== 'string' || !SELECTOR_OPERATORS.includes(operator)) {
    return [
      lazyViolation(
        operatorPath,
        () =>
          `${operatorPath} ${quoteValue(operator)} is not a scope selector operator; allowed: ${listValues(SELECTOR_OPERATORS)}`,
      ),
    ];
  }
  if (EXISTS_ONLY_SCOPES.has(scope) && operator !== 'Exists') {
    return [
      lazyViolation(
        operatorPath,
        () =>
          `${operatorPath} ${quoteValue(operator)} must be "Exists" for the scope ${quoteValue(scope)}`,
      ),
    ];
  }
  const values = Array.isArray(entry.values) ? entry.values.length : 0;
  const valuesPath = `${base}.values`;
  if ((operator === 'In' || operator === 'NotIn') && values === 0) {
    return [
      lazyViolation(
        valuesPath,
        () =>
          `${valuesPath} must list at least one value with the operator ${quoteValue(operator)}`,
      ),
    ];
  }
  if ((operator === 'Exists' || operator === 'DoesNotExist') && values > 0) {
    return [
      lazyViolation(
        valuesPath,
        () => `${valuesPath} must be empty with the operator ${quoteValue(operator)}`,
      ),
    ];
  }
  return [];
}

/** Reports a present field that is not of the expected JSON type (null counts as unset). */
function wrongType(path: string, value: unknown, expected: 'map' | 'list'): Violation[] {
  if (value === undefined || value === null) return [];
  const ok = expected === 'map' ? asRecord(value) !== undefined : Array.isArray(value);
  return ok ? [] : [{ path, message: `${path} ${quoteValue(value)} is not a ${expected}` }];
}

/**
 * Every `spec.resourceQuotaSpec.hard` value must be a valid quota quantity and every scope (in
 * `scopes` and `scopeSelector.matchExpressions[].scopeName`) a known ResourceQuota scope that the
 * API server accepts with those `hard` resources: the profile controller copies the spec into
 * the namespace's ResourceQuota, and one the API server refuses (a pod scope over
 * `persistentvolumeclaims`, conflicting scopes, a selector operator that does not fit its scope)
 * is never created, leaving the namespace without any quota, defaults and maxima included.
 */
export const profileQuotaQuantity = defineRule({
  id: 'profile-quota-quantity',
  targets: ['Profile'],
  operations: WRITE_OPERATIONS,
  structural: true,
  description:
    'a `spec.resourceQuotaSpec.hard` value is not a valid quota quantity, or a scope is not a ResourceQuota scope or is refused by the API server with those `hard` resources (so the namespace would get no quota at all)',
  clusterState: 'none',
  check: ({ input, object }) => {
    const spec = getPath(object, 'spec', 'resourceQuotaSpec');
    const quota = asRecord(spec);
    if (quota === undefined) return failIf(wrongType(SPEC_PATH, spec, 'map'));
    // The keys listed once, for the values and the scopes; no pair allocated per entry.
    const { hard, keys: hardKeys } = quotaHard(object, input);
    const scopesPath = `${SPEC_PATH}.scopes`;
    const scopeChecker = new ScopeChecker(hardKeys);
    // A `scopes` entry is recorded by index and made a violation (its path written, its problem
    // found again) only when read: `scopes` may list 99 000 entries of a scope that fails.
    const violations = new DeferredViolations<readonly unknown[]>((scopes, index) => {
      const path = indexPath(scopesPath, index);
      // Recorded only where one is found, so the fallback is never taken.
      return (
        scopeEntryViolation(path, scopes[index], scopeChecker) ?? {
          path,
          message: `${path} is not a ResourceQuota scope`,
        }
      );
    });
    const pushAll = (list: readonly Violation[]): void => {
      for (const violation of list) violations.push(violation);
    };
    pushAll(wrongType(HARD_PATH, quota.hard, 'map'));
    for (const resource of hardKeys) {
      const violation = checkValue(resource, hard[resource]);
      if (violation) violations.push(violation);
    }
    pushAll(wrongType(scopesPath, quota.scopes, 'list'));
    if (Array.isArray(quota.scopes)) {
      // Only the first entry of each scope can conflict (see `conflicts`), and a path is written
      // only where it is used: `scopes` may list 100 000 entries of a few names.
      const named: (readonly [string, unknown])[] = [];
      const seen = new Set<unknown>();
      const scopes = quota.scopes as readonly unknown[];
      for (let index = 0; index < scopes.length; index++) {
        const scope = scopes[index];
        const known = typeof scope === 'string' && SCOPES.has(scope);
        const first = typeof scope === 'string' && !seen.has(scope);
        const unbounded = known && scopeChecker.unboundedBy(scope) !== undefined;
        if (known && !first && !unbounded) continue;
        // What checkScope and applicability find, told without writing the path.
        if (!known || unbounded) violations.add(scopes, index);
        if (first) {
          seen.add(scope);
          named.push([indexPath(scopesPath, index), scope]);
        }
      }
      pushAll(conflicts(named));
    }
    const selectorPath = `${SPEC_PATH}.scopeSelector`;
    pushAll(wrongType(selectorPath, quota.scopeSelector, 'map'));
    const expressions = getPath(quota, 'scopeSelector', 'matchExpressions');
    const expressionsPath = `${selectorPath}.matchExpressions`;
    pushAll(wrongType(expressionsPath, expressions, 'list'));
    if (Array.isArray(expressions)) {
      const named: (readonly [string, unknown])[] = [];
      expressions.forEach((expression: unknown, index) => {
        const base = indexPath(expressionsPath, index);
        const path = `${base}.scopeName`;
        const entry = asRecord(expression) ?? {};
        const violation =
          checkScope(path, entry.scopeName) ?? scopeChecker.applicability(path, entry.scopeName);
        if (violation) violations.push(violation);
        pushAll(selectorEntryViolations(base, entry));
        named.push([path, entry.scopeName]);
      });
      pushAll(conflicts(named));
    }
    return failIf(violations);
  },
});
