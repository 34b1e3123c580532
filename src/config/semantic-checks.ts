import { asRecord } from '../policy/object-access.js';
import {
  compareQuantities,
  formatQuantity,
  parseQuantity,
  type Quantity,
} from '../policy/quantity.js';
import {
  isDns1123Label,
  isDns1123Subdomain,
  isQualifiedName,
} from '../policy/validation-helpers.js';
import { linearRegExp } from '../util/linear-regexp.js';
import { formatFieldPath, type PathSegment } from './field-path.js';
import { errorMessage } from '../util/error-message.js';

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const DOMAIN =
  /^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*$/;

function child(node: unknown, key: string): unknown {
  return asRecord(node)?.[key];
}

function entries(node: unknown): [string, unknown][] {
  const record = asRecord(node);
  return record === undefined ? [] : Object.entries(record);
}

function items(node: unknown): [number, unknown][] {
  return Array.isArray(node) ? node.map((item: unknown, index) => [index, item]) : [];
}

/**
 * Why a name pattern cannot be used, or undefined: it must compile, and compile for the
 * linear-time engine the rule matches with (no backreferences, lookaround or large counted
 * repetitions), so that no tenant-chosen name can make it backtrack.
 */
function namePatternProblem(pattern: string): string | undefined {
  // V8 says `Invalid regular expression: /<source>/<flags>: <reason>`; the reason is what helps.
  const reasonOf = (error: unknown): string => {
    const text = errorMessage(error);
    return text.slice(text.lastIndexOf(': ') + 2);
  };
  try {
    new RegExp(pattern);
  } catch (error) {
    return `is not a valid regular expression: ${reasonOf(error)}`;
  }
  try {
    linearRegExp(pattern);
  } catch {
    return 'cannot be matched in linear time: backreferences, lookahead, lookbehind and large counted repetitions are not supported (use profiles.name.reservedPrefixes to refuse prefixes)';
  }
  return undefined;
}

/** The prefix of the labels profile-guard itself reads, such as the chart's namespace opt-out. */
const OWN_LABEL_PREFIX = 'profile-guard.io/';

/**
 * Why a Profile label must not be propagated onto its Namespace, or undefined. The tenant writes
 * her Profile's labels and `namespace-labels` copies them over the Namespace's own values, so a
 * propagated key must not be one that decides whether the namespaced webhooks see the namespace:
 * profile-guard's own labels (the chart's `namespaceOptOut.label`, `profile-guard.io/ignore` by
 * default, takes a namespace out of them) and the keys of `profileNamespaces.label` (which select
 * the namespaces whose RoleBindings and AuthorizationPolicies are sent).
 */
function propagateProblem(
  key: string,
  profileNamespaceKeys: ReadonlySet<string>,
): string | undefined {
  if (key.startsWith(OWN_LABEL_PREFIX)) {
    return `is one of profile-guard's own labels (${OWN_LABEL_PREFIX}…, such as the namespace opt-out ${OWN_LABEL_PREFIX}ignore): copied from a Profile, whose labels its owner writes, it would let her take her namespace out of the namespaced webhooks`;
  }
  if (profileNamespaceKeys.has(key)) {
    return 'is a key of spec.profileNamespaces.label, which selects the namespaces whose RoleBindings and AuthorizationPolicies are checked: copied from a Profile, whose labels its owner writes, it would let her take her namespace out of those checks';
  }
  return undefined;
}

function isWorkloadPrincipal(value: string): boolean {
  const parts = value.split('/');
  const [namespace = '', name = ''] = [parts[parts.length - 3], parts[parts.length - 1]];
  return (
    !value.includes('*') &&
    parts.length >= 5 &&
    parts[parts.length - 4] === 'ns' &&
    parts[parts.length - 2] === 'sa' &&
    isDns1123Label(namespace) &&
    isDns1123Subdomain(name)
  );
}

function isServiceAccountRef(value: string): boolean {
  const parts = value.split('/');
  const [namespace = '', name = ''] = parts;
  return parts.length === 2 && isDns1123Label(namespace) && isDns1123Subdomain(name);
}

/**
 * The checks the JSON Schema cannot express, over a (defaulted, possibly schema-invalid)
 * document: values of the wrong type are skipped here because the schema already reports them.
 * Returns every problem as `<dotted field path>: <message>`.
 */
