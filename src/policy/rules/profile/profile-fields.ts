import type { KubeObject } from '../../kube-object.js';
import { asRecord, asString, getPath } from '../../object-access.js';

/** The RBAC API group, the only one a User or Group subject may name. */
export const RBAC_API_GROUP = 'rbac.authorization.k8s.io';

/** `spec.owner` as a record, or undefined when absent or malformed. */
export function profileOwner(object: KubeObject): Readonly<Record<string, unknown>> | undefined {
  return asRecord(getPath(object, 'spec', 'owner'));
}

/**
 * A User owner's name, for the rules that read it as an e-mail: undefined when the owner is not a
 * `User` or its name is not a non-empty string (other rules report those).
 */
export function userOwnerName(object: KubeObject): string | undefined {
  const owner = profileOwner(object);
  if (owner?.kind !== 'User') return undefined;
  const name = asString(owner.name);
  return name === undefined || name.trim() === '' ? undefined : name;
}

/** `metadata.name` when it is a string. */
export function profileName(object: KubeObject): string | undefined {
  return asString(getPath(object, 'metadata', 'name'));
}

/** Base path of the quota map every quota rule reports under. */
export const HARD_PATH = 'spec.resourceQuotaSpec.hard';

/** `spec.resourceQuotaSpec.hard` entries, or none when it is absent or not a map. */
export function quotaHardEntries(object: KubeObject): readonly (readonly [string, unknown])[] {
  const hard = asRecord(getPath(object, 'spec', 'resourceQuotaSpec', 'hard'));
  return hard === undefined ? [] : Object.entries(hard);
}

/** Quota resources that Kubernetes treats as the same: `cpu` ≡ `requests.cpu`, `memory` ≡ `requests.memory`. */
const ALIASES: Readonly<Record<string, string>> = {
  cpu: 'requests.cpu',
  'requests.cpu': 'cpu',
  memory: 'requests.memory',
  'requests.memory': 'memory',
};

/** The other spelling of a quota resource name, if it has one. */
export function quotaAlias(resource: string): string | undefined {
  return Object.hasOwn(ALIASES, resource) ? ALIASES[resource] : undefined;
}
