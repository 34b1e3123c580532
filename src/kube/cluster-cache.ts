import type { Logger } from 'pino';
import type { ClusterSnapshot } from '../policy/cluster-snapshot.js';
import { asString, getPath } from '../policy/object-access.js';
import {
  INDEXED_KINDS,
  SnapshotIndex,
  type IndexedKind,
  type LeanRecord,
} from '../policy/snapshot-index.js';
import { Informer, type InformerSink } from './informer.js';
import type { BackoffOptions, Scheduler } from './scheduler.js';
import type { WatchSource } from './watch-source.js';

/** A change to a ProfilePolicy object, with the raw object (its final state for `delete`). */
export interface PolicyObjectEvent {
  readonly type: 'add' | 'update' | 'delete';
  readonly object: unknown;
}

/** Options of {@link createClusterCache}. */
export interface ClusterCacheOptions {
  readonly source: WatchSource;
  readonly logger: Logger;
  /** Called when the cache turns `synced` (true) or `stale` (false); feeds `profile_guard_cache_synced`. */
  readonly onSyncChange?: (synced: boolean) => void;
  /** Called with an object count when it changes; feeds `profile_guard_cache_objects{kind}`. */
  readonly onCounts?: (kind: IndexedKind, count: number) => void;
  /** Receives every ProfilePolicy add/update/delete (see `cluster-policies.ts`). */
  readonly onPolicyEvent?: (event: PolicyObjectEvent) => void;
  /** Periodic relist interval per kind; default 10 minutes. */
  readonly resyncMs?: number;
  readonly backoff?: BackoffOptions;
  readonly scheduler?: Scheduler;
  readonly random?: () => number;
}

/** The informer-backed cluster state: Profiles, Namespaces, RoleBindings, ProfilePolicies. */
export interface ClusterCache {
  /**
   * Lists and watches every kind. Resolves once each kind was listed once (the snapshot turns
   * `synced` and ProfilePolicies have been delivered); rejects when the API server refuses
   * the credentials or RBAC forbids a list (401/403), after stopping everything.
   */
  start(): Promise<void>;
  /** Stops all watches and timers. */
  stop(): Promise<void>;
  /**
   * The live snapshot. Its `state` is `unsynced` before the first sync, `synced` while every
   * watch is healthy, `stale` while one is broken (decisions go on with the last state).
   */
  snapshot(): ClusterSnapshot;
  /** True once the first sync completed (readiness). Stays true while `stale`. */
  synced(): boolean;
}

/**
 * Builds the cluster cache over a {@link WatchSource}. The engine only ever reads the snapshot
 * (synchronously, never calling the API server); informers keep it current in the background.
 */
export function createClusterCache(options: ClusterCacheOptions): ClusterCache {
  const index = new SnapshotIndex();
  const { logger } = options;
  const lastCounts = new Map<IndexedKind, number>();
  let started: Promise<void> | undefined;
  let everSynced = false;
  let reportedSynced: boolean | undefined;

  const reportCounts = (kind: IndexedKind): void => {
    const count = index.counts()[kind];
    if (lastCounts.get(kind) === count) return;
    lastCounts.set(kind, count);
    options.onCounts?.(kind, count);
  };

  const informers: Pick<Informer<unknown>, 'start' | 'stop' | 'hasSynced' | 'isHealthy'>[] = [];
  const updateState = (): void => {
    if (!everSynced) {
      if (!informers.every((informer) => informer.hasSynced())) return;
      everSynced = true;
    }
    const healthy = informers.every((informer) => informer.isHealthy());
    index.state = healthy ? 'synced' : 'stale';
    if (reportedSynced !== healthy) {
      if (reportedSynced !== undefined || !healthy) {
        logger[healthy ? 'info' : 'warn'](
          { state: index.state },
          healthy ? 'cluster cache: synced' : 'cluster cache: stale',
        );
      } else {
        logger.info({ counts: index.counts() }, 'cluster cache: synced');
      }
      reportedSynced = healthy;
      options.onSyncChange?.(healthy);
    }
  };

  const common = {
    source: options.source,
    logger,
    onHealth: updateState,
    ...(options.resyncMs === undefined ? {} : { resyncMs: options.resyncMs }),
    ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
    ...(options.scheduler === undefined ? {} : { scheduler: options.scheduler }),
    ...(options.random === undefined ? {} : { random: options.random }),
  };
  for (const kind of INDEXED_KINDS) {
    const informer = new Informer<LeanRecord>({
      ...common,
      kind,
      sink: indexSink(index, kind),
      onChange: () => {
        reportCounts(kind);
      },
    });
    informers.push(informer);
  }
  informers.push(
    new Informer<unknown>({
      ...common,
      kind: 'ProfilePolicy',
      sink: policySink(options.onPolicyEvent ?? (() => undefined), logger),
    }),
  );

  const stopAll = (): void => {
    for (const informer of informers) informer.stop();
  };

  return {
    start() {
      started ??= Promise.all(informers.map((informer) => informer.start())).then(
        () => {
          updateState();
        },
        (error: unknown) => {
          stopAll();
          throw error;
        },
      );
      return started;
    },
    stop() {
      stopAll();
      return Promise.resolve();
    },
    snapshot: () => index,
    synced: () => everSynced,
  };
}

/** Feeds one kind of the snapshot index with lean records. */
function indexSink(index: SnapshotIndex, kind: IndexedKind): InformerSink<LeanRecord> {
  return {
    prepare: (object) => {
      const lean = index.toRecord(object);
      return lean?.kind === kind ? lean : undefined;
    },
    replace: (items) => {
      index.replace(kind, items);
    },
    upsert: (item) => {
      index.put(item);
    },
    remove: (object) => {
      index.remove(object);
    },
  };
}

/**
 * Keeps the raw ProfilePolicy objects (there are few) to turn lists and watch events into
 * add/update/delete: a relist reports objects that vanished as deletes, and repeats nothing
 * whose resourceVersion did not move.
 */
function policySink(
  emit: (event: PolicyObjectEvent) => void,
  logger: Logger,
): InformerSink<unknown> {
  const known = new Map<string, unknown>();
  const deliver = (event: PolicyObjectEvent): void => {
    try {
      emit(event);
    } catch (error) {
      logger.error(
        { err: error instanceof Error ? error.message : String(error), name: nameOf(event.object) },
        'cluster cache: ProfilePolicy handler failed',
      );
    }
  };
  const upsert = (object: unknown): void => {
    const name = nameOf(object);
    if (name === undefined) return;
    const previous = known.get(name);
    known.set(name, object);
    if (previous === undefined) deliver({ type: 'add', object });
    else if (versionOf(previous) !== versionOf(object) || versionOf(object) === undefined)
      deliver({ type: 'update', object });
  };
  return {
    prepare: (object) => (nameOf(object) === undefined ? undefined : object),
    replace: (items) => {
      const names = new Set(items.map(nameOf));
      for (const [name, object] of [...known]) {
        if (!names.has(name)) {
          known.delete(name);
          deliver({ type: 'delete', object });
        }
      }
      for (const object of items) upsert(object);
    },
    upsert: (_item, object) => {
      upsert(object);
    },
    remove: (object) => {
      const name = nameOf(object);
      if (name === undefined) return;
      if (!known.delete(name)) return;
      deliver({ type: 'delete', object });
    },
  };
}

function nameOf(object: unknown): string | undefined {
  const name = asString(getPath(object, 'metadata', 'name'));
  return name === '' ? undefined : name;
}

function versionOf(object: unknown): string | undefined {
  return asString(getPath(object, 'metadata', 'resourceVersion'));
}
