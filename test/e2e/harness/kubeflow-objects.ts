import type { KubeObject } from '../../../src/policy/kube-object.js';
import {
  PROFILES_CONTROLLER_SA,
  SIDECAR_CONTROLLER,
  apiServerDefaults,
  kfamAuthorizationPolicy,
  kfamBindingName,
  kfamRoleBinding,
  namespaceAdminBinding,
  ownerAccessPolicy,
  profileNamespace,
  serviceAccountBinding,
} from '../../../src/policy/test-support/kubeflow-upstream.js';
import type { Manifest } from './manifests.js';

/**
 * The objects an unmodified Kubeflow installation creates for a Profile (sidecar mode), shaped as
 * the profile controller and the access-management service (KFAM) write them: built from the same
 * upstream-derived fixture as the unit tests (src/policy/test-support/kubeflow-upstream.ts, which
 * cites where kubeflow/dashboard writes each), with the namespace in every body so that kubectl
 * can create them from a file.
 */
export interface KubeflowObjects {
  /** The profile controller's Namespace (ownerReference to the Profile). */
  readonly namespace: Manifest;
  /** RoleBinding namespaceAdmin: kubeflow-admin for the owner. */
  readonly namespaceAdmin: Manifest;
  /** RoleBindings default-editor and default-viewer for the namespace's ServiceAccounts. */
  readonly defaultEditor: Manifest;
  readonly defaultViewer: Manifest;
  /** AuthorizationPolicy ns-owner-access-istio. */
  readonly ownerAccessIstio: Manifest;
  /** KFAM: a contributor's RoleBinding (kubeflow-edit) and AuthorizationPolicy. */
  readonly contributorBinding: Manifest;
  readonly contributorAuthorizationPolicy: Manifest;
}

/** KFAM's object name for a contributor (bindings.go getBindingName). */
export function kfamName(user: string, role: 'admin' | 'edit' | 'view'): string {
  return kfamBindingName(user, role);
}

function manifest(object: KubeObject, namespace?: string): Manifest {
  return apiServerDefaults(object, namespace);
}

/** The Kubeflow objects of Profile `name` (uid `uid`) owned by `owner`, contributor `contributor`. */
export function kubeflowObjects(
  name: string,
  uid: string,
  owner: string,
  contributor: string,
): KubeflowObjects {
  const profile = { name, owner, uid };
  return {
    namespace: profileNamespace(SIDECAR_CONTROLLER, profile),
    namespaceAdmin: manifest(namespaceAdminBinding(profile)),
    defaultEditor: manifest(serviceAccountBinding(profile, 'default-editor')),
    defaultViewer: manifest(serviceAccountBinding(profile, 'default-viewer')),
    ownerAccessIstio: manifest(ownerAccessPolicy(SIDECAR_CONTROLLER, profile)),
    contributorBinding: manifest(kfamRoleBinding(contributor, 'edit'), name),
    contributorAuthorizationPolicy: manifest(kfamAuthorizationPolicy(name, contributor, 'edit')),
  };
}

/** The profile controller's identity (bound to cluster-admin in Kubeflow; not exempt). */
export const PROFILE_CONTROLLER = {
  user: PROFILES_CONTROLLER_SA.username,
  groups: PROFILES_CONTROLLER_SA.groups,
} as const;
