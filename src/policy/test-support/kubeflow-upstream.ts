import type { KubeObject } from '../kube-object.js';
import type { UserInfo } from '../request.js';

/*
 * The objects Kubeflow's profile controller and access-management service (KFAM) write, shaped as
 * their source writes them. Sources (kubeflow/dashboard):
 * - `main` at d84246482d865a2bbd7e782ccafa6cd842bf6999 (sidecar mode, the only mode of `main`):
 *   components/profile-controller/controllers/profile_controller.go,
 *   components/profile-controller/controllers/plugin_workload_identity.go, plugin_iam.go,
 *   components/profile-controller/main.go, components/access-management/kfam/bindings.go,
 *   api_default.go, profiles.go, routers.go, and the kustomize manifests under
 *   components/profile-controller/manifests/kustomize/.
 * - pull request #267 at 5a878ec9fcf4318466aa87759a3500fd20947bcd ("Add ambient mode support to
 *   profile-controller", not merged into `main` at the commit above): the same files with
 *   `-service-mesh-mode istio-ambient` (setNamespaceLabelsAndServiceMesh, createWaypoint,
 *   updateL4AuthorizationPolicy, getAuthorizationPolicy's katib-controller rule and targetRefs)
 *   and overlays/kubeflow-ambient/.
 *
 * Shapes are the JSON the writer sends, which is what matters here:
 * - Go's encoding/json keeps struct fields without `omitempty` (`metadata.creationTimestamp: null`,
 *   `spec.resourceQuotaSpec: {}`, `status: {}`), and drops nil maps and slices.
 * - Istio specs go through golang/protobuf jsonpb with EmitDefaults off
 *   (istio.io/api security/v1beta1 authorization_policy_json.gen.go), so `action: ALLOW`, the
 *   enum's zero value, is never sent: the controller's policies carry no `action` field at all.
 *   istio.io/client-go's AuthorizationPolicy has a non-omitempty `status`, sent as `{}`.
 * - The API server's defaulting (before admission) fills in what a writer leaves out; see
 *   {@link apiServerDefaults}.
 */

/**
 * The profile controller's identity. Upstream runs the controller (and KFAM, a second container
 * of the same Deployment: manifests/kustomize/components/kfam/manager_kfam_patch.yaml) as
 * `serviceAccountName: profiles-controller-service-account` (base/manager/manager.yaml) in
 * namespace `kubeflow` (overlays/kubeflow), bound to `cluster-admin`
 * (base/manager/role_binding.yaml). A ServiceAccount token authenticates with these groups.
 */
export const PROFILES_CONTROLLER_SA: UserInfo = {
  username: 'system:serviceaccount:kubeflow:profiles-controller-service-account',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:kubeflow', 'system:authenticated'],
};

/** kube-controller-manager's garbage collector (with --use-service-account-credentials). */
export const GARBAGE_COLLECTOR_SA: UserInfo = {
  username: 'system:serviceaccount:kube-system:generic-garbage-collector',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
};

/** kube-controller-manager's namespace controller (with --use-service-account-credentials). */
export const NAMESPACE_CONTROLLER_SA: UserInfo = {
  username: 'system:serviceaccount:kube-system:namespace-controller',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
};

/**
 * kube-controller-manager without --use-service-account-credentials: every controller, the garbage
 * collector and the namespace controller included, authenticates as this user (the CN of its client
 * certificate, which names no organisation, so the API server adds only system:authenticated).
 */
export const KUBE_CONTROLLER_MANAGER_USER: UserInfo = {
  username: 'system:kube-controller-manager',
  groups: ['system:authenticated'],
};

/** A cluster admin (exempt under the embedded default policy). */
export const KUBEFLOW_ADMIN_USER: UserInfo = {
  username: 'kubernetes-admin',
  groups: ['system:masters', 'system:authenticated'],
};

const RBAC = 'rbac.authorization.k8s.io';
/** The principals of profile_controller.go getAuthorizationPolicy (GetEnvDefault defaults, and
 * the values of overlays/kubeflow/params.env). */
export const INGRESS_GATEWAY_PRINCIPAL =
  'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';
