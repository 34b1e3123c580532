import type { PolicySpec } from '../../policy-spec.js';
import { compareQuantities, parseQuantity, type Quantity } from '../../quantity.js';
import { failIf, type Violation, defineRule, WRITE_OPERATIONS, lazyViolation } from '../../rule.js';
import { keyPath, quoteValue } from '../../validation-helpers.js';
import { HARD_PATH, quotaAlias, quotaHard } from './profile-fields.js';

interface Limit {
  readonly key: string;
  readonly text: string;
  readonly quantity: Quantity;
}

// Policies are immutable once loaded: parse `profiles.quota.max` once per policy object.
const parsedMax = new WeakMap<PolicySpec, ReadonlyMap<string, Limit>>();

/** `profiles.quota.max` parsed; entries that do not parse are left out (the loader rejects them). */
function maxLimits(spec: PolicySpec): ReadonlyMap<string, Limit> {
  const cached = parsedMax.get(spec);
  if (cached !== undefined) return cached;
  const limits = new Map<string, Limit>();
  for (const [key, text] of Object.entries(spec.profiles.quota.max)) {
    const quantity = parseQuantity(text);
    if (quantity !== undefined) limits.set(key, { key, text, quantity });
  }
  parsedMax.set(spec, limits);
  return limits;
}

/**
 * No `spec.resourceQuotaSpec.hard` value may exceed `profiles.quota.max` for its resource; a max on
 * `cpu` also bounds `requests.cpu` and vice versa (likewise `memory`). Compared exactly; values
 * that are not quantities are left to `profile-quota-quantity`.
 */
export const profileQuotaMax = defineRule({
  id: 'profile-quota-max',
  targets: ['Profile'],
  operations: WRITE_OPERATIONS,
  structural: false,
  description: 'a `hard` value exceeds `profiles.quota.max` for that resource',
  clusterState: 'none',
  check: ({ input, object, policy }) => {
    const limits = maxLimits(policy.spec);
    const violations: Violation[] = [];
    const { hard, keys } = quotaHard(object, input);
    // The keys alone, and a value parsed only where a maximum applies (`hard` may be 200 000).
    for (const resource of keys) {
      const alias = quotaAlias(resource);
      const applicable = [
        limits.get(resource),
        alias === undefined ? undefined : limits.get(alias),
      ];
      if (applicable[0] === undefined && applicable[1] === undefined) continue;
      const value = hard[resource];
      if (typeof value !== 'string' && typeof value !== 'number') continue;
      const quantity = parseQuantity(value);
      if (quantity === undefined) continue;
      // When both spellings have a max, the smaller one binds.
      const exceeded = applicable
        .filter((limit): limit is Limit => limit !== undefined)
        .filter((limit) => compareQuantities(quantity, limit.quantity) > 0)
        .sort((a, b) => compareQuantities(a.quantity, b.quantity))[0];
      if (exceeded === undefined) continue;
      const path = keyPath(HARD_PATH, resource);
      violations.push(
        lazyViolation(
          path,
          () =>
            `${path} ${quoteValue(value)} exceeds the maximum ${quoteValue(exceeded.text)} (${keyPath('profiles.quota.max', exceeded.key)})`,
        ),
      );
    }
    return failIf(violations);
  },
});
