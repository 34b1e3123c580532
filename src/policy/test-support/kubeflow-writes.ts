import type { KubeObject } from '../kube-object.js';
import type { UserInfo } from '../request.js';
import {
  AMBIENT_CONTROLLER,
  GARBAGE_COLLECTOR_SA,
  KUBEFLOW_ADMIN_USER,
  NAMESPACE_CONTROLLER_SA,
  PROFILES_CONTROLLER_SA,
  PSS_NAMESPACE_LABELS,
  SIDECAR_CONTROLLER,
  kfamAuthorizationPolicy,
  kfamBindingName,
  kfamProfile,
  kfamRoleBinding,
  manifestProfile,
  namespaceAdminBinding,
  namespaceLabelsFor,
  ownerAccessPolicy,
  ownerAccessSpec,
  profileNamespace,
  profileResourceQuota,
  profileServiceAccount,
  serviceAccountBinding,
  waypointGateway,
  waypointL4Policy,
  type ControllerConfig,
  type KFAM_ROLES,
  type ProfileIdentity,
} from './kubeflow-upstream.js';

/*
 * Every write the profile controller and KFAM make over a Profile's life, in order, as sequences
 * that a test replays against a store (unit: the webhook's handlers behind a simulated API server;
 * e2e: a real API server). Each write names who makes it, the verb, the object, and where upstream
 * makes it (file and function, see kubeflow-upstream.ts for the commits). An update is a function
 * of the stored object, because what the controller sends back is what it read (after the webhook's
 * own mutations) with its change applied.
 */

/** Who makes a write; {@link KUBEFLOW_ACTORS} maps each to the identity the API server sees. */
export type KubeflowActor =
  'controller' | 'kfam' | 'admin' | 'garbage-collector' | 'namespace-controller';

/**
 * The identities. KFAM is the same ServiceAccount as the controller (one Deployment, two
 * containers). The garbage collector and namespace controller are kube-controller-manager's, as
 * they authenticate with --use-service-account-credentials (kubeadm's default).
 */
export const KUBEFLOW_ACTORS: Readonly<Record<KubeflowActor, UserInfo>> = {
  controller: PROFILES_CONTROLLER_SA,
  kfam: PROFILES_CONTROLLER_SA,
  admin: KUBEFLOW_ADMIN_USER,
  'garbage-collector': GARBAGE_COLLECTOR_SA,
  'namespace-controller': NAMESPACE_CONTROLLER_SA,
};

/** Which object a write addresses, as the writer's request URL does. */
export interface ObjectRef {
  /** `group/version` (or `v1`) the writer uses. */
  readonly apiVersion: string;
  readonly kind: string;
  /** The resource (plural) of the URL. */
  readonly resource: string;
  /** Absent for cluster-scoped objects. */
  readonly namespace?: string;
  readonly name: string;
}

/**
 * Reads a stored object (as the writer's cache or GET would), undefined when it does not exist.
 * Its `apiVersion` is the one asked for.
 */
export type StoredObjectReader = (ref: ObjectRef) => KubeObject | undefined;

interface WriteBase {
  /** Unique within its sequence, e.g. `controller creates RoleBinding alice/namespaceAdmin`. */
  readonly label: string;
  readonly actor: KubeflowActor;
  readonly ref: ObjectRef;
  /** Upstream file and function that make the write. */
  readonly source: string;
}

/** A POST of `body(read)`. */
export interface CreateWrite extends WriteBase {
  readonly verb: 'create';
  readonly body: (read: StoredObjectReader) => KubeObject;
}

/** A PUT of `change(stored)`: the whole object as read, changed. */
export interface UpdateWrite extends WriteBase {
  readonly verb: 'update';
  readonly change: (stored: KubeObject, read: StoredObjectReader) => KubeObject;
}

/** A DELETE (the API server marks an object with finalizers instead of removing it). */
export interface DeleteWrite extends WriteBase {
  readonly verb: 'delete';
}

