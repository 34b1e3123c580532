import type { KubeObject } from './kube-object.js';

/** Admission operations as the API server names them. */
export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/** The object kinds profile-guard has rules or mutations for. */
export type TargetKind =
  'Profile' | 'Namespace' | 'RoleBinding' | 'ClusterRoleBinding' | 'AuthorizationPolicy';

/** The caller, as `request.userInfo` reports it. */
export interface UserInfo {
  readonly username: string;
  readonly groups: readonly string[];
}

/**
 * The engine's view of one admission request: transport-free, already dispatched to a target
 * kind. Built by `admission/` from an AdmissionReview, and by `check` from a manifest.
 */
export interface AdmissionInput {
  readonly uid: string;
  readonly target: TargetKind;
  /** `group/version` of the request's kind, e.g. `kubeflow.org/v1`. */
  readonly apiVersion: string;
  readonly operation: Operation;
  readonly name: string;
  /** Empty for cluster-scoped objects. */
  readonly namespace: string;
  /** The new object; undefined for DELETE. */
  readonly object: KubeObject | undefined;
  /** The stored object; set for UPDATE and DELETE. */
  readonly oldObject: KubeObject | undefined;
  readonly user: UserInfo;
  readonly dryRun: boolean;
}
