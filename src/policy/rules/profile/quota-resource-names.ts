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
  if (!isQualifiedName(name)) return false;
  if (name.includes('/')) return true;
  return (
    STANDARD_SET.has(name) ||
    name.startsWith('hugepages-') ||
    name.startsWith('requests.hugepages-')
  );
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