/** One write. */
export type KubeflowWrite = CreateWrite | UpdateWrite | DeleteWrite;

/** Writes that belong together (one reconcile, one KFAM call), in order. */
export interface KubeflowPhase {
  readonly name: string;
  readonly writes: readonly KubeflowWrite[];
}

/** A Profile's life as a list of phases. */
export interface KubeflowSequence {
  readonly name: string;
  /** The Profile (= namespace) the sequence is about. */
  readonly profile: string;
  readonly phases: readonly KubeflowPhase[];
}

const profileRef = (name: string, version = 'v1'): ObjectRef => ({
  apiVersion: `kubeflow.org/${version}`,
  kind: 'Profile',
  resource: 'profiles',
  name,
});
const namespaceRef = (name: string): ObjectRef => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  resource: 'namespaces',
  name,
});
const roleBindingRef = (namespace: string, name: string): ObjectRef => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  resource: 'rolebindings',
  namespace,
  name,
});
const authorizationPolicyRef = (namespace: string, name: string): ObjectRef => ({
  apiVersion: 'security.istio.io/v1beta1',
  kind: 'AuthorizationPolicy',
  resource: 'authorizationpolicies',
  namespace,
  name,
});
const serviceAccountRef = (namespace: string, name: string): ObjectRef => ({
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  resource: 'serviceaccounts',
  namespace,
  name,
});
const resourceQuotaRef = (namespace: string): ObjectRef => ({
  apiVersion: 'v1',
  kind: 'ResourceQuota',
  resource: 'resourcequotas',
  namespace,
  name: 'kf-resource-quota',
});
const gatewayRef = (namespace: string, name: string): ObjectRef => ({
  apiVersion: 'gateway.networking.k8s.io/v1beta1',
  kind: 'Gateway',
  resource: 'gateways',
  namespace,
  name,
});

