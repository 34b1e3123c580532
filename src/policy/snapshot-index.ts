import type {
  ClusterSnapshot,
  NamespaceRecord,
  ProfileRecord,
  RoleBindingRecord,
  SubjectRecord,
} from './cluster-snapshot.js';
import { pluginIdentitiesOf } from './plugin-identity.js';
import { profileOwnerReference } from './profile-namespace.js';
import { asArray, asRecord, asString, asStringMap, getPath } from './object-access.js';

/** The kinds a {@link SnapshotIndex} keeps. */
export type IndexedKind = 'Profile' | 'Namespace' | 'RoleBinding';

/** The kinds a {@link SnapshotIndex} keeps, in a stable order. */
export const INDEXED_KINDS: readonly IndexedKind[] = Object.freeze([
  'Profile',
  'Namespace',
  'RoleBinding',
]);

/** A raw object reduced to the lean record the index stores, tagged with its kind. */
export type LeanRecord =
  | { readonly kind: 'Profile'; readonly record: ProfileRecord }
  | { readonly kind: 'Namespace'; readonly record: NamespaceRecord }
  | { readonly kind: 'RoleBinding'; readonly record: RoleBindingRecord };

const EMPTY: readonly never[] = Object.freeze([]);
const EMPTY_LABELS: Readonly<Record<string, string>> = Object.freeze({});
const PROFILE_VERSIONS = new Set(['kubeflow.org/v1', 'kubeflow.org/v1beta1']);
/** Past this many distinct strings the pool stops growing: interning is a saving, not a must. */
const INTERN_LIMIT = 200_000;

/**
 * A keyed collection that hands out one frozen array of its values until it changes, so that a
 * lookup costs O(result) and repeated lookups between changes cost O(1).
 */
class Bucket<V> {
  readonly items = new Map<string, V>();
  private cached: readonly V[] | undefined;

  set(key: string, value: V): void {
    this.items.set(key, value);
    this.cached = undefined;
  }

  delete(key: string): boolean {
    const removed = this.items.delete(key);
    if (removed) this.cached = undefined;
    return removed;
  }

  values(): readonly V[] {
    this.cached ??= Object.freeze([...this.items.values()]);
    return this.cached;
  }
}

/**
 * The in-memory cluster state behind a {@link ClusterSnapshot}: lean records of Profiles
 * (kubeflow.org v1/v1beta1), Namespaces and RoleBindings, indexed so that every snapshot query
 * costs O(result), never O(cluster). Fed by the informers in `src/kube/` and by `check --state`.
 *
 * Only the fields of the records in `cluster-snapshot.ts` are kept (no managedFields, no copies of
 * whole objects), and repeated strings (role names, subject kinds and names, namespaces) are
 * interned, so large clusters stay small in memory. Records and returned arrays are frozen.
 */
export class SnapshotIndex implements ClusterSnapshot {
  /** Freshness of the data; set by the owner (the cache, or `fromObjects`). */
  state: ClusterSnapshot['state'] = 'unsynced';

  private readonly profiles = new Map<string, ProfileRecord>();
  private readonly profilesByOwner = new Map<string, Bucket<ProfileRecord>>();
  private readonly profilesByIdentity = new Map<string, Bucket<ProfileRecord>>();
  private readonly namespaces = new Map<string, NamespaceRecord>();
  private readonly bindings = new Map<string, Bucket<RoleBindingRecord>>();
  private bindingCount = 0;
  private readonly pool = new Map<string, string>();

  /**
   * An index over the given objects with state `synced`. Kubernetes `List` objects (`kind: List`
   * or `*List` with `items`) are flattened; objects of other kinds are ignored.
   */
  static fromObjects(objects: Iterable<unknown>): SnapshotIndex {
    const index = new SnapshotIndex();
    for (const object of objects) index.upsertFlattened(object);
    index.state = 'synced';
    return index;
  }

  /** The kind of a raw object when the index keeps it (by apiVersion and kind), else undefined. */
  static kindOf(object: unknown): IndexedKind | undefined {
    const apiVersion = asString(getPath(object, 'apiVersion'));
    const kind = asString(getPath(object, 'kind'));
    if (kind === 'Profile' && apiVersion !== undefined && PROFILE_VERSIONS.has(apiVersion)) {
      return 'Profile';
    }
    if (kind === 'Namespace' && apiVersion === 'v1') return 'Namespace';
    if (kind === 'RoleBinding' && apiVersion === 'rbac.authorization.k8s.io/v1') {
      return 'RoleBinding';
    }
    return undefined;
  }

