import type { KubeObject } from '../policy/kube-object.js';
import { asString, getPath } from '../policy/object-access.js';
import type { AdmissionInput, TargetKind } from '../policy/request.js';
import type { AdmissionRequest, GroupVersionKind } from './review.js';

/** The group, versions and kind behind each target. */
const TARGETS: readonly {
  readonly group: string;
  readonly versions: readonly string[];
  readonly kind: TargetKind;
}[] = [
  { group: 'kubeflow.org', versions: ['v1', 'v1beta1'], kind: 'Profile' },
  { group: '', versions: ['v1'], kind: 'Namespace' },
  { group: 'rbac.authorization.k8s.io', versions: ['v1'], kind: 'RoleBinding' },
  { group: 'rbac.authorization.k8s.io', versions: ['v1'], kind: 'ClusterRoleBinding' },
  { group: 'security.istio.io', versions: ['v1', 'v1beta1'], kind: 'AuthorizationPolicy' },
];

/**
 * The target for a request's kind, or undefined for any kind the webhook does not handle (those
 * are allowed with no patch). Matching is exact on group, version and kind.
 */
export function targetKind(gvk: GroupVersionKind): TargetKind | undefined {
  return TARGETS.find(
    (target) =>
      target.group === gvk.group &&
      target.kind === gvk.kind &&
      target.versions.includes(gvk.version),
  )?.kind;
}

/** `group/version`, or the bare version for the core group. */
export function groupVersion(gvk: GroupVersionKind): string {
  return gvk.group === '' ? gvk.version : `${gvk.group}/${gvk.version}`;
}

/** The result of {@link toAdmissionInput}: the engine's input, or why the review's object is bad. */
export type DispatchResult =
  | { readonly ok: true; readonly input: AdmissionInput }
  | { readonly ok: false; readonly message: string };

/**
 * Builds the engine's input from a well-formed request. A bad object inside a well-formed review
 * is a decision (the caller denies with code 400), so problems come back as a message naming the
 * field (`request.object: not a JSON object`) rather than as an exception.
 */
export function toAdmissionInput(request: AdmissionRequest, target: TargetKind): DispatchResult {
  const object = asKubeObject(request.object);
  if (object === 'bad') return { ok: false, message: 'request.object: not a JSON object' };
  const oldObject = asKubeObject(request.oldObject);
  if (oldObject === 'bad') return { ok: false, message: 'request.oldObject: not a JSON object' };
  const needsObject = request.operation === 'CREATE' || request.operation === 'UPDATE';
  if (needsObject && object === undefined) {
    return { ok: false, message: `request.object: missing on ${request.operation}` };
  }
  if (request.operation === 'UPDATE' && oldObject === undefined) {
    return { ok: false, message: 'request.oldObject: missing on UPDATE' };
  }
  // The API server sends the stored object on every DELETE; without it the rules that judge
  // deletions (binding-protected) would have nothing to judge, and nothing must mean a denial.
  if (request.operation === 'DELETE' && oldObject === undefined) {
    return { ok: false, message: 'request.oldObject: missing on DELETE' };
  }
  return {
    ok: true,
    input: {
      uid: request.uid,
      target,
      apiVersion: groupVersion(request.kind),
      operation: request.operation,
      name: request.name !== '' ? request.name : metadataName(object ?? oldObject),
      namespace: request.namespace,
      object,
      oldObject,
      user: { username: request.userInfo.username, groups: request.userInfo.groups },
      dryRun: request.dryRun,
    },
  };
}

function asKubeObject(value: unknown): KubeObject | undefined | 'bad' {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'object' && !Array.isArray(value) ? (value as KubeObject) : 'bad';
}

function metadataName(object: KubeObject | undefined): string {
  return asString(getPath(object, 'metadata', 'name')) ?? '';
}