/** `kind namespace/name` (or `kind name`) for labels. */
export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace === undefined ? '' : `${ref.namespace}/`}${ref.name}`;
}

const PC = 'profile-controller/controllers/profile_controller.go';
const KFAM_BINDINGS = 'access-management/kfam/bindings.go';
const KFAM_API = 'access-management/kfam/api_default.go';

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** The stored Profile's name, owner and uid (what SetControllerReference and the specs read). */
function storedProfile(read: StoredObjectReader, name: string): ProfileIdentity {
  const stored = read(profileRef(name));
  if (stored === undefined) throw new Error(`Profile ${name} is not stored`);
  const owner = record(record(stored.spec).owner);
  const uid = record(stored.metadata).uid;
  return {
    name,
    owner: typeof owner.name === 'string' ? owner.name : '',
    uid: typeof uid === 'string' ? uid : '',
  };
}

/**
 * A Profile as the controller sends it back (encoding/json of profilev1.Profile): `status` and
 * `spec.resourceQuotaSpec` are structs without omitempty, so they are present even when empty.
 */
function asControllerSendsProfile(stored: KubeObject): KubeObject {
  const object = structuredClone(stored);
  const spec = record(object.spec);
  object.spec = { ...spec, resourceQuotaSpec: spec.resourceQuotaSpec ?? {} };
  object.status ??= {};
  return object;
}

function create(
  label: string,
  actor: KubeflowActor,
  ref: ObjectRef,
  source: string,
  body: (read: StoredObjectReader) => KubeObject,
): CreateWrite {
  return { verb: 'create', label, actor, ref, source, body };
}

function update(
  label: string,
  actor: KubeflowActor,
  ref: ObjectRef,
  source: string,
  change: (stored: KubeObject, read: StoredObjectReader) => KubeObject,
): UpdateWrite {
  return { verb: 'update', label, actor, ref, source, change };
}

function remove(label: string, actor: KubeflowActor, ref: ObjectRef, source: string): DeleteWrite {
  return { verb: 'delete', label, actor, ref, source };
}

/**
 * PatchDefaultPluginSpec: `r.Update(profile)` on every reconcile, whether or not it changed
 * anything; with `-workload-identity` set and no WorkloadIdentity plugin, the plugin is appended.
 */
function pluginPatch(config: ControllerConfig, name: string, label: string): UpdateWrite {
  return update(
    `controller updates Profile ${name} (default plugins${label})`,
    'controller',
    profileRef(name),
    `${PC} Reconcile -> PatchDefaultPluginSpec`,
    (stored) => {
      const object = asControllerSendsProfile(stored);
      if (config.workloadIdentity === '') return object;
      const spec = record(object.spec);
      const plugins = Array.isArray(spec.plugins) ? (spec.plugins as unknown[]) : [];
      if (plugins.some((plugin) => record(plugin).kind === 'WorkloadIdentity')) return object;
      object.spec = {
        ...spec,
        plugins: [
          ...plugins,
          { kind: 'WorkloadIdentity', spec: { gcpServiceAccount: config.workloadIdentity } },
        ],
      };
      return object;
    },
  );
}

/**
 * plugin_workload_identity.go ApplyPlugin -> patchAnnotation: the default-editor ServiceAccount
 * gets `iam.gke.io/gcp-service-account` (an Update), then GCP IAM is called (not a Kubernetes
 * write).
 */
function workloadIdentityAnnotation(config: ControllerConfig, name: string): UpdateWrite {
  return update(
    `controller updates ServiceAccount ${name}/default-editor (workload identity annotation)`,
    'controller',
    serviceAccountRef(name, 'default-editor'),
    'profile-controller/controllers/plugin_workload_identity.go ApplyPlugin -> patchAnnotation',
    (stored) => {
      const object = structuredClone(stored);
      const metadata = record(object.metadata);
      object.metadata = {
        ...metadata,
        annotations: {
          ...record(metadata.annotations),
          'iam.gke.io/gcp-service-account': config.workloadIdentity,
        },
      };
      return object;
    },
  );
}

/**
 * updateRoleBinding on `namespaceAdmin` when it exists: the desired subject is the Profile's owner
 * without `apiGroup`, the stored one has it (API server default), so the controller writes the
 * subjects again (and the API server defaults them again). Happens on every reconcile.
 */
function namespaceAdminRewrite(name: string, why: string): UpdateWrite {
  return update(
    `controller updates RoleBinding ${name}/namespaceAdmin (${why})`,
    'controller',
    roleBindingRef(name, 'namespaceAdmin'),
    `${PC} Reconcile -> updateRoleBinding`,
    (stored, read) => {
      const profile = read(profileRef(name));
      const object = structuredClone(stored);
      object.subjects = [structuredClone(record(profile?.spec).owner)];
      object.roleRef = {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'kubeflow-admin',
      };
      return object;
    },
  );
}

/**
 * The end of every reconcile before the finalizer step: PatchDefaultPluginSpec's Update, then
 * each plugin's ApplyPlugin (the WorkloadIdentity plugin updates the ServiceAccount every time).
 */
function reconcileTail(config: ControllerConfig, name: string, why: string): KubeflowWrite[] {
  return [
    pluginPatch(config, name, why),
    ...(config.workloadIdentity === '' ? [] : [workloadIdentityAnnotation(config, name)]),
  ];
}

/** Reconcile of a Profile whose namespace does not exist yet, in the order the code writes. */
function firstReconcile(config: ControllerConfig, name: string): KubeflowPhase {
  const ambient = config.source === 'pr267' && config.serviceMeshMode === 'istio-ambient';
  const writes: KubeflowWrite[] = [
    create(
      `controller creates Namespace ${name}`,
      'controller',
      namespaceRef(name),
      `${PC} Reconcile (setNamespaceLabels${config.source === 'pr267' ? 'AndServiceMesh' : ''})`,
      (read) => profileNamespace(config, storedProfile(read, name)),
    ),
    create(
      `controller creates AuthorizationPolicy ${name}/ns-owner-access-istio`,
      'controller',
      authorizationPolicyRef(name, 'ns-owner-access-istio'),
      `${PC} updateIstioAuthorizationPolicy, getAuthorizationPolicy`,
      (read) => ownerAccessPolicy(config, storedProfile(read, name)),
    ),
  ];
  if (ambient) {
    if (config.createWaypoint) {
      writes.push(
        create(
          `controller creates Gateway ${name}/${config.waypointName}`,
          'controller',
          gatewayRef(name, config.waypointName),
          `${PC} createWaypoint (pull request #267)`,
          (read) => waypointGateway(config, storedProfile(read, name)),
        ),
      );
    }
    writes.push(
      create(
        `controller creates AuthorizationPolicy ${name}/waypoint-l4-access`,
        'controller',
        authorizationPolicyRef(name, 'waypoint-l4-access'),
        `${PC} updateL4AuthorizationPolicy (pull request #267)`,
        (read) => waypointL4Policy(config, storedProfile(read, name)),
      ),
    );
  }
  for (const account of ['default-editor', 'default-viewer'] as const) {
    writes.push(
      create(
        `controller creates ServiceAccount ${name}/${account}`,
        'controller',
        serviceAccountRef(name, account),
        `${PC} updateServiceAccount`,
        (read) => profileServiceAccount(storedProfile(read, name), account),
      ),
      create(
        `controller creates RoleBinding ${name}/${account}`,
        'controller',
        roleBindingRef(name, account),
        `${PC} updateServiceAccount -> updateRoleBinding`,
        (read) => serviceAccountBinding(storedProfile(read, name), account),
      ),
    );
  }
  writes.push(
    create(
      `controller creates RoleBinding ${name}/namespaceAdmin`,
      'controller',
      roleBindingRef(name, 'namespaceAdmin'),
      `${PC} Reconcile -> updateRoleBinding`,
      (read) => {
        const profile = read(profileRef(name));
        return namespaceAdminBinding(
          storedProfile(read, name),
          structuredClone(record(record(profile?.spec).owner)),
        );
      },
    ),
    create(
      `controller creates ResourceQuota ${name}/kf-resource-quota`,
      'controller',
      resourceQuotaRef(name),
      `${PC} Reconcile -> updateResourceQuota`,
      (read) =>
        profileResourceQuota(
          storedProfile(read, name),
          structuredClone(record(read(profileRef(name))?.spec).resourceQuotaSpec),
        ),
    ),
    ...reconcileTail(config, name, config.workloadIdentity === '' ? ', nothing to add' : ''),
  );
  writes.push(
    update(
      `controller updates Profile ${name} (adds profile-finalizer)`,
      'controller',
      profileRef(name),
      `${PC} Reconcile (finalizer registration)`,
      (stored) => {
        const object = asControllerSendsProfile(stored);
        const metadata = record(object.metadata);
        const finalizers = Array.isArray(metadata.finalizers)
          ? (metadata.finalizers as unknown[])
          : [];
        object.metadata = { ...metadata, finalizers: [...finalizers, 'profile-finalizer'] };
        return object;
      },
    ),
  );
  return { name: `first reconcile of Profile ${name}`, writes };
}

