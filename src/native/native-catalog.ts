import type { RuleId } from '../policy/rule-ids.js';
import type { NativeTranslation } from './cel-rule.js';
import { PROFILE_CEL_RULES } from './profile-rules.js';

const profile = (id: keyof typeof PROFILE_CEL_RULES, note?: string): NativeTranslation => ({
  native: PROFILE_CEL_RULES[id],
  ...(note === undefined ? {} : { note }),
});
/** Binding and AuthorizationPolicy rules: translation pending. */
const PENDING =
  'not translated to CEL yet: the webhook alone enforces it (a policy would see profile namespaces by their profileNamespaces.label through namespaceSelector)';

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
    "with the API server's own quantity parser; a count above 2^53 written with a fraction or a m/u/n suffix is refused as not whole",
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
  'binding-serviceaccount-namespace': { webhookOnly: PENDING },
  'binding-group': { webhookOnly: PENDING },
  'binding-forbidden-user': { webhookOnly: PENDING },
  'binding-role': { webhookOnly: PENDING },
  'binding-owner-only-role': {
    webhookOnly:
      "compares subjects with the owner of the namespace's Profile, which only the Profile tells (the Namespace's annotations can be edited apart from it)",
  },
  'binding-user-domain': { webhookOnly: PENDING },
  'binding-contributor-limit': {
    webhookOnly:
      'counts the distinct users of every RoleBinding in the namespace, which only a list of them tells',
  },
  'binding-protected': { webhookOnly: PENDING },
  'clusterbinding-profile-role': { webhookOnly: PENDING },
  'authz-source-namespace': { webhookOnly: PENDING },
  'authz-any-source': { webhookOnly: PENDING },
  'authz-gateway-user': { webhookOnly: PENDING },
  'authz-user-header': { webhookOnly: PENDING },
};

/**
 * The README's table of which rule is native and why not where it is not, rendered from
 * {@link NATIVE_RULES} (a test keeps the README equal to it).
 */
export function nativeRulesMarkdown(): string {
  const rows = Object.entries(NATIVE_RULES).map(([id, translation]) =>
    'webhookOnly' in translation
      ? `| \`${id}\` | no | ${translation.webhookOnly} |`
      : `| \`${id}\` | yes | ${translation.note ?? ''} |`,
  );
  return ['| rule | native | how, or why not |', '| --- | --- | --- |', ...rows].join('\n');
}
