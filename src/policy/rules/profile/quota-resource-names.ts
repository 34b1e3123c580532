import { isQualifiedName } from '../../validation-helpers.js';

/**
 * The resource names a ResourceQuota accepts without a `/` (k8s.io/kubernetes
 * pkg/apis/core/helper); the native policies' CEL lists the same.
 */
export const STANDARD_QUOTA_RESOURCES: readonly string[] = Object.freeze([
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.storage',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
  'resourcequotas',
  'services',
  'replicationcontrollers',
  'secrets',
  'persistentvolumeclaims',
  'configmaps',
  'services.nodeports',
  'services.loadbalancers',
]);
/** The standard resources whose quota must be a whole number (object counts). */
export const INTEGER_QUOTA_RESOURCES: readonly string[] = Object.freeze([
  'pods',
  'resourcequotas',
  'services',
  'replicationcontrollers',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'services.nodeports',
  'services.loadbalancers',
]);

const STANDARD_SET: ReadonlySet<string> = new Set(STANDARD_QUOTA_RESOURCES);
const INTEGER_SET: ReadonlySet<string> = new Set(INTEGER_QUOTA_RESOURCES);

/**
 * True when Kubernetes accepts `name` as a ResourceQuota `hard` key: a qualified name that is
 * either prefixed (`requests.nvidia.com/gpu`, `count/deployments.apps`,
 * `gold.storageclass.storage.k8s.io/requests.storage`) or a standard quota resource (`cpu`,
 * `requests.memory`, `pods`, …) or a huge-pages one (`hugepages-2Mi`, `requests.hugepages-1Gi`).
 */
export function isQuotaResourceName(name: string): boolean {
  // The cheap test first: a name without `/` that is no standard resource fails either way.
  if (!name.includes('/') && !isStandardQuotaResource(name)) return false;
  return isQualifiedName(name);
}

/**
 * True when Kubernetes requires a whole-number quota for `name`: object counts (`pods`,
 * `count/…`) and extended resources named without `requests.` (`nvidia.com/gpu`).
 */
export function isIntegerQuotaResource(name: string): boolean {
  if (INTEGER_SET.has(name)) return true;
  const slash = name.indexOf('/');
  if (slash < 0 || name.startsWith('requests.')) return false;
  const prefix = name.slice(0, slash);
  return prefix !== 'kubernetes.io' && !prefix.endsWith('.kubernetes.io');
}

/** The scopes a ResourceQuota may name (`spec.scopes`, `scopeSelector…scopeName`). */
export const QUOTA_SCOPES: readonly string[] = [
  'Terminating',
  'NotTerminating',
  'BestEffort',
  'NotBestEffort',
  'PriorityClass',
  'CrossNamespacePodAffinity',
  'VolumeAttributesClass',
];

/** The resources a pod scope can bound: pod counts and pod compute. */
const POD_SCOPE_RESOURCES: ReadonlySet<string> = new Set([
  'pods',
  'cpu',
  'memory',
  'requests.cpu',
  'requests.memory',
  'limits.cpu',
  'limits.memory',
]);

/**
 * The standard quota resources each scope can bound (k8s.io/kubernetes pkg/apis/core/helper
 * `IsResourceQuotaScopeValidForResource`): the API server refuses a ResourceQuota whose scope
 * cannot bound one of its standard `hard` resources ("unsupported scope applied to resource").
 * Resources with a `/` (extended, `count/…`, storage-class) are not standard and never refused.
 */
export const QUOTA_SCOPE_RESOURCES: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['Terminating', POD_SCOPE_RESOURCES],
  ['NotTerminating', POD_SCOPE_RESOURCES],
  ['NotBestEffort', POD_SCOPE_RESOURCES],
  ['PriorityClass', POD_SCOPE_RESOURCES],
  ['CrossNamespacePodAffinity', POD_SCOPE_RESOURCES],
  ['BestEffort', new Set(['pods'])],
  ['VolumeAttributesClass', new Set(['persistentvolumeclaims', 'requests.storage'])],
]);

/** Pairs of scopes the API server refuses together ("conflicting scopes"). */
export const CONFLICTING_QUOTA_SCOPES: readonly (readonly [string, string])[] = [
  ['BestEffort', 'NotBestEffort'],
  ['Terminating', 'NotTerminating'],
];

/**
 * True for a resource name the API server's quota system knows (`IsStandardQuotaResourceName`):
 * the standard quota resources and the huge-pages ones.
 */
export function isStandardQuotaResource(name: string): boolean {
  return (
    STANDARD_SET.has(name) ||
    name.startsWith('hugepages-') ||
    name.startsWith('requests.hugepages-')
  );
}
