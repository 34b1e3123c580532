import type { PolicySpec } from '../../policy-spec.js';
import { PASS, skip, defineRule, fail, WRITE_OPERATIONS } from '../../rule.js';
import { quoteValue } from '../../validation-helpers.js';
import { profileName } from './profile-fields.js';

// Policies are immutable once loaded, so the compiled pattern lives as long as its spec object.
// `null` records a pattern that does not compile.
const compiled = new WeakMap<PolicySpec, RegExp | null>();

/**
 * `profiles.name.pattern` compiled as a whole-name match (`^(?:pattern)$`, no flags, exactly as the
 * policy loader checks it), once per policy; null when the pattern does not compile.
 */
export function namePattern(spec: PolicySpec): RegExp | null {
  const cached = compiled.get(spec);
  if (cached !== undefined) return cached;
  let regex: RegExp | null;
  const { pattern } = spec.profiles.name;
  try {
    // Compiling the bare pattern first rejects one such as `a)|(b`, which would otherwise escape
    // the anchors (`^(?:a)|(b)$`) and turn a whole-name match into a search.
    new RegExp(pattern);
    regex = new RegExp(`^(?:${pattern})$`);
  } catch {
    regex = null;
  }
  compiled.set(spec, regex);
  return regex;
}

/** When `profiles.name.pattern` is set, the whole name must match it. */
export const profileNamePattern = defineRule({
  id: 'profile-name-pattern',
  targets: ['Profile'],
  operations: WRITE_OPERATIONS,
  structural: false,
  description: '`profiles.name.pattern` is set and the whole name does not match it',
  clusterState: 'none',
  check: ({ object, policy }) => {
    const { pattern } = policy.spec.profiles.name;
    if (pattern === '') return skip('no profiles.name.pattern');
    const name = profileName(object);
    if (name === undefined) return skip('no metadata.name');
    const regex = namePattern(policy.spec);
    // The loader refuses such a policy; should one get here anyway, fail closed rather than let
    // every name through.
    if (regex === null) {
      return fail(
        'metadata.name',
        `profiles.name.pattern ${quoteValue(pattern)} is not a valid regular expression`,
      );
    }
    if (regex.test(name)) return PASS;
    return fail(
      'metadata.name',
      `metadata.name ${quoteValue(name)} does not match the pattern ${quoteValue(pattern)}`,
    );
  },
});