  getProfile(name: string): ProfileRecord | undefined {
    return this.profiles.get(name);
  }

  profilesOwnedBy(owner: string): readonly ProfileRecord[] {
    return this.profilesByOwner.get(owner)?.values() ?? EMPTY;
  }

  profilesWithPluginIdentity(key: string): readonly ProfileRecord[] {
    return this.profilesByIdentity.get(key)?.values() ?? EMPTY;
  }

  getNamespace(name: string): NamespaceRecord | undefined {
    return this.namespaces.get(name);
  }

  roleBindingsIn(namespace: string): readonly RoleBindingRecord[] {
    return this.bindings.get(namespace)?.values() ?? EMPTY;
  }

  /**
   * Reduces a raw object to its lean record (interning its strings), without storing it.
   * Undefined when the index does not keep that kind or the object has no usable name. The
   * informers use this to hold only lean records while a relist is paged in.
   */
  toRecord(object: unknown): LeanRecord | undefined {
    const kind = SnapshotIndex.kindOf(object);
    const name = asString(getPath(object, 'metadata', 'name'));
    if (kind === undefined || name === undefined || name === '') return undefined;
    switch (kind) {
      case 'Profile':
        return { kind, record: this.profileRecord(name, object) };
      case 'Namespace':
        return { kind, record: this.namespaceRecord(name, object) };
      case 'RoleBinding': {
        const namespace = asString(getPath(object, 'metadata', 'namespace'));
        if (namespace === undefined || namespace === '') return undefined;
        return { kind, record: this.roleBindingRecord(namespace, name, object) };
      }
    }
  }

  /** Adds or replaces a raw object. Returns whether it was taken (a kept kind, with a name). */
  upsert(object: unknown): boolean {
    const lean = this.toRecord(object);
    if (lean === undefined) return false;
    this.put(lean);
    return true;
  }

  /**
   * Removes the object with the identity (kind, namespace, name) of a raw object. Returns
   * whether it was a kept kind; removing an absent object is not an error.
   */
  remove(object: unknown): boolean {
    const kind = SnapshotIndex.kindOf(object);
    const name = asString(getPath(object, 'metadata', 'name'));
    if (kind === undefined || name === undefined) return false;
    if (kind === 'RoleBinding') {
      const namespace = asString(getPath(object, 'metadata', 'namespace'));
      if (namespace === undefined) return false;
      this.deleteRoleBinding(namespace, name);
    } else if (kind === 'Profile') {
      this.deleteProfile(name);
    } else {
      this.namespaces.delete(name);
    }
    return true;
  }

  /** Stores a lean record (from {@link toRecord}), replacing one of the same identity. */
  put(lean: LeanRecord): void {
    switch (lean.kind) {
      case 'Profile': {
        const record = lean.record;
        this.deleteProfile(record.name);
        this.profiles.set(record.name, record);
        let owned = this.profilesByOwner.get(record.ownerName);
        if (owned === undefined) {
          owned = new Bucket();
          this.profilesByOwner.set(record.ownerName, owned);
        }
        owned.set(record.name, record);
        for (const key of record.pluginIdentities) {
          let users = this.profilesByIdentity.get(key);
          if (users === undefined) {
            users = new Bucket();
            this.profilesByIdentity.set(key, users);
          }
          users.set(record.name, record);
        }
        return;
      }
      case 'Namespace':
        this.namespaces.set(lean.record.name, lean.record);
        return;
      case 'RoleBinding': {
        const record = lean.record;
        let bucket = this.bindings.get(record.namespace);
        if (bucket === undefined) {
          bucket = new Bucket();
          this.bindings.set(record.namespace, bucket);
        }
        if (!bucket.items.has(record.name)) this.bindingCount += 1;
        bucket.set(record.name, record);
        return;
      }
    }
  }

  /**
   * Replaces everything of one kind with the given lean records, synchronously, so that no
   * reader ever sees a half-applied relist.
   */
  replace(kind: IndexedKind, records: Iterable<LeanRecord>): void {
    this.clear(kind);
    for (const lean of records) {
      if (lean.kind === kind) this.put(lean);
    }
  }

  /** Drops every object of one kind, or of all kinds. */
  clear(kind?: IndexedKind): void {
    if (kind === undefined || kind === 'Profile') {
      this.profiles.clear();
      this.profilesByOwner.clear();
      this.profilesByIdentity.clear();
    }
    if (kind === undefined || kind === 'Namespace') this.namespaces.clear();
    if (kind === undefined || kind === 'RoleBinding') {
      this.bindings.clear();
      this.bindingCount = 0;
    }
    if (kind === undefined) this.pool.clear();
  }