export const KFP_UI_PRINCIPAL = 'cluster.local/ns/kubeflow/sa/ml-pipeline-ui';
export const NOTEBOOK_CONTROLLER_PRINCIPAL =
  'cluster.local/ns/kubeflow/sa/notebook-controller-service-account';
/** Pull request #267 only (KATIB_CONTROLLER_PRINCIPAL). */
export const KATIB_CONTROLLER_PRINCIPAL = 'cluster.local/ns/kubeflow/sa/katib-controller';

/**
 * manifests/kustomize/overlays/kubeflow/namespace-labels-kubeflow.yaml (also
 * overlays/kubeflow-ambient/namespace-labels.yaml of pull request #267): the labels the controller
 * adds to every profile namespace (`-namespace-labels-path`, read by readDefaultLabelsFromFile).
 * An existing key is never overwritten; an empty value removes the key (setNamespaceLabels).
 */
export const KUBEFLOW_NAMESPACE_LABELS: Readonly<Record<string, string>> = {
  'app.kubernetes.io/part-of': 'kubeflow-profile',
  'katib.kubeflow.org/metrics-collector-injection': 'enabled',
  'pipelines.kubeflow.org/enabled': 'true',
  'serving.kubeflow.org/inferenceservice': 'enabled',
};

/** overlays/kubeflow-pss/namespace-labels-kubeflow-pss.yaml: the kubeflow labels plus this one. */
export const PSS_NAMESPACE_LABELS: Readonly<Record<string, string>> = {
  ...KUBEFLOW_NAMESPACE_LABELS,
  'pod-security.kubernetes.io/enforce': 'baseline',
};

/** How the controller runs: which source, which flags. */
export interface ControllerConfig {
  /**
   * `main`: sidecar mode only. `pr267`: pull request #267, in the mode `serviceMeshMode` names.
   */
  readonly source: 'main' | 'pr267';
  /** `-service-mesh-mode` (pull request #267; `istio-sidecar` by default). */
  readonly serviceMeshMode: 'istio-sidecar' | 'istio-ambient';
  /** `-userid-header` (USERID_HEADER=kubeflow-userid in params.env). */
  readonly userIdHeader: string;
  /** `-userid-prefix` (USERID_PREFIX= empty in params.env; main.go's default is not used). */
  readonly userIdPrefix: string;
  /** `-workload-identity`: a GCP service account added as the default WorkloadIdentity plugin. */
  readonly workloadIdentity: string;
  /** `-waypoint-name` (WAYPOINT_NAME=waypoint) and `-waypoint-namespace` (empty: the profile's). */
  readonly waypointName: string;
  readonly waypointNamespace: string;
  /** `-create-waypoint` (CREATE_WAYPOINT=true in overlays/kubeflow-ambient/params.env). */
  readonly createWaypoint: boolean;
  /** The namespace-labels.yaml the controller reads. */
  readonly namespaceLabels: Readonly<Record<string, string>>;
}

/** The kubeflow overlay of `main`: sidecar mode. */
export const SIDECAR_CONTROLLER: ControllerConfig = {
  source: 'main',
  serviceMeshMode: 'istio-sidecar',
  userIdHeader: 'kubeflow-userid',
  userIdPrefix: '',
  workloadIdentity: '',
  waypointName: 'waypoint',
  waypointNamespace: '',
  createWaypoint: false,
  namespaceLabels: KUBEFLOW_NAMESPACE_LABELS,
};

/** The kubeflow-ambient overlay of pull request #267. */
export const AMBIENT_CONTROLLER: ControllerConfig = {
  ...SIDECAR_CONTROLLER,
  source: 'pr267',
  serviceMeshMode: 'istio-ambient',
  createWaypoint: true,
};

/** One Profile as the writes below need it: its name (= namespace), owner and uid. */
export interface ProfileIdentity {
  readonly name: string;
  readonly owner: string;
  /** `metadata.uid` of the stored Profile (the API server assigns it). */
  readonly uid: string;
}

