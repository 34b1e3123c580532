import type { KubeObject } from '../../kube-object.js';
import { asArray, asRecord, asString, getPath } from '../../object-access.js';
import { indexPath } from '../../validation-helpers.js';

/** Actions that never grant access: DENY refuses, AUDIT only logs, CUSTOM delegates and then
 * still needs the ALLOW policies. */
const NON_GRANTING_ACTIONS: ReadonlySet<string> = new Set(['DENY', 'AUDIT', 'CUSTOM']);

/** One `spec.rules[]` entry with its field path. */
export interface AuthzRule {
  readonly path: string;
  readonly rule: Readonly<Record<string, unknown>>;
}

/**
 * The rules of a policy that can grant access: all of `spec.rules` when `spec.action` is absent,
 * `ALLOW`, or anything unknown (judged as ALLOW, the permissive reading); none for DENY, AUDIT or
 * CUSTOM. Non-object entries are skipped (Istio rejects them).
 */
export function grantingRules(object: KubeObject): readonly AuthzRule[] {
  const action = asString(getPath(object, 'spec', 'action'));
  if (action !== undefined && NON_GRANTING_ACTIONS.has(action)) return [];
  const out: AuthzRule[] = [];
  asArray(getPath(object, 'spec', 'rules')).forEach((entry, index) => {
    const rule = asRecord(entry);
    if (rule !== undefined) out.push({ path: indexPath('spec.rules', index), rule });
  });
  return out;
}

/** A list field's string entries with their paths (non-strings skipped). */
export function stringEntries(
  record: Readonly<Record<string, unknown>> | undefined,
  field: string,
  base: string,
): readonly { readonly path: string; readonly value: string }[] {
  const out: { path: string; value: string }[] = [];
  asArray(record?.[field]).forEach((entry, index) => {
    if (typeof entry === 'string')
      out.push({ path: indexPath(`${base}.${field}`, index), value: entry });
  });
  return out;
}

/** One `from[].source` with its path (`{}` when the entry has none). */
export interface AuthzSource {
  readonly path: string;
  readonly source: Readonly<Record<string, unknown>>;
}

/** The `from[].source` entries of a rule. */
export function sourcesOf(rule: AuthzRule): readonly AuthzSource[] {
  return asArray(rule.rule.from).map((entry, index) => ({
    path: `${indexPath(`${rule.path}.from`, index)}.source`,
    source: asRecord(asRecord(entry)?.source) ?? {},
  }));
}

/**
 * The namespace a workload principal names: `<trust-domain>/ns/<namespace>/sa/<name>` (any trust
 * domain, with or without `spiffe://`). Undefined when the principal has another shape.
 */
export function principalNamespace(principal: string): string | undefined {
  const parts = principal.split('/');
  const n = parts.length;
  if (n < 5 || parts[n - 4] !== 'ns' || parts[n - 2] !== 'sa') return undefined;
  const namespace = parts[n - 3];
  const account = parts[n - 1];
  if (namespace === undefined || namespace === '' || account === undefined || account === '') {
    return undefined;
  }
  return namespace;
}