/**
 * A reconcile with everything in place (triggered by the writes of the first one, a watch event,
 * or the resync): only the two writes the controller always makes.
 */
function steadyReconcile(config: ControllerConfig, name: string, why: string): KubeflowPhase {
  return {
    name: `reconcile of Profile ${name} (${why})`,
    writes: [
      namespaceAdminRewrite(name, 'owner subject without apiGroup'),
      ...reconcileTail(config, name, ', unchanged'),
    ],
  };
}

function kfamAddContributor(
  name: string,
  user: string,
  role: keyof typeof KFAM_ROLES,
  config: ControllerConfig,
): KubeflowPhase {
  const binding = kfamBindingName(user, role);
  return {
    name: `KFAM adds ${user} (${role}) to ${name}`,
    writes: [
      create(
        `kfam creates RoleBinding ${name}/${binding}`,
        'kfam',
        roleBindingRef(name, binding),
        `${KFAM_BINDINGS} BindingClient.Create (POST /kfam/v1/bindings, ${KFAM_API} CreateBinding)`,
        () => kfamRoleBinding(user, role),
      ),
      create(
        `kfam creates AuthorizationPolicy ${name}/${binding}`,
        'kfam',
        authorizationPolicyRef(name, binding),
        `${KFAM_BINDINGS} BindingClient.Create, getAuthorizationPolicy`,
        () => kfamAuthorizationPolicy(name, user, role, config),
      ),
    ],
  };
}

