import type { KubeObject } from '../kube-object.js';
import type { UserInfo } from '../request.js';
import {
  AMBIENT_CONTROLLER,
  KUBEFLOW_ADMIN_USER,
  PROFILES_CONTROLLER_SA,
  SIDECAR_CONTROLLER,
  apiServerDefaults,
  kfamAuthorizationPolicy,
  kfamRoleBinding,
  manifestProfile,
  namespaceAdminBinding,
  ownerAccessPolicy,
  profileNamespace,
  serviceAccountBinding,
  waypointL4Policy,
  type ProfileIdentity,
} from './kubeflow-upstream.js';

/**
 * The objects an unmodified Kubeflow installation creates for Profile `alice` (owner
 * `alice@example.com`, sidecar mode) with one contributor (`bob@example.com`, edit), and for
 * Profile `carol` in Istio ambient mode, as admission sees them: written by the profile
 * controller and KFAM (kubeflow-upstream.ts says where upstream writes each, and how), after the
 * API server's defaulting. kubeflow-writes.ts has every write over a Profile's life.
 */

/**
 * The profile controller's ServiceAccount (a protected manager, not exempt). KFAM runs in the
 * same Pod under the same ServiceAccount.
 */
export const PROFILES_CONTROLLER: UserInfo = PROFILES_CONTROLLER_SA;

/** KFAM's identity: the profile controller's ServiceAccount (upstream's Deployment). */
export const KFAM: UserInfo = PROFILES_CONTROLLER_SA;

/** The Profile's owner, an ordinary user. */
export const ALICE_USER: UserInfo = {
  username: 'alice@example.com',
  groups: ['system:authenticated'],
};

/** A cluster admin (exempt under the embedded default policy). */
export const CLUSTER_ADMIN: UserInfo = KUBEFLOW_ADMIN_USER;

const ALICE: ProfileIdentity = {
  name: 'alice',
  owner: 'alice@example.com',
  uid: '6f1c2a9e-0000-4000-8000-000000000001',
};
const CAROL: ProfileIdentity = {
  name: 'carol',
  owner: 'carol@example.com',
  uid: '6f1c2a9e-0000-4000-8000-000000000002',
};

export const ALICE_PROFILE: KubeObject = manifestProfile('alice', 'alice@example.com');

export const ALICE_NAMESPACE: KubeObject = apiServerDefaults(
  profileNamespace(SIDECAR_CONTROLLER, ALICE),
);

export const NAMESPACE_ADMIN: KubeObject = apiServerDefaults(namespaceAdminBinding(ALICE));

export const DEFAULT_EDITOR: KubeObject = apiServerDefaults(
  serviceAccountBinding(ALICE, 'default-editor'),
);

export const DEFAULT_VIEWER: KubeObject = apiServerDefaults(
  serviceAccountBinding(ALICE, 'default-viewer'),
);

/** Sidecar mode: its second rule admits the namespace through `when: source.namespace`. */
export const NS_OWNER_ACCESS_ISTIO: KubeObject = apiServerDefaults(
  ownerAccessPolicy(SIDECAR_CONTROLLER, ALICE),
);

export const KFAM_BINDING: KubeObject = apiServerDefaults(
  kfamRoleBinding('bob@example.com', 'edit'),
  'alice',
);

export const KFAM_AUTHORIZATION_POLICY: KubeObject = apiServerDefaults(
  kfamAuthorizationPolicy('alice', 'bob@example.com', 'edit'),
);

export const CAROL_PROFILE: KubeObject = manifestProfile('carol', 'carol@example.com');

/** Ambient mode: `istio-injection: disabled` and the ambient and waypoint labels. */
export const CAROL_AMBIENT_NAMESPACE: KubeObject = apiServerDefaults(
  profileNamespace(AMBIENT_CONTROLLER, CAROL),
);

/** Ambient mode (pull request #267): the katib-controller rule and `targetRefs` to the waypoint. */
export const CAROL_NS_OWNER_ACCESS_ISTIO: KubeObject = apiServerDefaults(
  ownerAccessPolicy(AMBIENT_CONTROLLER, CAROL),
);

/** Ambient mode: the policy admitting the namespace's waypoint. */
export const CAROL_WAYPOINT_L4_ACCESS: KubeObject = apiServerDefaults(
  waypointL4Policy(AMBIENT_CONTROLLER, CAROL),
);

/** One Kubeflow object with the target kind it is admitted as and the caller that writes it. */
export interface KubeflowObject {
  readonly label: string;
  readonly target: 'Profile' | 'Namespace' | 'RoleBinding' | 'AuthorizationPolicy';
  readonly object: KubeObject;
  readonly user: UserInfo;
}

/** Every object, in the order Kubeflow creates them, with its writer. */
export const KUBEFLOW_OBJECTS: readonly KubeflowObject[] = [
  { label: 'Profile alice', target: 'Profile', object: ALICE_PROFILE, user: ALICE_USER },
  {
    label: 'Namespace alice',
    target: 'Namespace',
    object: ALICE_NAMESPACE,
    user: PROFILES_CONTROLLER,
  },
  {
    label: 'AuthorizationPolicy ns-owner-access-istio',
    target: 'AuthorizationPolicy',
    object: NS_OWNER_ACCESS_ISTIO,
    user: PROFILES_CONTROLLER,
  },
  {
    label: 'RoleBinding default-editor',
    target: 'RoleBinding',
    object: DEFAULT_EDITOR,
    user: PROFILES_CONTROLLER,
  },
  {
    label: 'RoleBinding default-viewer',
    target: 'RoleBinding',
    object: DEFAULT_VIEWER,
    user: PROFILES_CONTROLLER,
  },
  {
    label: 'RoleBinding namespaceAdmin',
    target: 'RoleBinding',
    object: NAMESPACE_ADMIN,
    user: PROFILES_CONTROLLER,
  },
  {
    label: 'KFAM RoleBinding (bob, edit)',
    target: 'RoleBinding',
    object: KFAM_BINDING,
    user: KFAM,
  },
  {
    label: 'KFAM AuthorizationPolicy (bob, edit)',
    target: 'AuthorizationPolicy',
    object: KFAM_AUTHORIZATION_POLICY,
    user: KFAM,
  },
  {
    label: 'Profile carol (ambient)',
    target: 'Profile',
    object: CAROL_PROFILE,
    user: { username: 'carol@example.com', groups: ['system:authenticated'] },
  },
  {
    label: 'Namespace carol (ambient)',
    target: 'Namespace',
    object: CAROL_AMBIENT_NAMESPACE,
    user: PROFILES_CONTROLLER,
  },
  {
    label: 'AuthorizationPolicy carol/ns-owner-access-istio (ambient)',
    target: 'AuthorizationPolicy',
    object: CAROL_NS_OWNER_ACCESS_ISTIO,
    user: PROFILES_CONTROLLER,
  },
  {
    label: 'AuthorizationPolicy carol/waypoint-l4-access (ambient)',
    target: 'AuthorizationPolicy',
    object: CAROL_WAYPOINT_L4_ACCESS,
    user: PROFILES_CONTROLLER,
  },
];
