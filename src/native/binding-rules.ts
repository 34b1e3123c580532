/**
 * The stateless RoleBinding rules in CEL, keyed by rule id and worded like their checks in
 * `policy/rules/binding/`. They apply in profile namespaces only: the policies' bindings select
 * the namespaces carrying `profileNamespaces.label` (`namespaceSelector`), as the chart's
 * webhook configuration does; a namespace that is a profile namespace only because a Profile of
 * its name exists is the webhook's alone.
 */
import type { PolicySpec } from '../policy/policy-spec.js';
import type { RuleId } from '../policy/rule-ids.js';
import { quoteValue } from '../policy/validation-helpers.js';
import { celQuote, celQuoteAny, celString, celStringList, listText } from './cel.js';
import { isEmail } from './profile-rules.js';
import { METADATA_ONLY_UPDATE, violation, type CelRule, type CelScope } from './cel-rule.js';

const lit = celString;
const SERVICE_ACCOUNT_USER = 'system:serviceaccount:';
const SERVICE_ACCOUNT_GROUP = 'system:serviceaccounts:';

/** Why a policy keeps the binding rules in the webhook, or undefined. */
export function profileNamespaceUnsupported(spec: PolicySpec): string | undefined {
  return Object.keys(spec.profileNamespaces.label).length === 0
    ? 'profileNamespaces.label is empty, so only a Profile of the same name makes a profile namespace, which an admission policy cannot see'
    : undefined;
}

/** `o.subjects` when it is a list, else `[]`. */
const subjects = (scope: CelScope): string =>
  scope.shared(
    'subjects',
    (o) => `has(${o}.subjects) && type(${o}.subjects) == list ? ${o}.subjects : []`,
  );
/** A subject field, '' when absent. */
const field = (subject: string, name: string): string => `${subject}.?${name}.orValue('')`;
/** Ratcheting identity of a subject (binding-fields' subjectIdentity), then the value at the path. */
const subjectKey = (subject: string, value: string): string =>
  `[${field(subject, 'kind')}, ${field(subject, 'namespace')}, ${field(subject, 'name')}, ${value}]`;
const subjectPath = (index: string, name: string): string =>
  `'subjects[' + string(${index}) + '].${name}'`;
const NAMESPACE = 'request.namespace';

/**
 * binding-fields' serviceAccountNamespace as a list of zero or one namespace: a ServiceAccount
 * subject's (its namespace, or the binding's), or that of a User spelled as a ServiceAccount.
 */
const serviceAccountNamespaces = (s: string): string =>
  `(${field(s, 'kind')} == 'ServiceAccount' ? [${field(s, 'namespace')} != '' ? ${s}.namespace : ${NAMESPACE}] : ` +
  `${field(s, 'kind')} == 'User' && ${field(s, 'name')}.startsWith(${lit(SERVICE_ACCOUNT_USER)}) ? [${s}.name.substring(${SERVICE_ACCOUNT_USER.length}).split(':')[0]] : [])`;

/**
 * Whether `name` is an e-mail address (validation-helpers' isEmailAddress) whose lower-cased
 * domain is in `domains` (binding-user-domain's inDomains).
 */
const inDomains = (name: string, domains: readonly string[]): string => {
  const at = `${name}.lastIndexOf('@')`;
  const lowered = [...new Set(domains.map((domain) => domain.toLowerCase()))];
  return `(${at} >= 0 && ${at} < size(${name}) - 1 && ${name}.substring(${at} + 1).replace('\\u212a', 'k').lowerAscii() in ${celStringList(lowered)} && ${isEmail(name)})`;
};

/** Keeps a rule in the webhook when `values` are not ASCII (CEL lower-cases ASCII only). */
export const nonAsciiDomains = (what: string, values: readonly string[]): string | undefined => {
  const foreign = values.find((value) => /[^ -~]/.test(value));
  return foreign === undefined
    ? undefined
    : `${what} ${quoteValue(foreign)} is not ASCII (write it in punycode); CEL lower-cases ASCII only`;
};