function kfamRemoveContributor(
  name: string,
  user: string,
  role: keyof typeof KFAM_ROLES,
): KubeflowPhase {
  const binding = kfamBindingName(user, role);
  return {
    name: `KFAM removes ${user} (${role}) from ${name}`,
    writes: [
      remove(
        `kfam deletes RoleBinding ${name}/${binding}`,
        'kfam',
        roleBindingRef(name, binding),
        `${KFAM_BINDINGS} BindingClient.Delete (DELETE /kfam/v1/bindings, ${KFAM_API} DeleteBinding)`,
      ),
      remove(
        `kfam deletes AuthorizationPolicy ${name}/${binding}`,
        'kfam',
        authorizationPolicyRef(name, binding),
        `${KFAM_BINDINGS} BindingClient.Delete`,
      ),
    ],
  };
}

/** The objects the controller owns in the namespace (ownerReference to the Profile). */
function ownedObjects(config: ControllerConfig, name: string): ObjectRef[] {
  const ambient = config.source === 'pr267' && config.serviceMeshMode === 'istio-ambient';
  return [
    authorizationPolicyRef(name, 'ns-owner-access-istio'),
    ...(ambient ? [authorizationPolicyRef(name, 'waypoint-l4-access')] : []),
    ...(ambient && config.createWaypoint ? [gatewayRef(name, config.waypointName)] : []),
    serviceAccountRef(name, 'default-editor'),
    roleBindingRef(name, 'default-editor'),
    serviceAccountRef(name, 'default-viewer'),
    roleBindingRef(name, 'default-viewer'),
    roleBindingRef(name, 'namespaceAdmin'),
    resourceQuotaRef(name),
  ];
}

/**
 * kube-controller-manager addresses a kind at its preferred version (discovery): Istio's
 * AuthorizationPolicy at security.istio.io/v1, where the controller and KFAM use v1beta1.
 */
function preferredVersion(ref: ObjectRef): ObjectRef {
  return ref.kind === 'AuthorizationPolicy' ? { ...ref, apiVersion: 'security.istio.io/v1' } : ref;
}

/**
 * KFAM deletes the Profile (DELETE /kfam/v1/profiles/<name>, the dashboard's "nuke-self"); the
 * API server only marks it (profile-finalizer); the controller's reconcile of the marked Profile
 * runs its usual writes, revokes plugins and removes the finalizer, and the API server removes the
 * Profile. kube-controller-manager then deletes what the Profile owned (garbage collector) and
 * what is left in the namespace (namespace controller, with a deletecollection per resource, which
 * the API server admits as one DELETE per object).
 */
