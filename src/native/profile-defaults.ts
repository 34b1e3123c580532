/**
 * The Profile mutations (`profile-default-quota`, `profile-labels`, `profile-annotations`) as one
 * JSON Patch expression for a MutatingAdmissionPolicy: the same additions the webhook's `/mutate`
 * makes, and nothing when they are already there, so the result is idempotent.
 */
import type { PolicySpec } from '../policy/policy-spec.js';
import { quotaAlias } from '../policy/rules/profile/profile-fields.js';
import { celString, celStringMap } from './cel.js';

const lit = celString;

/** `JSONPatch{op: 'add', ...}`. */
const add = (path: string, value: string): string =>
  `JSONPatch{op: 'add', path: ${path}, value: ${value}}`;

/**
 * CEL, true when `missing` (the CEL test that one default key is absent from `hard`) holds for a
 * key of `defaults`: the quota keys, with `cpu` ≡ `requests.cpu` and `memory` ≡ `requests.memory`.
 */
function quotaKeyAbsent(key: string, hard: string): string {
  const alias = quotaAlias(key);
  return `!(${lit(key)} in ${hard})${alias === undefined ? '' : ` && !(${lit(alias)} in ${hard})`}`;
}

/**
 * profile-default-quota: all defaults into an absent or empty `hard`; with `fillMissing`, the
 * default keys a partial `hard` lacks (`cpu` ≡ `requests.cpu`, `memory` ≡ `requests.memory`).
 * Malformed `spec`, `resourceQuotaSpec` or `hard` (not maps) are left alone.
 */
function quotaPatches(spec: PolicySpec): string | undefined {
  const { defaults, fillMissing } = spec.profiles.quota;
  const keys = Object.keys(defaults);
  if (keys.length === 0) return undefined;
  const all = celStringMap(defaults);
  const hard = 'object.spec.resourceQuotaSpec.hard';
  const missing = keys
    .map(
      (key) =>
        `(${quotaKeyAbsent(key, hard)} ? [${add(`'/spec/resourceQuotaSpec/hard/' + jsonpatch.escapeKey(${lit(key)})`, lit(defaults[key] ?? ''))}] : [])`,
    )
    .join(' + ');
  return (
    `(!has(object.spec) ? [${add(`'/spec'`, `{'resourceQuotaSpec': {'hard': ${all}}}`)}] : ` +
    `type(object.spec) != map ? [] : ` +
    `!has(object.spec.resourceQuotaSpec) ? [${add(`'/spec/resourceQuotaSpec'`, `{'hard': ${all}}`)}] : ` +
    `type(object.spec.resourceQuotaSpec) != map ? [] : ` +
    `!has(${hard}) ? [${add(`'/spec/resourceQuotaSpec/hard'`, all)}] : ` +
    `type(${hard}) != map ? [] : ` +
    `size(${hard}) == 0 ? [${add(`'/spec/resourceQuotaSpec/hard'`, all)}] : ` +
    `${fillMissing ? missing : '[]'})`
  );
}

/**
 * CEL, true exactly when {@link quotaPatches} adds something: the same tests in the same order,
 * each branch that patches `true`, each that leaves the object alone `false`.
 */
function quotaMissing(spec: PolicySpec): string | undefined {
  const { defaults, fillMissing } = spec.profiles.quota;
  const keys = Object.keys(defaults);
  if (keys.length === 0) return undefined;
  const hard = 'object.spec.resourceQuotaSpec.hard';
  const partial = fillMissing
    ? keys.map((key) => `(${quotaKeyAbsent(key, hard)})`).join(' || ')
    : 'false';
  return (
    `(!has(object.spec) ? true : ` +
    `type(object.spec) != map ? false : ` +
    `!has(object.spec.resourceQuotaSpec) ? true : ` +
    `type(object.spec.resourceQuotaSpec) != map ? false : ` +
    `!has(${hard}) ? true : ` +
    `type(${hard}) != map ? false : ` +
    `size(${hard}) == 0 ? true : ` +
    `${partial})`
  );
}

/** profile-labels / profile-annotations: the entries whose keys `metadata.<field>` lacks. */
function metadataPatches(
  field: 'labels' | 'annotations',
  entries: Readonly<Record<string, string>>,
): string | undefined {
  const keys = Object.keys(entries);
  if (keys.length === 0) return undefined;
  const map = `object.metadata.${field}`;
  const each = keys
    .map(
      (key) =>
        `(${lit(key)} in ${map} ? [] : [${add(`'/metadata/${field}/' + jsonpatch.escapeKey(${lit(key)})`, lit(entries[key] ?? ''))}])`,
    )
    .join(' + ');
  return (
    // Every object the API server admits has metadata (its name), so only the map may be missing.
    `(!has(object.metadata) || type(object.metadata) != map ? [] : ` +
    `!has(${map}) ? [${add(`'/metadata/${field}'`, celStringMap(entries))}] : ` +
    `type(${map}) != map ? [] : ${each})`
  );
}

/** CEL, true exactly when {@link metadataPatches} adds something (the same tests). */
function metadataMissing(
  field: 'labels' | 'annotations',
  entries: Readonly<Record<string, string>>,
): string | undefined {
  const keys = Object.keys(entries);
  if (keys.length === 0) return undefined;
  const map = `object.metadata.${field}`;
  const any = keys.map((key) => `!(${lit(key)} in ${map})`).join(' || ');
  return (
    `(!has(object.metadata) || type(object.metadata) != map ? false : ` +
    `!has(${map}) ? true : ` +
    `type(${map}) != map ? false : ${any})`
  );
}

/**
 * CEL, true exactly when {@link profileDefaultsPatch} gives a non-empty patch (some default is
 * missing), or undefined when the policy injects nothing. As the MutatingAdmissionPolicy's match
 * condition it skips the Profiles that already carry every default (most UPDATEs: the profile
 * controller's, a GitOps re-apply) before the API server copies the object, evaluates the patch,
 * applies it and compares the result, which it does even when the patch is empty.
 */
export function profileDefaultsMissing(spec: PolicySpec): string | undefined {
  const parts = [
    quotaMissing(spec),
    metadataMissing('labels', spec.profiles.labels),
    metadataMissing('annotations', spec.profiles.annotations),
  ].filter((part): part is string => part !== undefined);
  return parts.length === 0 ? undefined : parts.join(' || ');
}

/**
 * The JSON Patch expression of the Profile mutations under `spec`, or undefined when the policy
 * injects nothing. The patches touch disjoint paths and are computed from the incoming object.
 */
export function profileDefaultsPatch(spec: PolicySpec): string | undefined {
  const parts = [
    quotaPatches(spec),
    metadataPatches('labels', spec.profiles.labels),
    metadataPatches('annotations', spec.profiles.annotations),
  ].filter((part): part is string => part !== undefined);
  return parts.length === 0 ? undefined : parts.join(' + ');
}
