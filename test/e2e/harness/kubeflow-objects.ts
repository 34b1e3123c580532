import type { Manifest } from './manifests.js';

/**
 * The objects an unmodified Kubeflow installation creates for a Profile, shaped exactly as the
 * profile controller and the access-management service (KFAM) create them (kubeflow/kubeflow
 * components/profile-controller and components/access-management).
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

/** KFAM's object name for a contributor: user-<e-mail with . and @ as ->-clusterrole-<role>. */
export function kfamName(user: string, role: string): string {
  return `user-${user.replace(/[@.]/g, '-')}-clusterrole-${role}`;
}

/** The Kubeflow objects of Profile `name` (uid `uid`) owned by `owner`, contributor `contributor`. */
export function kubeflowObjects(
  name: string,
  uid: string,
  owner: string,
  contributor: string,
): KubeflowObjects {
  const ingressPrincipals = [
    'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account',
    'cluster.local/ns/kubeflow/sa/ml-pipeline-ui',
  ];
  const rbac = 'rbac.authorization.k8s.io';
  return {
    namespace: {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name,
        annotations: { owner },
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
            name,
            uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
    },
    namespaceAdmin: {
      apiVersion: `${rbac}/v1`,
      kind: 'RoleBinding',
      metadata: {
        name: 'namespaceAdmin',
        namespace: name,
        annotations: { role: 'admin', user: owner },
      },
      roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: 'kubeflow-admin' },
      subjects: [{ apiGroup: rbac, kind: 'User', name: owner }],
    },
    defaultEditor: {
      apiVersion: `${rbac}/v1`,
      kind: 'RoleBinding',
      metadata: { name: 'default-editor', namespace: name },
      roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: 'kubeflow-edit' },
      subjects: [{ kind: 'ServiceAccount', name: 'default-editor', namespace: name }],
    },
    defaultViewer: {
      apiVersion: `${rbac}/v1`,
      kind: 'RoleBinding',
      metadata: { name: 'default-viewer', namespace: name },
      roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: 'kubeflow-view' },
      subjects: [{ kind: 'ServiceAccount', name: 'default-viewer', namespace: name }],
    },
    ownerAccessIstio: {
      apiVersion: 'security.istio.io/v1beta1',
      kind: 'AuthorizationPolicy',
      metadata: {
        name: 'ns-owner-access-istio',
        namespace: name,
        annotations: { role: 'admin', user: owner },
      },
      spec: {
        action: 'ALLOW',
        rules: [
          {
            from: [{ source: { principals: ingressPrincipals } }],
            when: [{ key: 'request.headers[kubeflow-userid]', values: [owner] }],
          },
          { from: [{ source: { namespaces: [name] } }] },
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
    },
    contributorBinding: {
      apiVersion: `${rbac}/v1`,
      kind: 'RoleBinding',
      metadata: {
        name: kfamName(contributor, 'edit'),
        namespace: name,
        annotations: { role: 'edit', user: contributor },
      },
      roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: 'kubeflow-edit' },
      subjects: [{ apiGroup: rbac, kind: 'User', name: contributor }],
    },
    contributorAuthorizationPolicy: {
      apiVersion: 'security.istio.io/v1beta1',
      kind: 'AuthorizationPolicy',
      metadata: {
        name: kfamName(contributor, 'edit'),
        namespace: name,
        annotations: { role: 'edit', user: contributor },
      },
      spec: {
        rules: [
          {
            from: [{ source: { principals: ingressPrincipals } }],
            when: [{ key: 'request.headers[kubeflow-userid]', values: [contributor] }],
          },
        ],
      },
    },
  };
}

/** The profile controller's identity (bound to cluster-admin in Kubeflow; not exempt). */
export const PROFILE_CONTROLLER = {
  user: 'system:serviceaccount:kubeflow:profiles-controller-service-account',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:kubeflow', 'system:authenticated'],
} as const;