function deletion(
  config: ControllerConfig,
  name: string,
  leftovers: readonly ObjectRef[],
): KubeflowPhase[] {
  return [
    {
      name: `KFAM deletes Profile ${name}`,
      writes: [
        remove(
          `kfam deletes Profile ${name}`,
          'kfam',
          profileRef(name, 'v1beta1'),
          `${KFAM_API} DeleteProfile -> profiles.go ProfileClient.Delete`,
        ),
      ],
    },
    {
      name: `reconcile of the deleted Profile ${name}`,
      writes: [
        namespaceAdminRewrite(name, 'owner subject without apiGroup'),
        ...reconcileTail(config, name, ', on the Profile being deleted'),
        update(
          `controller updates Profile ${name} (removes profile-finalizer)`,
          'controller',
          profileRef(name),
          `${PC} Reconcile (RevokePlugin, then the finalizer removed)`,
          (stored) => {
            const object = asControllerSendsProfile(stored);
            const metadata = record(object.metadata);
            const finalizers = Array.isArray(metadata.finalizers)
              ? (metadata.finalizers as unknown[])
              : [];
            const rest = finalizers.filter((entry) => entry !== 'profile-finalizer');
            const { finalizers: _dropped, ...others } = metadata;
            object.metadata = rest.length === 0 ? others : { ...others, finalizers: rest };
            return object;
          },
        ),
      ],
    },
    {
      name: `kube-controller-manager cleans up ${name}`,
      writes: [
        ...ownedObjects(config, name).map((ref) =>
          remove(
            `garbage collector deletes ${describeRef(ref)}`,
            'garbage-collector',
            preferredVersion(ref),
            'kube-controller-manager garbage collector (ownerReference to the deleted Profile)',
          ),
        ),
        remove(
          `garbage collector deletes Namespace ${name}`,
          'garbage-collector',
          namespaceRef(name),
          'kube-controller-manager garbage collector (ownerReference to the deleted Profile)',
        ),
        ...leftovers.map((ref) =>
          remove(
            `namespace controller deletes ${describeRef(ref)}`,
            'namespace-controller',
            preferredVersion(ref),
            'kube-controller-manager namespace controller (namespace deletion)',
          ),
        ),
      ],
    },
  ];
}

/** The options of {@link profileLifecycle}. */
export interface LifecycleOptions {
  /** Profile (= namespace) name and owner. */
  readonly name: string;
  readonly owner: string;
  /** Two contributors: the first gets `edit` and is removed again, the second `view` and stays. */
  readonly contributors: readonly [string, string];
  readonly config: ControllerConfig;
  /** Change the namespace-labels file to this one half-way (a reconcile of every Profile). */
  readonly relabel?: Readonly<Record<string, string>>;
  /** Finish with the Profile's deletion and kube-controller-manager's cleanup (default true). */
  readonly deleteProfile?: boolean;
}

/**
 * A Profile's whole life under one controller configuration: registered through the dashboard
 * (KFAM creates it), reconciled (the first reconcile, and the one its own writes trigger),
 * contributors added by KFAM, the namespace-labels file changed, a contributor removed, the
 * Profile deleted through KFAM and cleaned up.
 */
export function profileLifecycle(options: LifecycleOptions): KubeflowSequence {
  const { name, owner, config } = options;
  const [editor, viewer] = options.contributors;
  const phases: KubeflowPhase[] = [
    {
      name: `KFAM creates Profile ${name}`,
      writes: [
        create(
          `kfam creates Profile ${name}`,
          'kfam',
          profileRef(name, 'v1beta1'),
          `${KFAM_API} CreateProfile -> profiles.go ProfileClient.Create (POST /kfam/v1/profiles)`,
          () => kfamProfile(name, owner),
        ),
      ],
    },
    firstReconcile(config, name),
    steadyReconcile(config, name, 'after its own writes'),
    kfamAddContributor(name, editor, 'edit', config),
    kfamAddContributor(name, viewer, 'view', config),
  ];
  if (options.relabel !== undefined) {
    const labelled: ControllerConfig = { ...config, namespaceLabels: options.relabel };
    phases.push({
      name: `reconcile of Profile ${name} (namespace-labels file changed)`,
      writes: [
        update(
          `controller updates Namespace ${name} (labels from the changed file)`,
          'controller',
          namespaceRef(name),
          `${PC} Reconcile (existing namespace: setNamespaceLabels, r.Update when labels changed)`,
          (stored, read) => {
            const object = structuredClone(stored);
            const metadata = record(object.metadata);
            object.metadata = {
              ...metadata,
              labels: namespaceLabelsFor(
                labelled,
                storedProfile(read, name),
                record(metadata.labels) as Record<string, string>,
              ),
            };
            return object;
          },
        ),
        ...steadyReconcile(config, name, '').writes,
      ],
    });
  }
  phases.push(kfamRemoveContributor(name, editor, 'edit'));
  if (options.deleteProfile ?? true) {
    const viewerBinding = kfamBindingName(viewer, 'view');
    phases.push(
      ...deletion(config, name, [
        roleBindingRef(name, viewerBinding),
        authorizationPolicyRef(name, viewerBinding),
      ]),
    );
  }
  return { name: `${config.serviceMeshMode} (${config.source}): ${name}`, profile: name, phases };
}