/** `controllerutil.SetControllerReference(profile, obj)`: the Profile as controlling owner. */
export function controllerReference(profile: ProfileIdentity): Record<string, unknown> {
  return {
    apiVersion: 'kubeflow.org/v1',
    kind: 'Profile',
    name: profile.name,
    uid: profile.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * A Profile as the central dashboard's registration flow asks KFAM to create it
 * (components/centraldashboard/app/api_workgroup.ts `.post('/create')`), sent by KFAM
 * (access-management kfam/api_default.go CreateProfile -> profiles.go ProfileClient.Create) as
 * `kubeflow.org/v1beta1`: the Go struct's non-omitempty `resourceQuotaSpec` and `status` are sent
 * empty.
 */
export function kfamProfile(name: string, owner: string): KubeObject {
  return {
    kind: 'Profile',
    apiVersion: 'kubeflow.org/v1beta1',
    metadata: { name, creationTimestamp: null },
    spec: { owner: { kind: 'User', name: owner }, resourceQuotaSpec: {} },
    status: {},
  };
}

/** A Profile as an admin (or GitOps) applies it, `kubeflow.org/v1`. */
export function manifestProfile(
  name: string,
  owner: string,
  spec: Record<string, unknown> = {},
): KubeObject {
  return {
    apiVersion: 'kubeflow.org/v1',
    kind: 'Profile',
    metadata: { name },
    spec: { owner: { kind: 'User', name: owner }, ...spec },
  };
}

/**
 * The labels the controller puts on a profile namespace it creates (`existing` undefined) or
 * finds (`existing`: its labels). `main` (Reconcile): `istio-injection: enabled` on a new one,
 * then the namespace-labels file (existing keys kept, empty values removing keys). Pull request
 * #267 (setNamespaceLabelsAndServiceMesh): the file first, then, in ambient mode,
 * `istio-injection: disabled`, `istio.io/dataplane-mode: ambient`, `istio.io/use-waypoint`,
 * `istio.io/use-waypoint-namespace` (the profile's namespace when -waypoint-namespace is empty) and
 * `istio.io/ingress-use-waypoint: "true"`, overwriting; in sidecar mode `istio-injection: enabled`
 * (overwriting) and the ambient labels removed.
 */
export function namespaceLabelsFor(
  config: ControllerConfig,
  profile: ProfileIdentity,
  existing?: Readonly<Record<string, string>>,
): Record<string, string> {
  const labels = new Map(Object.entries(existing ?? {}));
  // main sets it only on a namespace it creates (the labels literal of Reconcile).
  if (config.source === 'main' && existing === undefined) labels.set('istio-injection', 'enabled');
  // setNamespaceLabels: add missing keys, remove keys whose configured value is empty.
  for (const [key, value] of Object.entries(config.namespaceLabels)) {
    if (value === '') labels.delete(key);
    else if (!labels.has(key)) labels.set(key, value);
  }
  if (config.source === 'pr267') {
    if (config.serviceMeshMode === 'istio-ambient') {
      labels.set('istio-injection', 'disabled');
      labels.set('istio.io/dataplane-mode', 'ambient');
      labels.set('istio.io/use-waypoint', config.waypointName);
      labels.set('istio.io/use-waypoint-namespace', waypointNamespaceOf(config, profile));
      labels.set('istio.io/ingress-use-waypoint', 'true');
    } else {
      labels.set('istio-injection', 'enabled');
      for (const key of AMBIENT_NAMESPACE_LABELS) labels.delete(key);
    }
  }
  return Object.fromEntries(labels);
}

const AMBIENT_NAMESPACE_LABELS = [
  'istio.io/dataplane-mode',
  'istio.io/use-waypoint',
  'istio.io/use-waypoint-namespace',
  'istio.io/ingress-use-waypoint',
];

function waypointNamespaceOf(config: ControllerConfig, profile: ProfileIdentity): string {
  return config.waypointNamespace === '' ? profile.name : config.waypointNamespace;
}

/** Reconcile: the Namespace the controller creates for a Profile (owner annotation, labels). */
export function profileNamespace(config: ControllerConfig, profile: ProfileIdentity): KubeObject {
  return {
    metadata: {
      name: profile.name,
      creationTimestamp: null,
      labels: namespaceLabelsFor(config, profile),
      annotations: { owner: profile.owner },
      ownerReferences: [controllerReference(profile)],
    },
    spec: {},
    status: {},
    apiVersion: 'v1',
    kind: 'Namespace',
  };
}

/**
 * getAuthorizationPolicy: the spec of `ns-owner-access-istio`. Rule 1 admits the owner through the
 * ingress gateway and the pipelines UI (a `kubeflow-userid` header condition), rule 2 the
 * namespace's own workloads as a `when` condition on `source.namespace` (no `from`), rule 3 the
 * Knative probe paths from anywhere, and the last the notebook controller's GET of
 * `*\/api/kernels`. Pull request #267 adds a rule admitting the katib controller, and in ambient
 * mode `targetRefs` to the namespace's waypoint Gateway. No `action` (ALLOW is jsonpb's default).
 */
export function ownerAccessSpec(
  config: ControllerConfig,
  profile: ProfileIdentity,
): Record<string, unknown> {
  const rules: Record<string, unknown>[] = [
    {
      from: [{ source: { principals: [INGRESS_GATEWAY_PRINCIPAL, KFP_UI_PRINCIPAL] } }],
      when: [
        {
          key: `request.headers[${config.userIdHeader}]`,
          values: [`${config.userIdPrefix}${profile.owner}`],
        },
      ],
    },
    { when: [{ key: 'source.namespace', values: [profile.name] }] },
    { to: [{ operation: { paths: ['/healthz', '/metrics', '/wait-for-drain'] } }] },
  ];
  if (config.source === 'pr267') {
    rules.push({ from: [{ source: { principals: [KATIB_CONTROLLER_PRINCIPAL] } }] });
  }
  rules.push({
    from: [{ source: { principals: [NOTEBOOK_CONTROLLER_PRINCIPAL] } }],
    to: [{ operation: { methods: ['GET'], paths: ['*/api/kernels'] } }],
  });
  const spec: Record<string, unknown> = { rules };
  if (config.source === 'pr267' && config.serviceMeshMode === 'istio-ambient') {
    spec.targetRefs = [
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: config.waypointName },
    ];
  }
  return spec;
}

/** updateIstioAuthorizationPolicy: `ns-owner-access-istio` (annotations for KFAM's listing). */
export function ownerAccessPolicy(config: ControllerConfig, profile: ProfileIdentity): KubeObject {
  return {
    kind: 'AuthorizationPolicy',
    apiVersion: 'security.istio.io/v1beta1',
    metadata: {
      name: 'ns-owner-access-istio',
      namespace: profile.name,
      creationTimestamp: null,
      annotations: { role: 'admin', user: profile.owner },
      ownerReferences: [controllerReference(profile)],
    },
    spec: ownerAccessSpec(config, profile),
    status: {},
  };
}

/**
 * updateL4AuthorizationPolicy (pull request #267, ambient mode): `waypoint-l4-access` admits the
 * waypoint's own identity, `cluster.local/ns/<waypoint namespace>/sa/<waypoint name>`. No
 * annotations; `action: ALLOW` is again not sent.
 */
export function waypointL4Policy(config: ControllerConfig, profile: ProfileIdentity): KubeObject {
  return {
    kind: 'AuthorizationPolicy',
    apiVersion: 'security.istio.io/v1beta1',
    metadata: {
      name: 'waypoint-l4-access',
      namespace: profile.name,
      creationTimestamp: null,
      ownerReferences: [controllerReference(profile)],
    },
    spec: {
      rules: [
        {
          from: [
            {
              source: {
                principals: [
                  `cluster.local/ns/${waypointNamespaceOf(config, profile)}/sa/${config.waypointName}`,
                ],
              },
            },
          ],
        },
      ],
    },
    status: {},
  };
}

/**
 * createWaypoint (pull request #267, ambient mode with -create-waypoint): a Gateway API Gateway of
 * class `istio-waypoint` (no webhook of profile-guard sees it; listed because it is a write).
 */
export function waypointGateway(config: ControllerConfig, profile: ProfileIdentity): KubeObject {
  const namespace = waypointNamespaceOf(config, profile);
  return {
    kind: 'Gateway',
    apiVersion: 'gateway.networking.k8s.io/v1beta1',
    metadata: {
      name: config.waypointName,
      namespace,
      creationTimestamp: null,
      labels: { 'gateway.istio.io/managed': 'Istio' },
      // Only set when the waypoint lives in the profile's own namespace.
      ...(namespace === profile.name ? { ownerReferences: [controllerReference(profile)] } : {}),
    },
    spec: {
      gatewayClassName: 'istio-waypoint',
      listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }],
    },
    status: {},
  };
}

