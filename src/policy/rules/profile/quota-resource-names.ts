import { isQualifiedName } from '../../validation-helpers.js';

// k8s.io/kubernetes pkg/apis/core/helper: the resource names a ResourceQuota accepts without a
// `/`, and those whose quota must be a whole number.
const STANDARD_QUOTA_RESOURCES: ReadonlySet<string> = new Set([
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
const INTEGER_RESOURCES: ReadonlySet<string> = new Set([
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
    STANDARD_QUOTA_RESOURCES.has(name) ||
    name.startsWith('hugepages-') ||
    name.startsWith('requests.hugepages-')
  );
}

/**
 * True when Kubernetes requires a whole-number quota for `name`: object counts (`pods`,
 * `count/…`) and extended resources named without `requests.` (`nvidia.com/gpu`).
 */
export function isIntegerQuotaResource(name: string): boolean {
  if (INTEGER_RESOURCES.has(name)) return true;
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
