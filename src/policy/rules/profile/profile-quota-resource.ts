import { failIf, type Violation, defineRule, WRITE_OPERATIONS, lazyViolation } from '../../rule.js';
import { keyPath, listValues } from '../../validation-helpers.js';
import { HARD_PATH, quotaAlias, quotaHard } from './profile-fields.js';
import { isQuotaResourceName } from './quota-resource-names.js';

/**
 * Every `spec.resourceQuotaSpec.hard` key must be a valid ResourceQuota resource name and, when
 * `profiles.quota.allowedResources` is non-empty, listed there (directly or by its alias:
 * `cpu` ≡ `requests.cpu`, `memory` ≡ `requests.memory`).
 */
export const profileQuotaResource = defineRule({
  id: 'profile-quota-resource',
  targets: ['Profile'],
  operations: WRITE_OPERATIONS,
  structural: false,
  description:
    'a `hard` key is not a ResourceQuota resource name, or `profiles.quota.allowedResources` is non-empty and does not list it',
  clusterState: 'none',
  check: ({ input, object, policy }) => {
    const allowed = policy.spec.profiles.quota.allowedResources;
    const violations: Violation[] = [];
    // The keys alone, and a path written only for a violation (`hard` may be 200 000 long).
    const { keys } = quotaHard(object, input);
    for (const resource of keys) {
      if (!isQuotaResourceName(resource)) {
        const path = keyPath(HARD_PATH, resource);
        violations.push(
          lazyViolation(
            path,
            () =>
              `${path} is not a ResourceQuota resource name (e.g. "cpu", "requests.nvidia.com/gpu", "count/pods")`,
          ),
        );
        continue;
      }
      if (allowed.length === 0 || allowed.includes(resource)) continue;
      const alias = quotaAlias(resource);
      if (alias !== undefined && allowed.includes(alias)) continue;
      const path = keyPath(HARD_PATH, resource);
      violations.push(
        lazyViolation(
          path,
          () => `${path} is not an allowed quota resource; allowed: ${listValues(allowed)}`,
        ),
      );
    }
    return failIf(violations);
  },
});