export function semanticErrors(document: unknown): string[] {
  const errors: string[] = [];
  const report = (path: readonly PathSegment[], message: string): void => {
    errors.push(`${formatFieldPath(path)}: ${message}`);
  };
  const spec = child(document, 'spec');
  const profiles = child(spec, 'profiles');

  const pattern = child(child(profiles, 'name'), 'pattern');
  if (typeof pattern === 'string' && pattern !== '') {
    const problem = namePatternProblem(pattern);
    if (problem !== undefined) {
      report(['spec', 'profiles', 'name', 'pattern'], `${JSON.stringify(pattern)} ${problem}`);
    }
  }

  for (const map of ['defaults', 'max']) {
    const base = ['spec', 'profiles', 'quota', map];
    for (const [resource, value] of entries(child(child(profiles, 'quota'), map))) {
      if (!isQualifiedName(resource)) report([...base, resource], 'is not a valid resource name');
      if (typeof value !== 'string' && typeof value !== 'number') continue;
      const quantity = parseQuantity(value);
      if (!quantity) {
        report([...base, resource], `${JSON.stringify(value)} is not a Kubernetes quantity`);
      } else if (quantity.mantissa < 0n) {
        report([...base, resource], `${JSON.stringify(value)} must not be negative`);
      }
    }
  }
  checkLimitRange(child(profiles, 'limitRange'), report);
  for (const [index, resource] of items(child(child(profiles, 'quota'), 'allowedResources'))) {
    if (typeof resource === 'string' && !isQualifiedName(resource)) {
      const path = ['spec', 'profiles', 'quota', 'allowedResources', index];
      report(path, `${JSON.stringify(resource)} is not a valid resource name`);
    }
  }

  const serviceAccountLists: [string, string][] = [
    ['exemptions', 'serviceAccounts'],
    ['bindings', 'protectedManagers'],
  ];
  for (const [section, field] of serviceAccountLists) {
    for (const [index, value] of items(child(child(spec, section), field))) {
      if (typeof value === 'string' && !isServiceAccountRef(value)) {
        report(
          ['spec', section, field, index],
          `${JSON.stringify(value)} must be namespace/name (a ServiceAccount)`,
        );
      }
    }
  }

  // A gateway principal is matched against rules by its namespace and service account, so it
  // must name both, exactly.
  const gateways = child(child(spec, 'authorizationPolicies'), 'gatewayPrincipals');
  for (const [index, value] of items(gateways)) {
    if (typeof value === 'string' && !isWorkloadPrincipal(value)) {
      report(
        ['spec', 'authorizationPolicies', 'gatewayPrincipals', index],
        `${JSON.stringify(value)} must be a workload principal <trust-domain>/ns/<namespace>/sa/<name>, without wildcards`,
      );
    }
  }

  const labelMaps: PathSegment[][] = [
    ['spec', 'profileNamespaces', 'label'],
    ['spec', 'profiles', 'labels'],
    ['spec', 'profiles', 'namespaceLabels', 'inject'],
    ['spec', 'selector', 'matchLabels'],
  ];
  for (const path of labelMaps) {
    checkLabels(path, valueAt(document, path), report);
  }
  for (const [key] of entries(child(profiles, 'annotations'))) {
    if (!isQualifiedName(key)) {
      report(['spec', 'profiles', 'annotations', key], 'is not a valid annotation key');
    }
  }
  const profileNamespaceKeys = new Set(
    entries(child(child(spec, 'profileNamespaces'), 'label')).map(([key]) => key),
  );
  for (const [index, key] of items(child(child(profiles, 'namespaceLabels'), 'propagate'))) {
    if (typeof key !== 'string') continue;
    const problem = isQualifiedName(key)
      ? propagateProblem(key, profileNamespaceKeys)
      : 'is not a valid label key';
    if (problem !== undefined) {
      report(
        ['spec', 'profiles', 'namespaceLabels', 'propagate', index],
        `${JSON.stringify(key)} ${problem}`,
      );
    }
  }

  const domainLists: PathSegment[][] = [
    ['spec', 'profiles', 'owner', 'emailDomains'],
    ['spec', 'bindings', 'userEmailDomains'],
  ];
  for (const path of domainLists) {
    for (const [index, domain] of items(valueAt(document, path))) {
      if (typeof domain === 'string' && (domain.length > 253 || !DOMAIN.test(domain))) {
        report([...path, index], `${JSON.stringify(domain)} is not a domain name`);
      }
    }
  }

  const expressions = child(child(spec, 'selector'), 'matchExpressions');
  for (const [index, expression] of items(expressions)) {
    const operator = child(expression, 'operator');
    const values = child(expression, 'values');
    const path = ['spec', 'selector', 'matchExpressions', index, 'values'];
    const count = Array.isArray(values) ? values.length : 0;
    if ((operator === 'In' || operator === 'NotIn') && count === 0) {
      report(path, `must be non-empty for operator ${operator}`);
    } else if ((operator === 'Exists' || operator === 'DoesNotExist') && count > 0) {
      report(path, `must be empty for operator ${operator}`);
    }
  }
  return errors;
}

/**
 * `profiles.limitRange`: quantities that parse and are not negative, and no default request above
 * the default limit of the same resource (the API server refuses such a LimitRange).
 */
function checkLimitRange(
  limitRange: unknown,
  report: (path: readonly PathSegment[], message: string) => void,
): void {
  const parsed: Record<string, Record<string, Quantity>> = {};
  for (const map of ['defaultRequest', 'defaultLimit']) {
    const base = ['spec', 'profiles', 'limitRange', map];
    parsed[map] = {};
    for (const [resource, value] of entries(child(limitRange, map))) {
      if (typeof value !== 'string' && typeof value !== 'number') continue;
      const quantity = parseQuantity(value);
      if (!quantity) {
        report([...base, resource], `${JSON.stringify(value)} is not a Kubernetes quantity`);
      } else if (quantity.mantissa < 0n) {
        report([...base, resource], `${JSON.stringify(value)} must not be negative`);
      } else {
        parsed[map][resource] = quantity;
      }
    }
  }
  for (const [resource, request] of Object.entries(parsed.defaultRequest ?? {})) {
    const limit = parsed.defaultLimit?.[resource];
    if (limit !== undefined && compareQuantities(request, limit) > 0) {
      report(
        ['spec', 'profiles', 'limitRange', 'defaultRequest', resource],
        `${formatQuantity(request)} exceeds defaultLimit ${formatQuantity(limit)} (a LimitRange's default request must not exceed its default limit)`,
      );
    }
  }
}

function valueAt(document: unknown, path: readonly PathSegment[]): unknown {
  let node = document;
  for (const segment of path) node = child(node, String(segment));
  return node;
}

function checkLabels(
  path: readonly PathSegment[],
  labels: unknown,
  report: (path: readonly PathSegment[], message: string) => void,
): void {
  for (const [key, value] of entries(labels)) {
    if (!isQualifiedName(key)) report([...path, key], 'is not a valid label key');
    if (typeof value === 'string' && (value.length > 63 || !LABEL_VALUE.test(value))) {
      report([...path, key], `${JSON.stringify(value)} is not a valid label value`);
    }
  }
}