/** updateServiceAccount: the ServiceAccount `default-editor` or `default-viewer`. */
export function profileServiceAccount(profile: ProfileIdentity, name: string): KubeObject {
  return {
    kind: 'ServiceAccount',
    apiVersion: 'v1',
    metadata: {
      name,
      namespace: profile.name,
      creationTimestamp: null,
      ownerReferences: [controllerReference(profile)],
    },
  };
}

/**
 * updateServiceAccount -> updateRoleBinding: RoleBinding `default-editor` (kubeflow-edit) or
 * `default-viewer` (kubeflow-view) for the ServiceAccount of the same name. No annotations.
 */
export function serviceAccountBinding(
  profile: ProfileIdentity,
  name: 'default-editor' | 'default-viewer',
): KubeObject {
  return {
    kind: 'RoleBinding',
    apiVersion: `${RBAC}/v1`,
    metadata: {
      name,
      namespace: profile.name,
      creationTimestamp: null,
      ownerReferences: [controllerReference(profile)],
    },
    subjects: [{ kind: 'ServiceAccount', name, namespace: profile.name }],
    roleRef: {
      apiGroup: RBAC,
      kind: 'ClusterRole',
      name: name === 'default-editor' ? 'kubeflow-edit' : 'kubeflow-view',
    },
  };
}

