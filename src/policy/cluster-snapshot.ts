/**
 * A read-only, synchronous view of the cluster objects that stateful rules need. The engine never
 * calls the API server: in a cluster this is backed by informer caches (`src/kube/`), in `check`
 * by `--state` files, and with `--no-cluster` by {@link NO_CLUSTER}.
 */
export interface ClusterSnapshot {
  /**
   * - `none`: cluster lookups are off (`--no-cluster`); stateful rules skip.
   * - `synced`: state is current.
   * - `stale`: a watch broke after the first sync; decisions go on with the last state.
   * - `unsynced`: a cluster is configured but its state was never loaded; stateful rules fail closed.
   */
  readonly state: 'none' | 'synced' | 'stale' | 'unsynced';
  getProfile(name: string): ProfileRecord | undefined;
  /** Profiles whose `spec.owner.name` equals `owner` (exact, case-sensitive as RBAC is). */
  profilesOwnedBy(owner: string): readonly ProfileRecord[];
  /**
   * Profiles whose plugins name the identity `key` (a `PluginIdentity.key` of
   * `plugin-identity.ts`: the same GCP service account or AWS IAM role to the profile controller).
   */
  profilesWithPluginIdentity(key: string): readonly ProfileRecord[];
  getNamespace(name: string): NamespaceRecord | undefined;
  roleBindingsIn(namespace: string): readonly RoleBindingRecord[];
}

/** The lean form of a Profile kept in the cache: only what rules read. */
export interface ProfileRecord {
  readonly name: string;
  readonly ownerKind: string;
  readonly ownerName: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The keys of the cloud identities its plugins name (`PluginIdentity.key`), without repeats. */
  readonly pluginIdentities: readonly string[];
}

/** The lean form of a Namespace kept in the cache. */
export interface NamespaceRecord {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The `owner` annotation the profile controller writes, if any. */
  readonly ownerAnnotation: string | undefined;
  /** Name of the kubeflow.org Profile in the namespace's ownerReferences, if any. */
  readonly ownerProfile: string | undefined;
}

/** One RBAC subject, as stored. */
export interface SubjectRecord {
  readonly kind: string;
  readonly name: string;
  readonly namespace: string | undefined;
}

/** The lean form of a RoleBinding kept in the cache. */
export interface RoleBindingRecord {
  readonly namespace: string;
  readonly name: string;
  readonly roleRefKind: string;
  readonly roleRefName: string;
  readonly subjects: readonly SubjectRecord[];
}

const EMPTY: readonly never[] = Object.freeze([]);

/** The snapshot used when cluster lookups are off: knows nothing, and says so. */
export const NO_CLUSTER: ClusterSnapshot = Object.freeze({
  state: 'none' as const,
  getProfile: () => undefined,
  profilesOwnedBy: () => EMPTY,
  profilesWithPluginIdentity: () => EMPTY,
  getNamespace: () => undefined,
  roleBindingsIn: () => EMPTY,
});
