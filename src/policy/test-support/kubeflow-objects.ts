import type { KubeObject } from '../kube-object.js';
import type { UserInfo } from '../request.js';

/**
 * The objects an unmodified Kubeflow installation creates for Profile `alice` (owner
 * `alice@example.com`) and one contributor (`bob@example.com`, edit), shaped exactly as the profile
 * controller and the access-management service (KFAM) write them.
 */

/** The profile controller's ServiceAccount (a protected manager, not exempt). */
export const PROFILES_CONTROLLER: UserInfo = {
  username: 'system:serviceaccount:kubeflow:profiles-controller-service-account',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:kubeflow', 'system:authenticated'],
};

/** KFAM's ServiceAccount (not exempt). */
export const KFAM: UserInfo = {
  username: 'system:serviceaccount:kubeflow:kfam',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:kubeflow', 'system:authenticated'],
};

/** The Profile's owner, an ordinary user. */
export const ALICE_USER: UserInfo = {
  username: 'alice@example.com',
  groups: ['system:authenticated'],
};

/** A cluster admin (exempt under the embedded default policy). */
export const CLUSTER_ADMIN: UserInfo = {
  username: 'kubernetes-admin',
  groups: ['system:masters', 'system:authenticated'],
};

export const ALICE_PROFILE: KubeObject = {
  apiVersion: 'kubeflow.org/v1',
  kind: 'Profile',
  metadata: { name: 'alice' },
  spec: { owner: { kind: 'User', name: 'alice@example.com' } },
};

export const ALICE_NAMESPACE: KubeObject = {
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: {
    name: 'alice',
    annotations: { owner: 'alice@example.com' },
    labels: {
      'istio-injection': 'enabled',
      'app.kubernetes.io/part-of': 'kubeflow-profile',
      'katib.kubeflow.org/metrics-collector-injection': 'enabled',
      'pipelines.kubeflow.org/enabled': 'true',
      'serving.kubeflow.org/inferenceservice': 'enabled',
    },
    ownerReferences: [
      {
        apiVersion: 'kubeflow.org/v1',
        kind: 'Profile',
        name: 'alice',
        uid: '6f1c2a9e-0000-4000-8000-000000000001',
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
  },
};

export const NAMESPACE_ADMIN: KubeObject = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: {
    name: 'namespaceAdmin',
    namespace: 'alice',
    annotations: { role: 'admin', user: 'alice@example.com' },
  },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kubeflow-admin' },
  subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice@example.com' }],
};

export const DEFAULT_EDITOR: KubeObject = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name: 'default-editor', namespace: 'alice' },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kubeflow-edit' },
  subjects: [{ kind: 'ServiceAccount', name: 'default-editor', namespace: 'alice' }],
};

export const DEFAULT_VIEWER: KubeObject = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name: 'default-viewer', namespace: 'alice' },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kubeflow-view' },
  subjects: [{ kind: 'ServiceAccount', name: 'default-viewer', namespace: 'alice' }],
};

export const NS_OWNER_ACCESS_ISTIO: KubeObject = {
  apiVersion: 'security.istio.io/v1beta1',
  kind: 'AuthorizationPolicy',
  metadata: {
    name: 'ns-owner-access-istio',
    namespace: 'alice',
    annotations: { role: 'admin', user: 'alice@example.com' },
  },
  spec: {
    action: 'ALLOW',
    rules: [
      {
        from: [
          {
            source: {
              principals: [
                'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account',
                'cluster.local/ns/kubeflow/sa/ml-pipeline-ui',
              ],
            },
          },
        ],
        when: [{ key: 'request.headers[kubeflow-userid]', values: ['alice@example.com'] }],
      },
      { from: [{ source: { namespaces: ['alice'] } }] },
      { to: [{ operation: { paths: ['/healthz', '/metrics', '/wait-for-drain'] } }] },
      {
        from: [
          {
            source: {
              principals: ['cluster.local/ns/kubeflow/sa/notebook-controller-service-account'],
            },
          },
        ],
        to: [{ operation: { methods: ['GET'], paths: ['*/api/kernels'] } }],
      },
    ],
  },
};

export const KFAM_BINDING: KubeObject = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: {
    name: 'user-bob-example-com-clusterrole-edit',
    namespace: 'alice',
    annotations: { role: 'edit', user: 'bob@example.com' },
  },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kubeflow-edit' },
  subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bob@example.com' }],
};

export const KFAM_AUTHORIZATION_POLICY: KubeObject = {
  apiVersion: 'security.istio.io/v1beta1',
  kind: 'AuthorizationPolicy',
  metadata: {
    name: 'user-bob-example-com-clusterrole-edit',
    namespace: 'alice',
    annotations: { role: 'edit', user: 'bob@example.com' },
  },
  spec: {
    rules: [
      {
        from: [
          {
            source: {
              principals: [
                'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account',
                'cluster.local/ns/kubeflow/sa/ml-pipeline-ui',
              ],
            },
          },
        ],
        when: [{ key: 'request.headers[kubeflow-userid]', values: ['bob@example.com'] }],
      },
    ],
  },
};

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
    label: 'RoleBinding namespaceAdmin',
    target: 'RoleBinding',
    object: NAMESPACE_ADMIN,
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
    label: 'AuthorizationPolicy ns-owner-access-istio',
    target: 'AuthorizationPolicy',
    object: NS_OWNER_ACCESS_ISTIO,
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
];