/**
 * Reconcile -> updateRoleBinding: RoleBinding `namespaceAdmin` (kubeflow-admin) whose subject is
 * the Profile's `spec.owner` exactly as stored. A Profile's owner normally has no `apiGroup` (the
 * CRD does not default it), the API server then fills it in on the RoleBinding, and the stored
 * subjects never equal the desired ones: the controller sends this Update on every reconcile.
 */
export function namespaceAdminBinding(
  profile: ProfileIdentity,
  owner: Record<string, unknown> = { kind: 'User', name: profile.owner },
): KubeObject {
  return {
    kind: 'RoleBinding',
    apiVersion: `${RBAC}/v1`,
    metadata: {
      name: 'namespaceAdmin',
      namespace: profile.name,
      creationTimestamp: null,
      annotations: { role: 'admin', user: profile.owner },
      ownerReferences: [controllerReference(profile)],
    },
    subjects: [owner],
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'kubeflow-admin' },
  };
}

/**
 * Reconcile -> updateResourceQuota: ResourceQuota `kf-resource-quota` with the Profile's
 * `spec.resourceQuotaSpec` (created only when `hard` is non-empty; deleted when it becomes empty).
 */
export function profileResourceQuota(
  profile: ProfileIdentity,
  resourceQuotaSpec: unknown,
): KubeObject {
  return {
    kind: 'ResourceQuota',
    apiVersion: 'v1',
    metadata: {
      name: 'kf-resource-quota',
      namespace: profile.name,
      creationTimestamp: null,
      ownerReferences: [controllerReference(profile)],
    },
    spec: resourceQuotaSpec,
    status: {},
  };
}

/** KFAM's role names (bindings.go roleBindingNameMap): dashboard role -> ClusterRole. */
export const KFAM_ROLES = { admin: 'kubeflow-admin', edit: 'kubeflow-edit', view: 'kubeflow-view' };

/**
 * bindings.go getBindingName: `<user kind>-<user name>-<roleRef kind>-<role>` lower-cased, every
 * run of characters other than ASCII letters and digits becoming one `-` (the user name is
 * sanitised the same way first). `bob@example.com`, edit -> `user-bob-example-com-clusterrole-edit`.
 */
export function kfamBindingName(user: string, role: keyof typeof KFAM_ROLES): string {
  const sanitize = (text: string): string => text.replace(/[^a-zA-Z0-9]+/g, '-');
  return sanitize(['User', sanitize(user), 'ClusterRole', role].join('-').toLowerCase());
}

/**
 * bindings.go BindingClient.Create, first write: the contributor's RoleBinding, as sent for the
 * dashboard's binding `{user: {kind: User, name}, referredNamespace, roleRef: {kind: ClusterRole,
 * name: edit|view}}` (api_workgroup.ts mapSimpleBindingToWorkgroupBinding): `roleRef.apiGroup`
 * is sent empty and the subject has no `apiGroup` (the API server defaults both). No owner
 * reference: nothing garbage-collects it but the namespace's deletion.
 */