const bindingServiceAccountNamespace: CelRule = {
  targets: ['RoleBinding'],
  ratchet: 'value',
  unsupported: profileNamespaceUnsupported,
  violations: (scope, spec) => {
    const allowed = spec.bindings.serviceAccountNamespaces;
    const namespaces = serviceAccountNamespaces('s');
    const isServiceAccount = `${field('s', 'kind')} == 'ServiceAccount'`;
    const path = `(${isServiceAccount} ? ${subjectPath('i', 'namespace')} : ${subjectPath('i', 'name')})`;
    const shown = `(${isServiceAccount} ? ${namespaces}[0] : ${field('s', 'name')})`;
    return `${subjects(scope)}.transformList(i, s, ${namespaces}.exists(n, n != ${NAMESPACE} && !(n in ${celStringList(allowed)})), ${violation(
      'binding-serviceaccount-namespace',
      `${isServiceAccount} ? 'subjects[].namespace' : 'subjects[].name'`,
      subjectKey('s', `(${isServiceAccount} ? s.?namespace.orValue(null) : s.?name.orValue(null))`),
      `${path} + ' ' + ${celQuote(shown)} + ' binds a ServiceAccount of namespace ' + ${celQuote(`${namespaces}[0]`)} + ' into ' + ${celQuote(NAMESPACE)} + ${lit(`; allowed: this namespace, ${listText(allowed)} (bindings.serviceAccountNamespaces)`)}`,
    )})`;
  },
};

const bindingGroup: CelRule = {
  targets: ['RoleBinding'],
  ratchet: 'value',
  unsupported: profileNamespaceUnsupported,
  violations: (scope, spec) => {
    const { forbiddenGroups, serviceAccountNamespaces: allowed } = spec.bindings;
    const name = field('s', 'name');
    const isGroup = `${field('s', 'kind')} == 'Group' && has(s.name)`;
    const namespace = `${name}.substring(${SERVICE_ACCOUNT_GROUP.length})`;
    const otherNamespace = `${name}.startsWith(${lit(SERVICE_ACCOUNT_GROUP)}) && ${namespace} != ${NAMESPACE} && !(${namespace} in ${celStringList(allowed)})`;
    const forbidden = `${name} in ${celStringList(forbiddenGroups)}`;
    const message =
      `${subjectPath('i', 'name')} + ' ' + ${celQuote(name)} + (${forbidden} ? ${lit(` is a forbidden group (bindings.forbiddenGroups: ${listText(forbiddenGroups)})`)} : ` +
      `' binds every ServiceAccount of namespace ' + ${celQuote(namespace)} + ' into ' + ${celQuote(NAMESPACE)} + ${lit(`; allowed: this namespace, ${listText(allowed)} (bindings.serviceAccountNamespaces)`)})`;
    return `${subjects(scope)}.transformList(i, s, ${isGroup} && (${forbidden} || (${otherNamespace})), ${violation(
      'binding-group',
      "'subjects[].name'",
      subjectKey('s', 's.name'),
      message,
    )})`;
  },
};

const bindingForbiddenUser: CelRule = {
  targets: ['RoleBinding'],
  ratchet: 'value',
  unsupported: profileNamespaceUnsupported,
  violations: (scope, spec) => {
    const forbidden = spec.bindings.forbiddenUsers;
    if (forbidden.length === 0) return undefined;
    return `${subjects(scope)}.transformList(i, s, ${field('s', 'kind')} == 'User' && has(s.name) && s.name in ${celStringList(forbidden)}, ${violation(
      'binding-forbidden-user',
      "'subjects[].name'",
      subjectKey('s', 's.name'),
      `${subjectPath('i', 'name')} + ' ' + ${celQuote('s.name')} + ${lit(` is a forbidden user (bindings.forbiddenUsers: ${listText(forbidden)})`)}`,
    )})`;
  },
};

const clusterbindingProfileRole: CelRule = {
  targets: ['ClusterRoleBinding'],
  ratchet: 'value',
  violations: (scope, spec) => {
    const roles = spec.bindings.allowedRoles;
    if (roles.length === 0) return undefined;
    const { o } = scope;
    const name = `${o}.?roleRef.?name.orValue('')`;
    // One violation per subject, as the rule reports them (so a subject added later is judged).
    const message =
      `'roleRef.name ' + ${celQuote(name)} + ${lit(` is a profile role (bindings.allowedRoles: ${listText(roles)}); a ClusterRoleBinding would grant it to `)} + ` +
      `${subjectPath('i', 'name')} + ' ' + ${celQuote(field('s', 'name'))} + ' (' + (${field('s', 'kind')} == '' ? 'no kind' : ${field('s', 'kind')}) + ') in every profile namespace — bind it with a RoleBinding in each namespace instead'`;
    return (
      `(${o}.?roleRef.?kind.orValue('') == 'ClusterRole' && ${name} in ${celStringList(roles)} ? ` +
      `${subjects(scope)}.transformList(i, s, ${violation('clusterbinding-profile-role', "'subjects[].name'", subjectKey('s', 's.?name.orValue(null)'), message)}) : [])`
    );
  },
};

