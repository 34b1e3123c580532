import type { PolicySpec } from '../../policy-spec.js';
import { PASS, fail, skip, defineRule, WRITE_OPERATIONS } from '../../rule.js';
import { isDns1123Label, quoteValue } from '../../validation-helpers.js';
import { linearRegExp } from '../../../util/linear-regexp.js';
import { profileName } from './profile-fields.js';

// Policies are immutable once loaded, so the compiled pattern lives as long as its spec object.
// `null` records a pattern that does not compile.
const compiled = new WeakMap<PolicySpec, RegExp | null>();

/**
 * `profiles.name.pattern` compiled once per policy, as written (no anchors added: it is searched
 * in the name, as JSON Schema's and Kubernetes OpenAPI's `pattern` is) and for the linear-time
 * engine, so that no pattern can make matching a name backtrack. Null when it does not compile
 * that way; the policy loader refuses such a pattern.
 */
export function namePattern(spec: PolicySpec): RegExp | null {
  const cached = compiled.get(spec);
  if (cached !== undefined) return cached;
  let regex: RegExp | null;
  try {
    regex = linearRegExp(spec.profiles.name.pattern);
  } catch {
    regex = null;
  }
  compiled.set(spec, regex);
  return regex;
}

/**
 * When `profiles.name.pattern` is set, it must match somewhere in the name (`^team-` is a prefix
 * rule, `^team-[a-z0-9-]+$` a whole-name rule). Only a name that is a DNS-1123 label (at most 63
 * characters) is matched; any other is `profile-name-format`'s denial, so the tenant-chosen input
 * of the administrator's pattern is always short, and matching it is linear anyway.
 */
export const profileNamePattern = defineRule({
  id: 'profile-name-pattern',
  targets: ['Profile'],
  operations: WRITE_OPERATIONS,
  structural: false,
  description:
    "`profiles.name.pattern` is set and the name does not match it (an ECMA-262 regular expression searched in the name, as JSON Schema's `pattern`: `^team-` is a prefix rule, `^team-[a-z0-9-]+$` a whole-name rule)",
  clusterState: 'none',
  check: ({ object, policy }) => {
    const { pattern } = policy.spec.profiles.name;
    if (pattern === '') return skip('no profiles.name.pattern');
    const name = profileName(object);
    if (name === undefined) return skip('no metadata.name');
    if (!isDns1123Label(name)) return skip('metadata.name is not a DNS-1123 label');
    const regex = namePattern(policy.spec);
    // The loader refuses such a policy; should one get here anyway, fail closed rather than let
    // every name through.
    if (regex === null) {
      return fail(
        'metadata.name',
        `profiles.name.pattern ${quoteValue(pattern)} is not a regular expression that can be matched in linear time`,
      );
    }
    if (regex.test(name)) return PASS;
    return fail(
      'metadata.name',
      `metadata.name ${quoteValue(name)} does not match the pattern ${quoteValue(pattern)}`,
    );
  },
});