export function kfamRoleBinding(user: string, role: keyof typeof KFAM_ROLES): KubeObject {
  // The typed clientset posts to .../namespaces/<namespace>/rolebindings; the body names none.
  return {
    kind: 'RoleBinding',
    apiVersion: `${RBAC}/v1`,
    metadata: {
      name: kfamBindingName(user, role),
      creationTimestamp: null,
      annotations: { role, user },
    },
    subjects: [{ kind: 'User', name: user }],
    roleRef: { apiGroup: '', kind: 'ClusterRole', name: KFAM_ROLES[role] },
  };
}

/**
 * bindings.go BindingClient.Create, second write (getAuthorizationPolicy of KFAM): the
 * contributor's AuthorizationPolicy, same name, posted as `security.istio.io/v1beta1`. One rule:
 * the ingress gateway and pipelines UI principals with the contributor's `kubeflow-userid`.
 */
export function kfamAuthorizationPolicy(
  namespace: string,
  user: string,
  role: keyof typeof KFAM_ROLES,
  config: Pick<ControllerConfig, 'userIdHeader' | 'userIdPrefix'> = SIDECAR_CONTROLLER,
): KubeObject {
  return {
    kind: 'AuthorizationPolicy',
    apiVersion: 'security.istio.io/v1beta1',
    metadata: {
      name: kfamBindingName(user, role),
      namespace,
      creationTimestamp: null,
      annotations: { role, user },
    },
    spec: {
      rules: [
        {
          from: [{ source: { principals: [INGRESS_GATEWAY_PRINCIPAL, KFP_UI_PRINCIPAL] } }],
          when: [
            {
              key: `request.headers[${config.userIdHeader}]`,
              values: [`${config.userIdPrefix}${user}`],
            },
          ],
        },
      ],
    },
    status: {},
  };
}

/**
 * What the API server does to a written body before the mutating webhooks see it: the request
 * URL's namespace (`urlNamespace`) goes into `metadata.namespace`; decoding drops a null
 * `metadata.creationTimestamp`; RBAC v1 defaulting (k8s.io/kubernetes pkg/apis/rbac/v1/defaults.go)
 * fills `roleRef.apiGroup` and a User or Group subject's `apiGroup` with
 * `rbac.authorization.k8s.io`; core v1 defaulting gives a Namespace the
 * `kubernetes.io/metadata.name` label and `status.phase: Active` (its `spec.finalizers` come later,
 * from the strategy, between the mutating and the validating webhooks). Returns a new object.
 */
export function apiServerDefaults(body: KubeObject, urlNamespace?: string): KubeObject {
  const object = structuredClone(body);
  if (object.metadata !== undefined) {
    const { creationTimestamp, ...metadata } = object.metadata;
    object.metadata = creationTimestamp === null ? metadata : object.metadata;
  }
  if (urlNamespace !== undefined) object.metadata = { ...object.metadata, namespace: urlNamespace };
  if (object.kind === 'RoleBinding' || object.kind === 'ClusterRoleBinding') {
    const roleRef = object.roleRef as Record<string, unknown> | undefined;
    if (roleRef !== undefined && (roleRef.apiGroup ?? '') === '') roleRef.apiGroup = RBAC;
    const subjects = Array.isArray(object.subjects) ? (object.subjects as unknown[]) : [];
    for (const subject of subjects) {
      const entry = subject as Record<string, unknown>;
      if ((entry.apiGroup ?? '') === '' && (entry.kind === 'User' || entry.kind === 'Group')) {
        entry.apiGroup = RBAC;
      }
    }
  }
  if (object.kind === 'Namespace') {
    const name = object.metadata?.name;
    const labels = (object.metadata?.labels ?? {}) as Record<string, unknown>;
    if (typeof name === 'string') {
      object.metadata = {
        ...object.metadata,
        labels: { ...labels, 'kubernetes.io/metadata.name': name },
      };
    }
    const status = (object.status ?? {}) as Record<string, unknown>;
    object.status = { ...status, phase: status.phase ?? 'Active' };
  }
  return object;
}