  /** How many objects of each kind are stored. */
  counts(): Record<IndexedKind, number> {
    return {
      Profile: this.profiles.size,
      Namespace: this.namespaces.size,
      RoleBinding: this.bindingCount,
    };
  }

  private upsertFlattened(object: unknown): void {
    const kind = asString(getPath(object, 'kind'));
    const items = getPath(object, 'items');
    if (kind !== undefined && kind.endsWith('List') && Array.isArray(items)) {
      for (const item of items) this.upsertFlattened(item);
      return;
    }
    this.upsert(object);
  }

  private deleteProfile(name: string): void {
    const previous = this.profiles.get(name);
    if (previous === undefined) return;
    this.profiles.delete(name);
    const owned = this.profilesByOwner.get(previous.ownerName);
    if (owned !== undefined) {
      owned.delete(name);
      if (owned.items.size === 0) this.profilesByOwner.delete(previous.ownerName);
    }
    for (const key of previous.pluginIdentities) {
      const users = this.profilesByIdentity.get(key);
      if (users === undefined) continue;
      users.delete(name);
      if (users.items.size === 0) this.profilesByIdentity.delete(key);
    }
  }

  private deleteRoleBinding(namespace: string, name: string): void {
    const bucket = this.bindings.get(namespace);
    if (bucket?.delete(name) !== true) return;
    this.bindingCount -= 1;
    if (bucket.items.size === 0) this.bindings.delete(namespace);
  }

  private profileRecord(name: string, object: unknown): ProfileRecord {
    return Object.freeze({
      name,
      ownerKind: this.intern(asString(getPath(object, 'spec', 'owner', 'kind')) ?? ''),
      ownerName: this.intern(asString(getPath(object, 'spec', 'owner', 'name')) ?? ''),
      labels: this.labels(getPath(object, 'metadata', 'labels')),
      pluginIdentities: this.pluginIdentities(object),
    });
  }

  private pluginIdentities(object: unknown): readonly string[] {
    const identities = pluginIdentitiesOf(object);
    if (identities.length === 0) return EMPTY;
    return Object.freeze([...new Set(identities.map((identity) => this.intern(identity.key)))]);
  }

  private namespaceRecord(name: string, object: unknown): NamespaceRecord {
    const owner = asString(getPath(object, 'metadata', 'annotations', 'owner'));
    return Object.freeze({
      name: this.intern(name),
      labels: this.labels(getPath(object, 'metadata', 'labels')),
      ownerAnnotation: owner,
      ownerProfile: profileOwnerReference(getPath(object, 'metadata', 'ownerReferences')),
    });
  }

  private roleBindingRecord(namespace: string, name: string, object: unknown): RoleBindingRecord {
    const subjects = asArray(getPath(object, 'subjects'))
      .map((subject): SubjectRecord | undefined => {
        const entry = asRecord(subject);
        if (entry === undefined) return undefined;
        const subjectNamespace = asString(entry.namespace);
        return Object.freeze({
          kind: this.intern(asString(entry.kind) ?? ''),
          name: this.intern(asString(entry.name) ?? ''),
          namespace: subjectNamespace === undefined ? undefined : this.intern(subjectNamespace),
        });
      })
      .filter((subject): subject is SubjectRecord => subject !== undefined);
    return Object.freeze({
      namespace: this.intern(namespace),
      name,
      roleRefKind: this.intern(asString(getPath(object, 'roleRef', 'kind')) ?? ''),
      roleRefName: this.intern(asString(getPath(object, 'roleRef', 'name')) ?? ''),
      subjects: subjects.length === 0 ? EMPTY : Object.freeze(subjects),
    });
  }

  private labels(value: unknown): Readonly<Record<string, string>> {
    const map = asStringMap(value);
    const keys = Object.keys(map);
    if (keys.length === 0) return EMPTY_LABELS;
    const out: Record<string, string> = {};
    for (const key of keys) out[this.intern(key)] = this.intern(map[key] ?? '');
    return Object.freeze(out);
  }

  private intern(value: string): string {
    const known = this.pool.get(value);
    if (known !== undefined) return known;
    if (this.pool.size < INTERN_LIMIT) this.pool.set(value, value);
    return value;
  }
}
