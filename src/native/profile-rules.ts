/**
 * The stateless Profile rules in CEL, each keyed by its rule id and worded like its TypeScript
 * check in `policy/rules/profile/` (same conditions, same field paths, same messages), so that a
 * native policy and the webhook decide alike. Every expression is written for an object
 * expression `o` (`object`, or `oldObject` for ratcheting).
 *
 * The Profile CRD's schema has already been enforced when a validating policy runs (owner fields
 * are strings, quota values are integers or strings of the quantity pattern), so shapes it refuses
 * are guarded only where that is cheap; anything else fails the expression, which the policies'
 * `failurePolicy: Fail` turns into a denial (fail closed).
 */
import { NO_CLUSTER } from '../policy/cluster-snapshot.js';
import type { PolicySpec } from '../policy/policy-spec.js';
import { MAX_QUANTITY_LENGTH, compareQuantities, parseQuantity } from '../policy/quantity.js';
import { NO_SELECTOR_LABEL_KEYS, type RuleDefinition } from '../policy/rule.js';
import { quotaAlias } from '../policy/rules/profile/profile-fields.js';
import { profileQuotaMax as quotaMaxCheck } from '../policy/rules/profile/profile-quota-max.js';
import { profileQuotaQuantity as quotaQuantityCheck } from '../policy/rules/profile/profile-quota-quantity.js';
import { profileQuotaResource as quotaResourceCheck } from '../policy/rules/profile/profile-quota-resource.js';
import {
  INTEGER_QUOTA_RESOURCES,
  QUOTA_SCOPES,
  STANDARD_QUOTA_RESOURCES,
} from '../policy/rules/profile/quota-resource-names.js';
import type { RuleId } from '../policy/rule-ids.js';
import { quoteValue } from '../policy/validation-helpers.js';
import { celQuote, celQuoteAny, celString, celStringList, celStringMap, listText } from './cel.js';
import { violation, violationIf, type CelRule, type CelScope } from './cel-rule.js';
import { JS_WHITESPACE_CLASS_BODY, ecmaToRe2 } from './ecma-to-re2.js';
import { changesUnderLowerCaseClass } from './unicode-case.js';

const RBAC_API_GROUP = 'rbac.authorization.k8s.io';
const HARD_PATH = 'spec.resourceQuotaSpec.hard';
const NULL = 'null';

/** JS `String.prototype.trim() === ''`: empty or only ECMA-262 white space and line terminators. */
const BLANK = `^[${JS_WHITESPACE_CLASS_BODY}]*$`;
const DNS1123_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
// validation-helpers' isEmailAddress as one RE2 expression plus the length checks it makes.
const EMAIL_LOCAL_CHAR = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]";
const EMAIL_LABEL = '[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?';
const EMAIL = `^${EMAIL_LOCAL_CHAR}+(\\.${EMAIL_LOCAL_CHAR}+)*@${EMAIL_LABEL}(\\.${EMAIL_LABEL})+$`;
// validation-helpers' isQualifiedName (a DNS-1123 subdomain prefix and `/`, then a name part).
const QUALIFIED_NAME =
  '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$';
// plugin-identities, unchanged (both are RE2 as they are).
const GCP_ID = '[a-z][-a-z0-9]{4,28}[a-z0-9]';
const GCP_SERVICE_ACCOUNT = `^${GCP_ID}@${GCP_ID}\\.iam\\.gserviceaccount\\.com$`;
const IAM_ROLE_ARN =
  '^arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:role/([\\w+=,.@-]+/)*[\\w+=,.@-]{1,64}$';
/** Below 2^53 a double holds every integer, so truncating the approximation finds the integer. */
const EXACT_DOUBLE_LIMIT = '9007199254740992';

const lit = celString;
const re = (expression: string, regex: string): string => `${expression}.matches(${lit(regex)})`;

/** `o.spec.owner` is an object (a map). */
const ownerIsMapOf = (o: string): string =>
  `has(${o}.spec) && type(${o}.spec) == map && has(${o}.spec.owner) && type(${o}.spec.owner) == map`;