const bindingRole: CelRule = {
  targets: ['RoleBinding'],
  ratchet: 'value',
  unsupported: profileNamespaceUnsupported,
  violations: ({ o }, spec) => {
    const allowed = spec.bindings.allowedRoles;
    const kind = `${o}.?roleRef.?kind.orValue(null)`;
    const name = `${o}.?roleRef.?name.orValue(null)`;
    return (
      `(${kind} == 'Role' ? [] : ${kind} != 'ClusterRole' ? [${violation('binding-role', "'roleRef.kind'", kind, `'roleRef.kind ' + ${celQuoteAny(kind)} + ' is neither Role nor ClusterRole'`)}] : ` +
      `type(${name}) == string && ${name} in ${celStringList(allowed)} ? [] : [${violation('binding-role', "'roleRef.name'", name, `'roleRef.name ' + ${celQuoteAny(name)} + ${lit(` is a ClusterRole not allowed in profile namespaces; allowed: ${listText(allowed)} (bindings.allowedRoles)`)}`)}])`
    );
  },
};

const bindingUserDomain: CelRule = {
  targets: ['RoleBinding'],
  ratchet: 'value',
  unsupported: (spec) =>
    profileNamespaceUnsupported(spec) ??
    nonAsciiDomains('bindings.userEmailDomains', spec.bindings.userEmailDomains),
  violations: (scope, spec) => {
    const domains = spec.bindings.userEmailDomains;
    if (domains.length === 0) return undefined;
    const person = `${field('s', 'kind')} == 'User' && has(s.name) && type(s.name) == string && !s.name.startsWith(${lit(SERVICE_ACCOUNT_USER)})`;
    return `${subjects(scope)}.transformList(i, s, ${person} && !${inDomains('s.name', domains)}, ${violation(
      'binding-user-domain',
      "'subjects[].name'",
      subjectKey('s', 's.name'),
      `${subjectPath('i', 'name')} + ' ' + ${celQuote('s.name')} + ${lit(` is not an e-mail address in an allowed domain; allowed: ${listText(domains)} (bindings.userEmailDomains)`)}`,
    )})`;
  },
};

const bindingProtected: CelRule = {
  targets: ['RoleBinding', 'AuthorizationPolicy'],
  // The stored object never changes itself: only the change is judged.
  ratchet: 'never',
  unsupported: profileNamespaceUnsupported,
  violations: (_scope, spec) => {
    const { protected: names, protectedManagers } = spec.bindings;
    if (names.length === 0) return undefined;
    const managers = protectedManagers.flatMap((ref) => {
      const slash = ref.indexOf('/');
      return slash <= 0 || slash === ref.length - 1
        ? []
        : [`${SERVICE_ACCOUNT_USER}${ref.slice(0, slash)}:${ref.slice(slash + 1)}`];
    });
    return (
      `(request.name in ${celStringList(names)} && !(request.userInfo.username in ${celStringList(managers)}) && ` +
      `(request.operation == 'DELETE' || !(${METADATA_ONLY_UPDATE})) ? [${violation(
        'binding-protected',
        "'metadata.name'",
        'request.name',
        `'metadata.name ' + ${celQuote('request.name')} + ' is a protected ' + request.kind.kind + ' (bindings.protected): it may only be ' + (request.operation == 'DELETE' ? 'deleted' : 'changed') + ${lit(` by ${listText(protectedManagers)} (bindings.protectedManagers)`)}`,
      )}] : [])`
    );
  },
};

/** The stateless RoleBinding and ClusterRoleBinding rules, by id. */
export const BINDING_CEL_RULES = {
  'binding-serviceaccount-namespace': bindingServiceAccountNamespace,
  'binding-group': bindingGroup,
  'binding-forbidden-user': bindingForbiddenUser,
  'binding-role': bindingRole,
  'binding-user-domain': bindingUserDomain,
  'binding-protected': bindingProtected,
  'clusterbinding-profile-role': clusterbindingProfileRole,
} as const satisfies Partial<Record<RuleId, CelRule>>;
