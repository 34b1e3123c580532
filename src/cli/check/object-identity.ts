import type { KubeObject } from '../../policy/kube-object.js';

/** `kubeflow.org/v1` -> group `kubeflow.org`, version `v1`; `v1` -> the core group (``). */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/**
 * Namespaced kinds the webhook judges: a manifest without `metadata.namespace` lands in
 * `default`, as kubectl sends it.
 */
const NAMESPACED_TARGETS = new Set(['RoleBinding', 'AuthorizationPolicy']);
/** Cluster-scoped kinds the webhook judges: the API server sends no namespace for them. */
const CLUSTER_TARGETS = new Set(['Profile', 'Namespace', 'ClusterRoleBinding']);

/** The namespace the API server would put in the request for this object. */
export function effectiveNamespace(object: KubeObject): string {
  const kind = stringAt(object.kind);
  if (CLUSTER_TARGETS.has(kind)) return '';
  const namespace = stringAt(object.metadata?.namespace);
  if (namespace === '' && NAMESPACED_TARGETS.has(kind)) return 'default';
  return namespace;
}

/**
 * The key under which the API server stores an object: group (not version: `kubeflow.org/v1`
 * and `v1beta1` Profiles are the same object), kind, namespace and name. A manifest with the key
 * of a `--state` object is an UPDATE of it.
 */
export function manifestIdentity(object: KubeObject): string {
  const group = splitApiVersion(stringAt(object.apiVersion)).group;
  const name = stringAt(object.metadata?.name);
  return JSON.stringify([group, stringAt(object.kind), effectiveNamespace(object), name]);
}

/** The value when it is a string, else ``. */
export function stringAt(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
