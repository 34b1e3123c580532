import { asStringMap, getPath } from '../../object-access.js';
import { changedLabelKeys, withInjectedLabels } from '../../policy-selection.js';
import { PASS, defineRule, failIf, WRITE_OPERATIONS } from '../../rule.js';
import { keyPath, quoteValue } from '../../validation-helpers.js';

/**
 * `profile-selector-label`: a Profile's labels choose the ProfilePolicy that governs it, and a
 * tenant writes her Profile's labels, so no one but an exempt caller may add, change or remove a
 * label that the `spec.selector` of any policy in force reads (`ctx.selectorLabelKeys`). A CREATE
 * counts as adding every label it carries. Labels the governing policy's `profiles.labels` inject
 * are counted on both sides, as policy selection counts them: `/mutate` adds them, not the caller.
 * Never ratcheted: a change is judged on its own.
 */
export const profileSelectorLabel = defineRule({
  id: 'profile-selector-label',
  targets: ['Profile'],
  operations: WRITE_OPERATIONS,
  structural: false,
  ratchets: false,
  description:
    'a label that the `spec.selector` of any ProfilePolicy reads is added, changed or removed (a tenant must not choose which policy governs her Profile)',
  clusterState: 'none',
  check: ({ input, object, oldObject, policy, selectorLabelKeys }) => {
    if (selectorLabelKeys.size === 0) return PASS;
    const stored = input.operation === 'CREATE' ? {} : labelsOf(oldObject);
    const before = withInjectedLabels(stored, policy);
    const after = withInjectedLabels(labelsOf(object), policy);
    const changed = changedLabelKeys(selectorLabelKeys, before, after).sort();
    return failIf(
      changed.map((key) => {
        const path = keyPath('metadata.labels', key);
        const change = !Object.hasOwn(before, key)
          ? `added as ${quoteValue(after[key])}`
          : !Object.hasOwn(after, key)
            ? `removed (was ${quoteValue(before[key])})`
            : `changed from ${quoteValue(before[key])} to ${quoteValue(after[key])}`;
        return {
          path,
          message: `${path} is read by a ProfilePolicy selector (it chooses the policy that governs this Profile), so only an exempt caller may set it: ${change}`,
        };
      }),
    );
  },
});

function labelsOf(object: unknown): Readonly<Record<string, string>> {
  return asStringMap(getPath(object, 'metadata', 'labels'));
}
