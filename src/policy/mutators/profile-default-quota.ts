import type { KubeObject } from '../kube-object.js';
import { hasOwnMembers } from '../mutation-engine.js';
import { asRecord } from '../object-access.js';
import type { CatalogMutatorDefinition } from '../rule.js';
import { quotaAlias } from '../rules/profile/profile-fields.js';

/**
 * Returns `parent[key]` as an object to write into, creating it when absent or `null`; undefined
 * when it is present but not an object (a malformed field is validation's business, not
 * overwritten here). `null` counts as absent because the profile controller (Go) decodes it so:
 * a `hard: null` left alone would leave the namespace without any quota limits.
 */
function childObject(
  parent: Record<string, unknown>,
  key: string,
): Record<string, unknown> | undefined {
  parent[key] ??= {};
  return asRecord(parent[key]);
}

/**
 * Injects `profiles.quota.defaults` into `spec.resourceQuotaSpec.hard`: all of them when `hard` is
 * absent or empty, else (with `fillMissing`) only the keys the object lacks, where `cpu` ≡
 * `requests.cpu` and `memory` ≡ `requests.memory` so an alias is never added beside its twin.
 * Existing values are never changed, values are injected as written in the policy, and a
 * malformed `spec`, `resourceQuotaSpec` or `hard` is left alone (`null` is absent, not malformed).
 */
export const profileDefaultQuota: CatalogMutatorDefinition = {
  id: 'profile-default-quota',
  description:
    'when `spec.resourceQuotaSpec.hard` is absent or empty, sets it to `profiles.quota.defaults`; otherwise, with `fillMissing`, adds only the default keys the object lacks, where `cpu` ≡ `requests.cpu` and `memory` ≡ `requests.memory` (a default `cpu` is not added next to an existing `requests.cpu`, and vice versa). Existing values are never changed; values are written exactly as in the policy; `spec`/`resourceQuotaSpec`/`hard` are created when absent or null and left alone when malformed.',
  targets: ['Profile'],
  writes: [['spec', 'resourceQuotaSpec', 'hard']],
  apply: ({ policy }, draft: KubeObject) => {
    const { defaults, fillMissing } = policy.spec.profiles.quota;
    const entries = Object.entries(defaults);
    if (entries.length === 0) return;
    const existing = asRecord(asRecord(asRecord(draft.spec)?.resourceQuotaSpec)?.hard);
    if (existing !== undefined && !fillMissing && hasOwnMembers(existing)) return;
    // Decided against the object's own keys, so injecting into an empty `hard` and filling a
    // partial one agree, and a second pass adds nothing. Looked up one by one, never listed: the
    // draft of a `hard` with 200 000 resources is an overlay, which lists them only by copying.
    const has = (key: string): boolean => {
      if (existing === undefined) return false;
      const alias = quotaAlias(key);
      return (
        Object.hasOwn(existing, key) || (alias !== undefined && Object.hasOwn(existing, alias))
      );
    };
    const missing = entries.filter(([key]) => !has(key));
    if (missing.length === 0) return;
    const spec = childObject(draft, 'spec');
    const quota = spec && childObject(spec, 'resourceQuotaSpec');
    const hard = quota && childObject(quota, 'hard');
    if (hard === undefined) return;
    for (const [key, value] of missing) hard[key] = value;
  },
};
