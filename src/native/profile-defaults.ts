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
    .map((key) => {
      const alias = quotaAlias(key);
      const absent = `!(${lit(key)} in ${hard})${alias === undefined ? '' : ` && !(${lit(alias)} in ${hard})`}`;
      return `(${absent} ? [${add(`'/spec/resourceQuotaSpec/hard/' + jsonpatch.escapeKey(${lit(key)})`, lit(defaults[key] ?? ''))}] : [])`;
    })
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