const ownerIsMap = (scope: CelScope): string => scope.shared('ownerIsMap', ownerIsMapOf);
/** An owner field, or null when absent (only where the owner is a map). */
const ownerField = (o: string, field: string): string => `${o}.spec.owner.?${field}.orValue(null)`;
/** profile-fields' userOwnerName: a `User` owner's name that is a non-blank string, else ''. */
const userName = (scope: CelScope): string =>
  scope.shared(
    'userName',
    (o) =>
      `${ownerIsMapOf(o)} && ${ownerField(o, 'kind')} == 'User' && type(${ownerField(o, 'name')}) == string && !${re(`${o}.spec.owner.name`, BLANK)} ? ${o}.spec.owner.name : ''`,
  );
/** Set, as profile-owner-format reads it: present, not null, not "". */
const isSet = (value: string): string => `(${value} != null && ${value} != '')`;
/** The key path of a `hard` entry: `spec.resourceQuotaSpec.hard["cpu"]`. */
const hardPath = (key: string): string => `${lit(`${HARD_PATH}[`)} + strings.quote(${key}) + ']'`;
/** `o.spec.resourceQuotaSpec.hard` when it is a map, else an empty map. */
const hardMap = (scope: CelScope): string =>
  scope.shared(
    'hard',
    (o) =>
      `has(${o}.spec) && type(${o}.spec) == map && has(${o}.spec.resourceQuotaSpec) && type(${o}.spec.resourceQuotaSpec) == map && has(${o}.spec.resourceQuotaSpec.hard) && type(${o}.spec.resourceQuotaSpec.hard) == map ? ${o}.spec.resourceQuotaSpec.hard : {}`,
  );
/**
 * Whether the webhook's own check of `rule` passes a Profile whose `hard` is exactly the policy's
 * default quota. The quota rules read nothing of the object but `hard` (each entry on its own)
 * and the policy, so then every `hard` equal to the defaults passes them too.
 */
function defaultQuotaPasses(rule: RuleDefinition, spec: PolicySpec): boolean {
  const defaults = spec.profiles.quota.defaults;
  if (Object.keys(defaults).length === 0) return false;
  const object = {
    apiVersion: 'kubeflow.org/v1',
    kind: 'Profile',
    metadata: { name: 'default-quota' },
    spec: { resourceQuotaSpec: { hard: { ...defaults } } },
  };
  try {
    const result = rule.check({
      input: {
        uid: '',
        target: 'Profile',
        apiVersion: 'kubeflow.org/v1',
        operation: 'CREATE',
        name: 'default-quota',
        namespace: '',
        object,
        oldObject: undefined,
        user: { username: '', groups: [] },
        dryRun: true,
      },
      object,
      oldObject: undefined,
      policy: { name: '', generation: 0, spec },
      cluster: NO_CLUSTER,
      run: 'request',
      selectorLabelKeys: NO_SELECTOR_LABEL_KEYS,
    });
    return result.status === 'pass';
  } catch {
    return false;
  }
}

/**
 * `list`, or `[]` without evaluating it when the quota map is exactly the policy's default quota
 * and the webhook's check of `rule` passes that (see {@link defaultQuotaPasses}). The
 * MutatingAdmissionPolicy gives every Profile that comes without a quota exactly the defaults, so
 * most Profiles skip the per-entry parsing and matching: the API server's CEL interpreter spends
 * most of a quota rule's cost there, and a comparison of two small maps is cheap. Decides the
 * same: a `hard` that differs in any key, value or value type takes the full check.
 */
function unlessDefaultQuota(
  rule: RuleDefinition,
  spec: PolicySpec,
  scope: CelScope,
  list: string,
): string {
  return defaultQuotaPasses(rule, spec)
    ? `(${hardMap(scope)} == ${celStringMap(spec.profiles.quota.defaults)} ? [] : ${list})`
    : list;
}

/** A quota value as quantity text (integers as their decimal text), or '' when not a string or number. */
const quantityText = (value: string): string =>
  `(type(${value}) == string ? ${value} : type(${value}) == int || type(${value}) == uint || type(${value}) == double ? string(${value}) : '')`;
/**
 * The text is a quantity the webhook judges: at most 64 characters (its parser's bound; longer
 * text is not a quantity) and one the API server parses.
 */
const isQuantityText = (text: string): string =>
  `(${text} != '' && size(${text}) <= ${MAX_QUANTITY_LENGTH} && isQuantity(${text}))`;

/**
 * `[key, text]` for each `hard` entry, keys sorted (Go's JSON encoder, which feeds the webhook,
 * sorts them, and the webhook reports in that order), text as {@link quantityText}.
 */
const hardEntries = (scope: CelScope): string => {
  const hard = hardMap(scope);
  return scope.shared(
    'hardEntries',
    () => `${hard}.map(k, k).sort().map(k, [dyn(k), dyn(${quantityText(`${hard}[k]`)})])`,
  );
};

/**
 * A quota value's whole-number check, as profile-quota-quantity makes it (`exponent >= 0` of the
 * exact value after the API server's rounding). `isInteger()` only covers values held in an int64
 * with no fraction; below 2^53 the truncated approximation is compared exactly; above, a value
 * written with a fraction, a milli/micro/nano suffix or a negative exponent is refused (such a
 * count is absurd, and refusing is the safe side).
 */
const isWholeQuantity = (text: string): string =>
  `(quantity(${text}).isInteger() || (quantity(${text}).isLessThan(quantity('${EXACT_DOUBLE_LIMIT}')) ? quantity(string(int(quantity(${text}).asApproximateFloat()))).compareTo(quantity(${text})) == 0 : !${re(text, '[.mun]|[eE]-')}))`;

/** quota-resource-names' isIntegerQuotaResource, for a key expression. */
const isIntegerResource = (key: string): string =>
  `(${key} in ${celStringList(INTEGER_QUOTA_RESOURCES)} || (${key}.contains('/') && !${key}.startsWith('requests.') && ${key}.split('/')[0] != 'kubernetes.io' && !${key}.split('/')[0].endsWith('.kubernetes.io')))`;

/** quota-resource-names' isQuotaResourceName, for a key expression. */
const isQuotaResourceName = (key: string): string =>
  `(${re(key, QUALIFIED_NAME)} && (${key}.contains('/') ? size(${key}.split('/')[0]) <= 253 && size(${key}.split('/')[1]) <= 63 : size(${key}) <= 63) && (${key}.contains('/') || ${key} in ${celStringList(STANDARD_QUOTA_RESOURCES)} || ${key}.startsWith('hugepages-') || ${key}.startsWith('requests.hugepages-')))`;

const profileNameFormat: CelRule = {
  targets: ['Profile'],
  ratchet: 'value',
  violations: ({ o }) => {
    const name = `${o}.metadata.name`;
    const missing = `!has(${name}) || type(${name}) != string || ${name} == ''`;
    const why = `(size(${name}) > 63 ? ' is ' + string(size(${name})) + ' characters long; at most 63 are allowed' : ${lit(' is not a DNS-1123 label (a-z, 0-9 and "-", starting and ending with a-z or 0-9)')})`;
    return (
      `((${missing}) ? [${violation('profile-name-format', lit('metadata.name'), `${o}.metadata.?name.orValue(null)`, lit('metadata.name is missing'))}] : ` +
      `(size(${name}) <= 63 && ${re(name, DNS1123_LABEL)}) ? [] : [${violation('profile-name-format', lit('metadata.name'), name, `'metadata.name ' + ${celQuote(name)} + ${why}`)}])`
    );
  },
};

const profileNameReserved: CelRule = {
  targets: ['Profile'],
  ratchet: 'value',
  violations: ({ o }, spec) => {
    const { reserved, reservedPrefixes } = spec.profiles.name;
    if (reserved.length === 0 && reservedPrefixes.length === 0) return undefined;
    const name = `${o}.metadata.name`;
    const prefixes = celStringList(reservedPrefixes);
    const record = (message: string): string =>
      violation('profile-name-reserved', lit('metadata.name'), name, message);
    return (
      `(!has(${name}) || type(${name}) != string ? [] : ` +
      `${name} in ${celStringList(reserved)} ? [${record(`'metadata.name ' + ${celQuote(name)} + ' is a reserved name'`)}] : ` +
      `${prefixes}.exists(p, ${name}.startsWith(p)) ? [${record(`'metadata.name ' + ${celQuote(name)} + ' starts with the reserved prefix ' + ${celQuote(`${prefixes}.filter(p, ${name}.startsWith(p))[0]`)}`)}] : [])`
    );
  },
};

const profileNamePattern: CelRule = {
  targets: ['Profile'],
  ratchet: 'value',
  unsupported: (spec) => {
    const { pattern } = spec.profiles.name;
    if (pattern === '') return undefined;
    const translation = ecmaToRe2(pattern);
    return translation.ok
      ? undefined
      : `profiles.name.pattern ${quoteValue(pattern)}: ${translation.reason}`;
  },
  violations: ({ o }, spec) => {
    const { pattern } = spec.profiles.name;
    if (pattern === '') return undefined;
    const translation = ecmaToRe2(pattern);
    if (!translation.ok) return undefined;
    const name = `${o}.metadata.name`;
    // Only a DNS-1123 label is matched (any other name is profile-name-format's denial), so the
    // tenant's input to the administrator's pattern is short.
    return (
      `(!has(${name}) || type(${name}) != string || size(${name}) > 63 || !${re(name, DNS1123_LABEL)} || ${re(name, translation.re2)} ? [] : ` +
      `[${violation('profile-name-pattern', lit('metadata.name'), name, `'metadata.name ' + ${celQuote(name)} + ${lit(` does not match the pattern ${quoteValue(pattern)}`)}`)}])`
    );
  },
};

const profileOwnerRequired: CelRule = {
  targets: ['Profile'],
  ratchet: 'value',
  violations: ({ o }) => {
    const owner = `${o}.spec.owner`;
    const name = `${owner}.name`;
    const rule = 'profile-owner-required';
    return (
      `(!has(${o}.spec) || type(${o}.spec) != map || !has(${owner}) || ${owner} == null ? [${violation(rule, lit('spec.owner'), NULL, lit('spec.owner is missing; a Profile needs an owner {kind, name}'))}] : ` +
      `type(${owner}) != map ? [${violation(rule, lit('spec.owner'), owner, `'spec.owner ' + ${celQuoteAny(owner)} + ' is not an object; expected {kind, name}'`)}] : ` +
      `!has(${name}) || ${name} == null || (type(${name}) == string && ${re(name, BLANK)}) ? [${violation(rule, lit('spec.owner.name'), `${owner}.?name.orValue(null)`, lit('spec.owner.name is missing or empty'))}] : ` +
      `type(${name}) != string ? [${violation(rule, lit('spec.owner.name'), name, `'spec.owner.name ' + ${celQuoteAny(name)} + ' is not a string'`)}] : [])`
    );
  },
};

const profileOwnerKind: CelRule = {
  targets: ['Profile'],
  ratchet: 'value',
  violations: (scope, spec) => {
    const kinds = spec.profiles.owner.kinds;
    const kind = ownerField(scope.o, 'kind');
    const allowed = lit(`; allowed: ${listText(kinds)}`);
    return (
      `(!${ownerIsMap(scope)} ? [] : ` +
      `${kind} == null || ${kind} == '' ? [${violation('profile-owner-kind', lit('spec.owner.kind'), kind, `'spec.owner.kind is missing' + ${allowed}`)}] : ` +
      `type(${kind}) == string && ${kind} in ${celStringList(kinds)} ? [] : ` +
      `[${violation('profile-owner-kind', lit('spec.owner.kind'), kind, `'spec.owner.kind ' + ${celQuoteAny(kind)} + ' is not allowed' + ${allowed}`)}])`
    );
  },
};

/** validation-helpers' isEmailAddress over a string expression. */
export const isEmail = (value: string): string =>
  `(size(${value}) <= 254 && ${re(value, EMAIL)} && ${value}.indexOf('@') <= 64 && size(${value}) - ${value}.indexOf('@') - 1 <= 253 && ${re(value, '[A-Za-z][-A-Za-z0-9]*$')})`;

const profileOwnerFormat: CelRule = {
  targets: ['Profile'],
  ratchet: 'value',
  violations: (scope) => {
    const { o } = scope;
    const rule = 'profile-owner-format';
    const name = userName(scope);
    const apiGroup = ownerField(o, 'apiGroup');
    const namespace = ownerField(o, 'namespace');
    const kind = ownerField(o, 'kind');
    return (
      `(!${ownerIsMap(scope)} ? [] : ` +
      violationIf(
        `${name} != '' && !${isEmail(name)}`,
        violation(
          rule,
          lit('spec.owner.name'),
          name,
          `'spec.owner.name ' + ${celQuote(name)} + ' is not an e-mail address (user@example.com)'`,
        ),
      ) +
      ' + ' +
      violationIf(
        `${isSet(apiGroup)} && ${apiGroup} != ${lit(RBAC_API_GROUP)}`,
        violation(
          rule,
          lit('spec.owner.apiGroup'),
          apiGroup,
          `'spec.owner.apiGroup ' + ${celQuoteAny(apiGroup)} + ${lit(` is not allowed; use "${RBAC_API_GROUP}" or leave it unset`)}`,
        ),
      ) +
      ' + ' +
      violationIf(
        `(${kind} == 'User' || ${kind} == 'Group') && ${isSet(namespace)}`,
        violation(
          rule,
          lit('spec.owner.namespace'),
          namespace,
          `'spec.owner.namespace ' + ${celQuoteAny(namespace)} + ' must not be set on a ' + string(${kind}) + ' owner'`,
        ),
      ) +
      ')'
    );
  },
};

const profileOwnerLowercase: CelRule = {
  targets: ['Profile'],
  ratchet: 'value',
  violations: (scope) => {
    const name = userName(scope);
    const upper = `(${name}.lowerAscii() != ${name} || (!${re(name, '^[\\x00-\\x7f]*$')} && ${re(name, changesUnderLowerCaseClass())}))`;
    return violationIf(
      `${name} != '' && ${upper}`,
      violation(
        'profile-owner-lowercase',
        lit('spec.owner.name'),
        name,
        `'spec.owner.name ' + ${celQuote(name)} + ' has upper-case letters; RBAC user names are case-sensitive, use ' + ${celQuote(`${name}.lowerAscii()`)}`,
      ),
    );
  },
};

/** The one character outside ASCII whose lower-case form is ASCII: KELVIN SIGN -> `k`. */
const KELVIN = '\u212a';

const profileOwnerDomain: CelRule = {
  targets: ['Profile'],
  ratchet: 'value',
  unsupported: (spec) => {
    const foreign = spec.profiles.owner.emailDomains.find((domain) => /[^ -~]/.test(domain));
    return foreign === undefined
      ? undefined
      : `profiles.owner.emailDomains ${quoteValue(foreign)} is not ASCII (write it in punycode); CEL lower-cases ASCII only`;
  },
  violations: (scope, spec) => {
    const domains = spec.profiles.owner.emailDomains;
    if (domains.length === 0) return undefined;
    const name = userName(scope);
    const at = `${name}.lastIndexOf('@')`;
    const domain = `${name}.substring(${at} + 1).replace(${lit(KELVIN)}, 'k').lowerAscii()`;
    const allowed = celStringList([...new Set(domains.map((entry) => entry.toLowerCase()))]);
    return violationIf(
      `${name} != '' && (${at} < 0 || ${at} == size(${name}) - 1 || !(${domain} in ${allowed}))`,
      violation(
        'profile-owner-domain',
        lit('spec.owner.name'),
        name,
        `'spec.owner.name ' + ${celQuote(name)} + ${lit(` is not in an allowed e-mail domain; allowed: ${listText(domains)}`)}`,
      ),
    );
  },
};

const OWNER_FIELDS = ['kind', 'name', 'apiGroup', 'namespace'] as const;

/**
 * The owner as profile-owner-immutable compares it: `[kind, name, apiGroup, namespace]` with unset
 * and null as "", and a User or Group's unset apiGroup spelled out; `[]` when the owner is no map.
 */
const normalizedOwner = (o: string): string => {
  const field = (name: string): string =>
    `(${ownerField(o, name)} == null ? '' : ${o}.spec.owner.${name})`;
  const kind = ownerField(o, 'kind');
  const apiGroup = `(${field('apiGroup')} == '' && (${kind} == 'User' || ${kind} == 'Group') ? ${lit(RBAC_API_GROUP)} : ${field('apiGroup')})`;
  return `${ownerIsMapOf(o)} ? [dyn(${field('kind')}), dyn(${field('name')}), dyn(${apiGroup}), dyn(${field('namespace')})] : []`;
};

const profileOwnerImmutable: CelRule = {
  targets: ['Profile'],
  // The stored object never differs from itself: only a metadata-only UPDATE downgrades it.
  ratchet: 'never',
  violations: (scope, spec) => {
    if (spec.profiles.owner.allowTransfer) return undefined;
    // Compares the request's object with the stored one whatever the scope.
    const after = scope.shared('ownerNormalized', () => normalizedOwner('object'));
    const before = scope.shared('storedOwnerNormalized', () => normalizedOwner('oldObject'));
    const changes = `[0, 1, 2, 3].filter(i, ${before}[i] != ${after}[i]).map(i, ${celStringList([...OWNER_FIELDS])}[i] + ' ' + ${celQuoteAny(`${before}[i]`)} + ' -> ' + ${celQuoteAny(`${after}[i]`)}).join(', ')`;
    // An owner set on a Profile stored without one is a change too ('added').
    return violationIf(
      `request.operation == 'UPDATE' && ${after} != ${before}`,
      violation(
        'profile-owner-immutable',
        lit('spec.owner'),
        `object.spec.?owner.orValue(null)`,
        `'spec.owner cannot change (profiles.owner.allowTransfer is false): ' + (size(${after}) == 0 ? 'removed' : size(${before}) == 0 ? 'added' : ${changes})`,
      ),
    );
  },
};

const profileQuotaQuantity: CelRule = {
  targets: ['Profile'],
  ratchet: 'value',
  violations: (scope, spec) => {
    const { o } = scope;
    const rule = 'profile-quota-quantity';
    const rqs = `${o}.spec.resourceQuotaSpec`;
    const present = (value: string): string => `(has(${value}) && ${value} != null)`;
    const hard = `${rqs}.hard`;
    const scopesPath = 'spec.resourceQuotaSpec.scopes';
    const expressionsPath = 'spec.resourceQuotaSpec.scopeSelector.matchExpressions';
    const scopes = celStringList(QUOTA_SCOPES);
    const scopeMessage = lit(` is not a ResourceQuota scope; allowed: ${listText(QUOTA_SCOPES)}`);
    const notA = (path: string, value: string, what: 'map' | 'list'): string =>
      violation(
        rule,
        lit(path),
        value,
        `${lit(`${path} `)} + ${celQuoteAny(value)} + ${lit(` is not a ${what}`)}`,
      );
    // e = [key, text]: what follows the field path in the message ('' when the value is fine).
    // A text longer than the parser's bound is named by its length, not quoted.
    const quoted = `' ' + ${celQuoteAny(`${hard}[e[0]]`)}`;
    const problem =
      `size(e[1]) > ${MAX_QUANTITY_LENGTH} ? ' is ' + string(size(e[1])) + ' characters long; a quantity has at most ${MAX_QUANTITY_LENGTH}' : ` +
      `!${isQuantityText('e[1]')} ? ${quoted} + ' is not a Kubernetes quantity (e.g. "500m", "4", "16Gi")' : ` +
      `sign(quantity(e[1])) < 0 ? ${quoted} + ' is negative; quotas must be >= 0' : ` +
      `${isIntegerResource('e[0]')} && !${isWholeQuantity('e[1]')} ? ${quoted} + ' must be a whole number' : ''`;
    const hardViolations = unlessDefaultQuota(
      quotaQuantityCheck,
      spec,
      scope,
      `${hardEntries(scope)}.map(e, [dyn(e[0]), dyn(${problem})]).filter(e, e[1] != '')` +
        `.map(e, ${violation(rule, hardPath('e[0]'), `${hard}[e[0]]`, `${hardPath('e[0]')} + e[1]`)})`,
    );
    const scopeViolations = `${rqs}.scopes.transformList(i, s, !(type(s) == string && s in ${scopes}), ${violation(rule, lit(`${scopesPath}[]`), 's', `${lit(`${scopesPath}[`)} + string(i) + '] ' + ${celQuoteAny('s')} + ${scopeMessage}`)})`;
    const scopeName = `(type(x) == map ? x.?scopeName.orValue(null) : null)`;
    const expressionViolations = `${rqs}.scopeSelector.matchExpressions.transformList(i, x, !(type(${scopeName}) == string && ${scopeName} in ${scopes}), ${violation(rule, lit(`${expressionsPath}[].scopeName`), 'x', `${lit(`${expressionsPath}[`)} + string(i) + '].scopeName ' + ${celQuoteAny(scopeName)} + ${scopeMessage}`)})`;
    return (
      `(!has(${o}.spec) || type(${o}.spec) != map || !${present(rqs)} ? [] : ` +
      `type(${rqs}) != map ? [${notA('spec.resourceQuotaSpec', rqs, 'map')}] : ` +
      `(!${present(hard)} ? [] : type(${hard}) != map ? [${notA(HARD_PATH, hard, 'map')}] : ${hardViolations}) + ` +
      `(!${present(`${rqs}.scopes`)} ? [] : type(${rqs}.scopes) != list ? [${notA(scopesPath, `${rqs}.scopes`, 'list')}] : ${scopeViolations}) + ` +
      `(!${present(`${rqs}.scopeSelector`)} ? [] : type(${rqs}.scopeSelector) != map ? [${notA('spec.resourceQuotaSpec.scopeSelector', `${rqs}.scopeSelector`, 'map')}] : ` +
      `!${present(`${rqs}.scopeSelector.matchExpressions`)} ? [] : type(${rqs}.scopeSelector.matchExpressions) != list ? [${notA(expressionsPath, `${rqs}.scopeSelector.matchExpressions`, 'list')}] : ${expressionViolations}))`
    );
  },
};

const profileQuotaResource: CelRule = {
  targets: ['Profile'],
  ratchet: 'value',
  violations: (scope, spec) => {
    const rule = 'profile-quota-resource';
    const allowed = spec.profiles.quota.allowedResources;
    const expanded = [...new Set(allowed.flatMap((name) => [name, quotaAlias(name) ?? name]))];
    const hard = hardMap(scope);
    const notAllowed =
      allowed.length === 0
        ? `''`
        : `!(k in ${celStringList(expanded)}) ? ${lit(` is not an allowed quota resource; allowed: ${listText(allowed)}`)} : ''`;
    return unlessDefaultQuota(
      quotaResourceCheck,
      spec,
      scope,
      `${hard}.map(k, k).sort().map(k, [dyn(k), dyn(!${isQuotaResourceName('k')} ? ' is not a ResourceQuota resource name (e.g. "cpu", "requests.nvidia.com/gpu", "count/pods")' : ${notAllowed})])` +
        `.filter(e, e[1] != '').map(e, ${violation(rule, hardPath('e[0]'), `${hard}[e[0]]`, `${hardPath('e[0]')} + e[1]`)})`,
    );
  },
};

const profileQuotaMax: CelRule = {
  targets: ['Profile'],
  ratchet: 'value',
  violations: (scope, spec) => {
    const limits = Object.entries(spec.profiles.quota.max).flatMap(([key, text]) => {
      const quantity = parseQuantity(text);
      return quantity === undefined ? [] : [{ key, text, quantity }];
    });
    if (limits.length === 0) return undefined;
    // For each resource, the limits that bound it (its own, then its alias's), smallest first,
    // so that the first one exceeded is the one the webhook reports.
    const byResource = new Map<string, typeof limits>();
    for (const limit of limits) {
      for (const resource of [limit.key, quotaAlias(limit.key)]) {
        if (resource === undefined) continue;
        const list = byResource.get(resource) ?? [];
        list.push(limit);
        byResource.set(resource, list);
      }
    }
    const table = `{${[...byResource]
      .map(([resource, list]) => {
        const ordered = [...list]
          .sort((a, b) => (a.key === resource ? -1 : b.key === resource ? 1 : 0))
          .sort((a, b) => compareQuantities(a.quantity, b.quantity));
        return `${lit(resource)}: [${ordered.map((limit) => `[${lit(limit.key)}, ${lit(limit.text)}]`).join(', ')}]`;
      })
      .join(', ')}}`;
    const hard = hardMap(scope);
    // e = [key, text, exceeded limits]
    return unlessDefaultQuota(
      quotaMaxCheck,
      spec,
      scope,
      `${hardEntries(scope)}.filter(e, e[0] in ${table} && ${isQuantityText('e[1]')})` +
        `.map(e, [dyn(e[0]), dyn(e[1]), dyn(${table}[e[0]].filter(l, quantity(e[1]).isGreaterThan(quantity(l[1]))))])` +
        `.filter(e, size(e[2]) > 0)` +
        `.map(e, ${violation(
          'profile-quota-max',
          hardPath('e[0]'),
          `${hard}[e[0]]`,
          `${hardPath('e[0]')} + ' ' + ${celQuoteAny(`${hard}[e[0]]`)} + ' exceeds the maximum ' + ${celQuote('e[2][0][1]')} + ' (profiles.quota.max[' + strings.quote(e[2][0][0]) + '])'`,
        )})`,
    );
  },
};

/** The identity field each known plugin kind must carry (plugin-identities, profile-plugin). */
const PLUGIN_IDENTITIES = [
  {
    kind: 'WorkloadIdentity',
    field: 'gcpServiceAccount',
    valid: (value: string) => re(value, GCP_SERVICE_ACCOUNT),
    expected: 'a GCP service-account e-mail (name@project.iam.gserviceaccount.com)',
  },
  {
    kind: 'AwsIamForServiceAccount',
    field: 'awsIamRole',
    valid: (value: string) => `(size(${value}) <= 2048 && ${re(value, IAM_ROLE_ARN)})`,
    expected: 'an IAM role ARN (arn:aws:iam::123456789012:role/name)',
  },
] as const;

const profilePlugin: CelRule = {
  targets: ['Profile'],
  ratchet: 'value',
  violations: ({ o }, spec) => {
    const rule = 'profile-plugin';
    const allowed = spec.profiles.plugins.allowedKinds;
    const plugins = `${o}.spec.plugins`;
    const path = `'spec.plugins[' + string(i) + ']'`;
    const kind = `p.?kind.orValue(null)`;
    const kindAllowed = `(type(${kind}) == string && ${kind} in ${celStringList(allowed)})`;
    const identities = PLUGIN_IDENTITIES.filter((identity) => allowed.includes(identity.kind))
      .map((identity) => {
        const value = `(type(p.?spec.orValue(null)) == map ? p.spec.?${identity.field}.orValue(null) : null)`;
        return (
          `${kind} == ${lit(identity.kind)} && !(type(${value}) == string && ${identity.valid(value)}) ? ` +
          `[${violation(rule, lit(`spec.plugins[].spec.${identity.field}`), 'p', `${path} + ${lit(`.spec.${identity.field} `)} + (${value} == null && !(type(p.?spec.orValue(null)) == map && has(p.spec.${identity.field})) ? 'is missing' : ${celQuoteAny(value)} + ' is not valid') + ${lit(`; expected ${identity.expected}`)}`)}] : `
        );
      })
      .join('');
    const element =
      `(type(p) != map ? [${violation(rule, lit('spec.plugins[]'), 'p', `${path} + ' ' + ${celQuoteAny('p')} + ' is not an object {kind, spec}'`)}] : ` +
      `!${kindAllowed} ? [${violation(rule, lit('spec.plugins[].kind'), 'p', `${path} + '.kind ' + (has(p.kind) ? ${celQuoteAny('p.kind')} + ' is not allowed' : 'is missing') + ${lit(`; allowed: ${listText(allowed)}`)}`)}] : ` +
      `${identities}[])`;
    return (
      `(!has(${o}.spec) || type(${o}.spec) != map || !has(${plugins}) || ${plugins} == null ? [] : ` +
      `type(${plugins}) != list ? [${violation(rule, lit('spec.plugins'), plugins, `'spec.plugins ' + ${celQuoteAny(plugins)} + ' is not a list'`)}] : ` +
      `${plugins}.transformList(i, p, ${element}).flatten())`
    );
  },
};

/** Every stateless Profile rule, by id. */
export const PROFILE_CEL_RULES = {
  'profile-name-format': profileNameFormat,
  'profile-name-reserved': profileNameReserved,
  'profile-name-pattern': profileNamePattern,
  'profile-owner-required': profileOwnerRequired,
  'profile-owner-kind': profileOwnerKind,
  'profile-owner-format': profileOwnerFormat,
  'profile-owner-lowercase': profileOwnerLowercase,
  'profile-owner-domain': profileOwnerDomain,
  'profile-owner-immutable': profileOwnerImmutable,
  'profile-quota-quantity': profileQuotaQuantity,
  'profile-quota-resource': profileQuotaResource,
  'profile-quota-max': profileQuotaMax,
  'profile-plugin': profilePlugin,
} as const satisfies Partial<Record<RuleId, CelRule>>;