/**
 * Upgrading a sidecar-mode installation (main) to pull request #267 in ambient mode, then back to
 * sidecar mode: the existing namespace's labels and `ns-owner-access-istio` are updated in place,
 * the waypoint and `waypoint-l4-access` created (and left in place when going back).
 */
export function meshModeMigration(name: string, owner: string): KubeflowSequence {
  const sidecar267: ControllerConfig = { ...AMBIENT_CONTROLLER, serviceMeshMode: 'istio-sidecar' };
  const relabel = (config: ControllerConfig): UpdateWrite =>
    update(
      `controller updates Namespace ${name} (${config.serviceMeshMode} labels)`,
      'controller',
      namespaceRef(name),
      `${PC} Reconcile -> setNamespaceLabelsAndServiceMesh (pull request #267), r.Update`,
      (stored, read) => {
        const object = structuredClone(stored);
        const metadata = record(object.metadata);
        object.metadata = {
          ...metadata,
          labels: namespaceLabelsFor(
            config,
            storedProfile(read, name),
            record(metadata.labels) as Record<string, string>,
          ),
        };
        return object;
      },
    );
  const respec = (config: ControllerConfig): UpdateWrite =>
    update(
      `controller updates AuthorizationPolicy ${name}/ns-owner-access-istio (${config.serviceMeshMode}, pull request #267)`,
      'controller',
      authorizationPolicyRef(name, 'ns-owner-access-istio'),
      `${PC} updateIstioAuthorizationPolicy (spec differs: r.Update)`,
      (stored, read) => ({
        ...structuredClone(stored),
        spec: ownerAccessSpec(config, storedProfile(read, name)),
      }),
    );
  const lifecycle = profileLifecycle({
    name,
    owner,
    contributors: ['bob@example.com', 'carol@example.com'],
    config: SIDECAR_CONTROLLER,
    deleteProfile: false,
  });
  return {
    name: `istio-sidecar (main) -> istio-ambient (pr267) -> istio-sidecar (pr267): ${name}`,
    profile: name,
    phases: [
      ...lifecycle.phases.slice(0, 3),
      {
        name: `reconcile of Profile ${name} by the ambient-mode controller`,
        writes: [
          relabel(AMBIENT_CONTROLLER),
          respec(AMBIENT_CONTROLLER),
          create(
            `controller creates Gateway ${name}/waypoint`,
            'controller',
            gatewayRef(name, 'waypoint'),
            `${PC} createWaypoint (pull request #267)`,
            (read) => waypointGateway(AMBIENT_CONTROLLER, storedProfile(read, name)),
          ),
          create(
            `controller creates AuthorizationPolicy ${name}/waypoint-l4-access`,
            'controller',
            authorizationPolicyRef(name, 'waypoint-l4-access'),
            `${PC} updateL4AuthorizationPolicy (pull request #267)`,
            (read) => waypointL4Policy(AMBIENT_CONTROLLER, storedProfile(read, name)),
          ),
          ...steadyReconcile(AMBIENT_CONTROLLER, name, '').writes,
        ],
      },
      {
        name: `reconcile of Profile ${name} by the sidecar-mode controller of pull request #267`,
        writes: [
          relabel(sidecar267),
          respec(sidecar267),
          ...steadyReconcile(sidecar267, name, '').writes,
        ],
      },
    ],
  };
}

