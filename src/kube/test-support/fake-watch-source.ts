import type {
  ListResult,
  WatchedKind,
  WatchEventType,
  WatchHandle,
  WatchSource,
} from '../watch-source.js';

interface ActiveWatch {
  readonly kind: WatchedKind;
  readonly resourceVersion: string;
  readonly onEvent: (type: WatchEventType, object: unknown) => void;
  readonly onDone: (error: unknown) => void;
  open: boolean;
}

type Stored = Record<string, unknown> & { metadata: Record<string, unknown> };

/**
 * An in-memory API server for informer tests: objects per kind with a global resourceVersion,
 * watches that receive ADDED/MODIFIED/DELETED/BOOKMARK, and hooks to fail lists and watches.
 */
export class FakeWatchSource implements WatchSource {
  private revision = 100;
  private readonly store = new Map<WatchedKind, Map<string, Stored>>();
  private readonly watches: ActiveWatch[] = [];
  private readonly listFailures = new Map<WatchedKind, Error[]>();
  private readonly watchFailures = new Map<WatchedKind, unknown[]>();
  /** Every list call, by kind, in order. */
  readonly lists: WatchedKind[] = [];
  /** Every watch call: kind and the resourceVersion it started from. */
  readonly watchCalls: { kind: WatchedKind; resourceVersion: string }[] = [];

  list(kind: WatchedKind): Promise<ListResult> {
    this.lists.push(kind);
    const failure = this.listFailures.get(kind)?.shift();
    if (failure !== undefined) return Promise.reject(failure);
    const items = [...(this.store.get(kind)?.values() ?? [])].map((object) =>
      structuredClone(object),
    );
    return Promise.resolve({ items, resourceVersion: String(this.revision) });
  }

  watch(
    kind: WatchedKind,
    resourceVersion: string,
    onEvent: (type: WatchEventType, object: unknown) => void,
    onDone: (error: unknown) => void,
  ): Promise<WatchHandle> {
    this.watchCalls.push({ kind, resourceVersion });
    const watch: ActiveWatch = { kind, resourceVersion, onEvent, onDone, open: true };
    const failure = this.watchFailures.get(kind)?.shift();
    if (failure !== undefined) {
      watch.open = false;
      onDone(failure);
    } else {
      this.watches.push(watch);
    }
    return Promise.resolve({
      abort: () => {
        watch.open = false;
      },
    });
  }

  /**
   * Creates or replaces an object and tells open watches (ADDED or MODIFIED). Returns a copy of
   * what is stored (with its new resourceVersion).
   */
  apply(kind: WatchedKind, object: Record<string, unknown>): Record<string, unknown> {
    const stored = this.stamp(object);
    const objects = this.objectsOf(kind);
    const key = keyOf(stored);
    const type = objects.has(key) ? 'MODIFIED' : 'ADDED';
    objects.set(key, stored);
    this.emit(kind, type, stored);
    return structuredClone(stored);
  }

  /** A copy of the stored object of that kind, namespace ('' when cluster-scoped) and name. */
  get(kind: WatchedKind, namespace: string, name: string): Record<string, unknown> | undefined {
    const stored = this.store.get(kind)?.get(`${namespace}/${name}`);
    return stored === undefined ? undefined : structuredClone(stored);
  }

  /** Deletes an object and tells open watches. */
  delete(kind: WatchedKind, object: Record<string, unknown>): void {
    const objects = this.objectsOf(kind);
    const key = keyOf(object as Stored);
    const stored = objects.get(key);
    if (stored === undefined) return;
    objects.delete(key);
    this.revision += 1;
    this.emit(kind, 'DELETED', {
      ...stored,
      metadata: { ...stored.metadata, resourceVersion: String(this.revision) },
    });
  }

  /** Changes the store without telling any watch (events the informer missed). */
  applySilently(kind: WatchedKind, object: Record<string, unknown>): void {
    const stored = this.stamp(object);
    this.objectsOf(kind).set(keyOf(stored), stored);
  }

  /** Deletes without telling any watch. */
  deleteSilently(kind: WatchedKind, object: Record<string, unknown>): void {
    this.objectsOf(kind).delete(keyOf(object as Stored));
  }

  /** Sends a BOOKMARK at the current revision (after bumping it). */
  bookmark(kind: WatchedKind): void {
    this.revision += 1;
    this.emit(kind, 'BOOKMARK', {
      kind: 'Bookmark',
      metadata: { resourceVersion: String(this.revision) },
    });
  }

  /** Ends every open watch of a kind with `error` (undefined: a normal server-side close). */
  endWatches(kind: WatchedKind, error?: unknown): void {
    for (const watch of this.watches) {
      if (watch.kind === kind && watch.open) {
        watch.open = false;
        watch.onDone(error);
      }
    }
  }

  /** The next `list` of `kind` fails with `error`. */
  failNextList(kind: WatchedKind, error: Error): void {
    this.listFailures.set(kind, [...(this.listFailures.get(kind) ?? []), error]);
  }

  /** The next `watch` of `kind` fails to open with `error`. */
  failNextWatch(kind: WatchedKind, error: unknown): void {
    this.watchFailures.set(kind, [...(this.watchFailures.get(kind) ?? []), error]);
  }

  /** How many watches of a kind are open. */
  openWatches(kind: WatchedKind): number {
    return this.watches.filter((watch) => watch.kind === kind && watch.open).length;
  }

  private emit(kind: WatchedKind, type: WatchEventType, object: unknown): void {
    for (const watch of [...this.watches]) {
      if (watch.kind === kind && watch.open) watch.onEvent(type, structuredClone(object));
    }
  }

  private stamp(object: Record<string, unknown>): Stored {
    this.revision += 1;
    const metadata = (object.metadata ?? {}) as Record<string, unknown>;
    return { ...object, metadata: { ...metadata, resourceVersion: String(this.revision) } };
  }

  private objectsOf(kind: WatchedKind): Map<string, Stored> {
    let objects = this.store.get(kind);
    if (objects === undefined) {
      objects = new Map();
      this.store.set(kind, objects);
    }
    return objects;
  }
}

function keyOf(object: Stored): string {
  const namespace = typeof object.metadata.namespace === 'string' ? object.metadata.namespace : '';
  const name = typeof object.metadata.name === 'string' ? object.metadata.name : '';
  return `${namespace}/${name}`;
}
