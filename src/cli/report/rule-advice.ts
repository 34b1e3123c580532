/**
 * What to do about each rule's denial or warning: the one source of the advice that the HTML
 * report shows beside each rule and that the README's "Troubleshooting denials" section copies
 * (between the `generated: rule-advice` markers, written by `npm run generate`; a test fails when
 * the copy is stale). Text only, with `code` in backticks, one line each: the HTML report renders
 * the backticks as <code> and escapes everything else.
 *
 * A rule without an entry gets {@link GENERIC_ADVICE}; a test fails for every catalog rule
 * without one, so a new rule comes with its advice.
 */
export const RULE_ADVICE: Readonly<Record<string, string>> = Object.freeze({
  'profile-name-format':
    'Rename the Profile to a DNS-1123 label (a-z, 0-9 and `-`, alphanumeric at both ends, at most 63 characters): it becomes the name of a Namespace. Structural: no exemption lifts it.',
  'profile-name-reserved':
    'Choose another name: `profiles.name.reserved` and `profiles.name.reservedPrefixes` keep system namespaces out of tenants’ hands. If the name is legitimate, take it out of the governing ProfilePolicy.',
  'profile-name-pattern':
    'Rename the Profile to match `profiles.name.pattern` (the message quotes it), or change the pattern in the governing ProfilePolicy.',
  'profile-owner-required':
    'Set `spec.owner` with a `kind` and a `name` (for a `User`, the owner’s e-mail address). Structural: it applies to every caller.',
  'profile-owner-kind':
    'Use an owner kind listed in `profiles.owner.kinds` (`User` by default), or add the kind to the policy.',
  'profile-owner-format':
    'Give a `User` owner as an e-mail address, leave `namespace` out, and set `apiGroup` only to `rbac.authorization.k8s.io`.',
  'profile-owner-lowercase':
    'Write the owner’s e-mail in lower case, as the identity provider sends it: RBAC user names are case-sensitive, so a mixed-case owner never matches the signed-in user.',
  'profile-owner-domain':
    'Use an owner from a domain in `profiles.owner.emailDomains`, or add the domain to the policy.',
  'profile-owner-immutable':
    'Ownership is not handed over by editing `spec.owner`: ask a cluster admin (an exempt caller) to transfer it, or set `profiles.owner.allowTransfer: true`.',
  'profile-plugin-identity':
    'Another owner’s Profile already names that GCP service account or IAM role (`profiles.plugins.exclusiveIdentities`): use a cloud identity made for this owner. If two owners must share one, a cluster admin (an exempt caller) can write the Profile, or the platform team can turn the setting off.',
  'profile-owner-limit':
    'The owner already owns `profiles.owner.maxProfilesPerOwner` Profiles: delete one, choose another owner, or raise the limit.',
  'profile-namespace-takeover':
    'A Namespace of that name already exists and is not the owner’s (its `owner` annotation): choose another name. An admin may annotate the Namespace with its real owner, or allow `profiles.namespace.adoptUnannotated` for unannotated ones.',
  'profile-quota-quantity':
    'Write each `spec.resourceQuotaSpec.hard` value as a Kubernetes quantity (`4`, `500m`, `16Gi`) and use only ResourceQuota scopes that the API server accepts with those resources (a pod scope such as `NotTerminating` cannot bound `persistentvolumeclaims` or `requests.storage`, which the default quota holds). Structural.',
  'profile-quota-resource':
    'Use ResourceQuota resource names (`requests.cpu`, `requests.nvidia.com/gpu`, ...) that `profiles.quota.allowedResources` lists when it is set, or extend that list.',
  'profile-quota-max':
    'Ask for at most `profiles.quota.max` of that resource (the message names the limit), or ask the platform team to raise it.',
  'profile-plugin':
    'Use only plugin kinds in `profiles.plugins.allowedKinds`, with a GCP service-account e-mail for `WorkloadIdentity` and an IAM role ARN for `AwsIamForServiceAccount`.',
  'profile-defaults-applied':
    'The mutating webhook did not run on this Profile (it failed or was skipped): check `kubectl get mutatingwebhookconfiguration profile-guard` and the webhook pods, then apply the Profile again.',
  'profile-selector-label':
    'The labels that a ProfilePolicy `spec.selector` reads decide which policy governs the Profile: only an exempt caller (a cluster admin) may change them.',
  'binding-serviceaccount-namespace':
    'Bind only ServiceAccounts of this namespace or of `bindings.serviceAccountNamespaces`; to share with another team, add its members as contributors (User subjects).',
  'binding-group':
    'Do not bind whole groups such as `system:authenticated` (everyone who can log in): add the people as contributors. The forbidden groups are `bindings.forbiddenGroups`.',
  'binding-forbidden-user':
    'Do not bind `system:anonymous` or the other users in `bindings.forbiddenUsers`: add the people who need access as contributors.',
  'binding-role':
    'Bind one of `bindings.allowedRoles` (`kubeflow-admin`, `kubeflow-edit`, `kubeflow-view` by default) or a Role of this namespace, never a cluster-wide role such as `cluster-admin`.',
  'binding-owner-only-role':
    'Only the namespace’s Profile owner may hold the roles in `bindings.ownerOnlyRoles` (`kubeflow-admin` by default): give contributors `kubeflow-edit` or `kubeflow-view`.',
  'binding-user-domain':
    'Add only users from `bindings.userEmailDomains`, or extend that list in the policy.',
  'binding-contributor-limit':
    'The namespace has `bindings.maxContributors` contributors already: remove one first, or raise the limit.',
  'binding-protected':
    'Kubeflow’s profile controller manages these objects (`bindings.protected`): share the namespace through Kubeflow (the contributors page, KFAM) instead of editing them. Callers in `bindings.protectedManagers` may change them.',
  'clusterbinding-profile-role':
    'A ClusterRoleBinding of a Kubeflow role grants it in every profile namespace at once: use a RoleBinding in each namespace that needs it.',
  'authz-source-namespace':
    'Admit only this namespace and `authorizationPolicies.principalNamespaces` in `source.namespaces` and `source.principals`, and never `*`.',
  'authz-any-source':
    'Restrict every ALLOW rule with `from` (or a `when` condition on `source.namespace` or `source.principal`), or limit its `to` to `authorizationPolicies.allowedPaths`.',
  'authz-gateway-user':
    'A rule that admits the ingress gateway (`authorizationPolicies.gatewayPrincipals`) must also name the users in a `request.headers[<userIdHeader>]` condition; without it every Kubeflow user gets in.',
  'authz-user-header':
    'List specific users in the `request.headers[<userIdHeader>]` condition: no wildcards, and only users of `bindings.userEmailDomains` when that list is set.',
});

/** The advice for a rule that has none of its own. */
export const GENERIC_ADVICE =
  'Read the message (it names the field and the policy setting), reproduce it offline with `profile-guard check -f object.yaml`, and fix the object or, if the policy is wrong, the governing ProfilePolicy.';

/** The advice for `rule`. */
export function adviceFor(rule: string): string {
  return Object.hasOwn(RULE_ADVICE, rule) ? (RULE_ADVICE[rule] ?? GENERIC_ADVICE) : GENERIC_ADVICE;
}

/** Markers of the README's copy of the advice. */
export const ADVICE_START = '<!-- generated: rule-advice (npm run generate; do not edit) -->';
export const ADVICE_END = '<!-- /generated: rule-advice -->';

/** The README's copy: one line per rule id, in the order given (the catalog's). */
export function adviceMarkdown(ruleIds: readonly string[]): string {
  return ruleIds.map((rule) => `- \`${rule}\`: ${adviceFor(rule)}`).join('\n');
}