/**
 * An admin (exempt) creates a Profile over a namespace someone else owns; the controller refuses
 * to take it over and appends a `Failed` condition to the Profile's status with a plain Update
 * (appendErrorConditionAndReturn). The Profile CRD has a status subresource, so the API server
 * drops that status change: the controller sends the same Update on every reconcile.
 */
export function takeoverRefused(name: string, owner: string, holder: string): KubeflowSequence {
  const condition = {
    type: 'Failed',
    message: `namespace already exist, but not owned by profile creator ${owner}`,
  };
  const conditionUpdate = (n: number): UpdateWrite =>
    update(
      `controller updates Profile ${name} (Failed condition, reconcile ${n})`,
      'controller',
      profileRef(name),
      `${PC} Reconcile -> appendErrorConditionAndReturn`,
      (stored) => {
        const object = asControllerSendsProfile(stored);
        const status = record(object.status);
        const conditions = Array.isArray(status.conditions) ? (status.conditions as unknown[]) : [];
        object.status = { ...status, conditions: [...conditions, condition] };
        return object;
      },
    );
  return {
    name: `takeover refused: ${name}`,
    profile: name,
    phases: [
      {
        name: `an admin prepares namespace ${name} for ${holder}, then creates Profile ${name}`,
        writes: [
          create(`admin creates Namespace ${name}`, 'admin', namespaceRef(name), 'kubectl', () => ({
            apiVersion: 'v1',
            kind: 'Namespace',
            metadata: { name, annotations: { owner: holder } },
          })),
          create(`admin creates Profile ${name}`, 'admin', profileRef(name), 'kubectl', () =>
            manifestProfile(name, owner),
          ),
        ],
      },
      { name: `reconcile of Profile ${name}`, writes: [conditionUpdate(1)] },
      { name: `reconcile of Profile ${name} again`, writes: [conditionUpdate(2)] },
    ],
  };
}

/** The GCP service account of the WorkloadIdentity sequence. */
export const WORKLOAD_IDENTITY_GSA = 'kubeflow-user@my-project.iam.gserviceaccount.com';

/**
 * The sequences every replay runs: sidecar mode (main, with the kubeflow-pss labels change),
 * sidecar mode with a default WorkloadIdentity plugin, ambient mode (pull request #267), the mode
 * migration and the refused takeover. Profile names are `<prefix><name>` so that an e2e run can
 * keep its objects apart.
 */
export function kubeflowSequences(prefix = ''): readonly KubeflowSequence[] {
  const contributors = ['bob@example.com', 'carol.smith+ml@example.com'] as const;
  return [
    profileLifecycle({
      name: `${prefix}alice`,
      owner: 'alice@example.com',
      contributors,
      config: SIDECAR_CONTROLLER,
      relabel: PSS_NAMESPACE_LABELS,
    }),
    profileLifecycle({
      name: `${prefix}gina`,
      owner: 'gina@example.com',
      contributors,
      config: { ...SIDECAR_CONTROLLER, workloadIdentity: WORKLOAD_IDENTITY_GSA },
    }),
    profileLifecycle({
      name: `${prefix}carol`,
      owner: 'carol@example.com',
      contributors: ['dave@example.com', 'erin@example.com'],
      config: AMBIENT_CONTROLLER,
      relabel: PSS_NAMESPACE_LABELS,
    }),
    meshModeMigration(`${prefix}mia`, 'mia@example.com'),
    takeoverRefused(`${prefix}tom`, 'tom@example.com', 'someone-else@example.com'),
  ];
}
