import type { RuleId } from '../policy/rule-ids.js';
import type { NativeTranslation } from './cel-rule.js';
import { BINDING_CEL_RULES } from './binding-rules.js';
import { PROFILE_CEL_RULES } from './profile-rules.js';

const profile = (id: keyof typeof PROFILE_CEL_RULES, note?: string): NativeTranslation => ({
  native: PROFILE_CEL_RULES[id],
  ...(note === undefined ? {} : { note }),
});
const binding = (id: keyof typeof BINDING_CEL_RULES, note?: string): NativeTranslation => ({
  native: BINDING_CEL_RULES[id],
  ...(note === undefined ? {} : { note }),
});
const IN_LABELLED =
  "in namespaces carrying `profileNamespaces.label` (the binding's namespaceSelector)";
/** The AuthorizationPolicy rules other than binding-protected. */
const ISTIO =
  "judges Istio's rule semantics (`*` prefix and suffix matches, `when` conditions on source.namespace / source.principal that restrict sources as `from` does, principals under trust-domain aliases); not translated to CEL: the webhook alone enforces it";

/**
 * Every rule of the catalog, by id: its CEL translation, or why it stays in the webhook. Typed as
 * a complete record, so a new rule id does not compile until it is placed here (and a test checks
 * the README's list against it).
 */
export const NATIVE_RULES: Readonly<Record<RuleId, NativeTranslation>> = {
  'profile-name-format': profile('profile-name-format'),
  'profile-name-reserved': profile('profile-name-reserved'),
  'profile-name-pattern': profile(
    'profile-name-pattern',
    'the ECMA-262 pattern is translated to RE2; a pattern RE2 cannot express (lookaround, backreferences) keeps the rule in the webhook, said by `native`',
  ),
  'profile-owner-required': profile('profile-owner-required'),
  'profile-owner-kind': profile('profile-owner-kind'),
  'profile-owner-format': profile('profile-owner-format'),
  'profile-owner-lowercase': profile(
    'profile-owner-lowercase',
    'non-ASCII upper case is found exactly; the suggested lower-case name lowers ASCII only',
  ),
  'profile-owner-domain': profile(
    'profile-owner-domain',
    'an emailDomains entry that is not ASCII (use punycode) keeps the rule in the webhook',
  ),
  'profile-owner-immutable': profile('profile-owner-immutable'),
  'profile-plugin-identity': {
    webhookOnly:
      "compares the plugin identity with every other owner's Profiles, which only a cluster-wide list tells (an admission policy sees one request)",
  },
  'profile-owner-limit': {
    webhookOnly:
      'counts the Profiles the owner already has, which only a cluster-wide list tells (an admission policy sees one request)',
  },
  'profile-namespace-takeover': {
    webhookOnly:
      'reads whether a Namespace of that name exists and its owner annotation; a Profile is cluster-scoped, so no namespaceObject is available to a policy',
  },
  'profile-quota-quantity': profile(
    'profile-quota-quantity',
    "with the API server's own quantity parser; a count above 2^53 written with a fraction or a m/u/n suffix is refused as not whole. Not translated: scopes the API server refuses with the `hard` resources (a pod scope over claims, conflicting scopes, a selector operator that does not fit its scope), which the webhook alone denies",
  ),
  'profile-quota-resource': profile('profile-quota-resource'),
  'profile-quota-max': profile(
    'profile-quota-max',
    "compared with the API server's own quantities (`quantity().isGreaterThan`)",
  ),
  'profile-plugin': profile('profile-plugin'),
  'profile-defaults-applied': {
    webhookOnly:
      "re-runs the webhook's own mutations on the Profile; natively, the MutatingAdmissionPolicy applies the defaults, and the API server runs it before any validation",
  },
  'profile-selector-label': {
    webhookOnly:
      'reads which label keys the selectors of the ProfilePolicy objects in force read, which only the webhook watches',
  },
  'binding-serviceaccount-namespace': binding('binding-serviceaccount-namespace', IN_LABELLED),
  'binding-group': binding('binding-group', IN_LABELLED),
  'binding-forbidden-user': binding('binding-forbidden-user', IN_LABELLED),
  'binding-role': binding('binding-role', IN_LABELLED),
  'binding-owner-only-role': {
    webhookOnly:
      "compares subjects with the owner of the namespace's Profile, which only the Profile tells (the Namespace's annotations can be edited apart from it)",
  },
  'binding-user-domain': binding('binding-user-domain', IN_LABELLED),
  'binding-contributor-limit': {
    webhookOnly:
      'counts the distinct users of every RoleBinding in the namespace, which only a list of them tells',
  },
  'binding-protected': binding(
    'binding-protected',
    `RoleBindings and AuthorizationPolicies ${IN_LABELLED}; not translated: an added ownerReferences entry on an otherwise unchanged protected object, which the webhook alone denies`,
  ),
  'clusterbinding-profile-role': binding(
    'clusterbinding-profile-role',
    'in every namespace (ClusterRoleBindings have none), one violation per subject',
  ),
  'authz-source-namespace': { webhookOnly: ISTIO },
  'authz-any-source': { webhookOnly: ISTIO },
  'authz-gateway-user': { webhookOnly: ISTIO },
  'authz-user-header': { webhookOnly: ISTIO },
};

/** The README's markers around {@link nativeRulesMarkdown} (scripts/generate-native-rules.mjs). */
export const NATIVE_RULES_START =
  '<!-- generated: native-rules (npm run generate; do not edit) -->';
export const NATIVE_RULES_END = '<!-- /generated: native-rules -->';

/**
 * The README's table of which rule is native and why not where it is not, rendered from
 * {@link NATIVE_RULES}: `npm run generate` writes it between the markers, and a test fails when
 * the README's copy differs.
 */
export function nativeRulesMarkdown(): string {
  const rows = Object.entries(NATIVE_RULES).map(([id, translation]) =>
    'webhookOnly' in translation
      ? `| \`${id}\` | no | ${translation.webhookOnly} |`
      : `| \`${id}\` | yes | ${translation.note ?? ''} |`,
  );
  return ['| rule | native | how, or why not |', '| --- | --- | --- |', ...rows].join('\n');
}
