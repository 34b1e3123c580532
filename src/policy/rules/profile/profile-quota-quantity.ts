import { asRecord, getPath } from '../../object-access.js';
import { MAX_QUANTITY_LENGTH, parseQuantity } from '../../quantity.js';
import { failIf, type Violation, defineRule, WRITE_OPERATIONS } from '../../rule.js';
import { indexPath, keyPath, listValues, quoteValue } from '../../validation-helpers.js';
import { HARD_PATH } from './profile-fields.js';
import { QUOTA_SCOPES, isIntegerQuotaResource } from './quota-resource-names.js';

const SPEC_PATH = 'spec.resourceQuotaSpec';
const SCOPES = new Set(QUOTA_SCOPES);

/**
 * Checks one `hard` value as the API server would on the ResourceQuota the controller creates:
 * a quantity (string or number), not negative, and whole for count-like resources.
 */
function checkValue(resource: string, value: unknown): Violation | undefined {
  const path = keyPath(HARD_PATH, resource);
  if (typeof value === 'string' && value.length > MAX_QUANTITY_LENGTH) {
    return {
      path,
      message: `${path} is ${value.length} characters long; a quantity has at most ${MAX_QUANTITY_LENGTH}`,
    };
  }
  const quantity =
    typeof value === 'string' || typeof value === 'number' ? parseQuantity(value) : undefined;
  if (quantity === undefined) {
    return {
      path,
      message: `${path} ${quoteValue(value)} is not a Kubernetes quantity (e.g. "500m", "4", "16Gi")`,
    };
  }
  if (quantity.mantissa < 0n) {
    return { path, message: `${path} ${quoteValue(value)} is negative; quotas must be >= 0` };
  }
  if (quantity.exponent < 0 && isIntegerQuotaResource(resource)) {
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

/** Reports a present field that is not of the expected JSON type (null counts as unset). */
function wrongType(path: string, value: unknown, expected: 'map' | 'list'): Violation[] {
  if (value === undefined || value === null) return [];
  const ok = expected === 'map' ? asRecord(value) !== undefined : Array.isArray(value);
  return ok ? [] : [{ path, message: `${path} ${quoteValue(value)} is not a ${expected}` }];
}

/**
 * Every `spec.resourceQuotaSpec.hard` value must be a valid quota quantity and every scope (in
 * `scopes` and `scopeSelector.matchExpressions[].scopeName`) a known ResourceQuota scope.
 */
export const profileQuotaQuantity = defineRule({
  id: 'profile-quota-quantity',
  targets: ['Profile'],
  operations: WRITE_OPERATIONS,
  structural: true,
  description:
    'a `spec.resourceQuotaSpec.hard` value is not a valid quota quantity, or a scope is not a ResourceQuota scope',
  clusterState: 'none',
  check: ({ object }) => {
    const spec = getPath(object, 'spec', 'resourceQuotaSpec');
    const quota = asRecord(spec);
    if (quota === undefined) return failIf(wrongType(SPEC_PATH, spec, 'map'));
    const violations: Violation[] = [...wrongType(HARD_PATH, quota.hard, 'map')];
    for (const [resource, value] of Object.entries(asRecord(quota.hard) ?? {})) {
      const violation = checkValue(resource, value);
      if (violation) violations.push(violation);
    }
    const scopesPath = `${SPEC_PATH}.scopes`;
    violations.push(...wrongType(scopesPath, quota.scopes, 'list'));
    if (Array.isArray(quota.scopes)) {
      quota.scopes.forEach((scope: unknown, index) => {
        const violation = checkScope(indexPath(scopesPath, index), scope);
        if (violation) violations.push(violation);
      });
    }
    const selectorPath = `${SPEC_PATH}.scopeSelector`;
    violations.push(...wrongType(selectorPath, quota.scopeSelector, 'map'));
    const expressions = getPath(quota, 'scopeSelector', 'matchExpressions');
    const expressionsPath = `${selectorPath}.matchExpressions`;
    violations.push(...wrongType(expressionsPath, expressions, 'list'));
    if (Array.isArray(expressions)) {
      expressions.forEach((expression: unknown, index) => {
        const path = `${indexPath(expressionsPath, index)}.scopeName`;
        const violation = checkScope(path, asRecord(expression)?.scopeName);
        if (violation) violations.push(violation);
      });
    }
    return failIf(violations);
  },
});
