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
import { errorMessage } from '../util/error-message.js';

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
  /**
   * Further readers of the Profile and Namespace informers (the LimitRange reconciler): fed by
   * the same lists and watches as the snapshot, so nothing is listed or watched twice.
   */
  readonly alsoFeed?: {
    readonly Profile?: InformerSink<unknown>;
    readonly Namespace?: InformerSink<unknown>;
  };
  /**
   * Adds a LimitRange informer feeding this sink. Its first list is awaited by `start` (a 401/403
   * is fatal like any other kind's), but it does not count for the snapshot's state or readiness:
   * no rule reads LimitRanges.
   */
  readonly limitRanges?: InformerSink<unknown>;
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
    const extra = kind === 'RoleBinding' ? undefined : options.alsoFeed?.[kind];
    const informer = new Informer<unknown>({
      ...common,
      kind,
      sink: extra === undefined ? indexSink(index, kind) : teeSink(indexSink(index, kind), extra),
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

  // Not in `informers`: its health is not the snapshot's.
  const limitRangeInformer =
    options.limitRanges === undefined
      ? undefined
      : new Informer<unknown>({
          ...common,
          onHealth: () => undefined,
          kind: 'LimitRange',
          sink: options.limitRanges,
        });

  const stopAll = (): void => {
    for (const informer of informers) informer.stop();
    limitRangeInformer?.stop();
  };

  return {
    start() {
      const all = limitRangeInformer === undefined ? informers : [...informers, limitRangeInformer];
      started ??= Promise.all(all.map((informer) => informer.start())).then(
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
 * Feeds two sinks from one informer: each keeps its own form of the objects (`prepare`), and
 * an object one of them does not keep is removed from that one only.
 */
function teeSink<A, B>(
  first: InformerSink<A>,
  second: InformerSink<B>,
): InformerSink<readonly [A | undefined, B | undefined]> {
  return {
    prepare: (object) => {
      const pair = [first.prepare(object), second.prepare(object)] as const;
      return pair[0] === undefined && pair[1] === undefined ? undefined : pair;
    },
    replace: (items) => {
      first.replace(items.map((pair) => pair[0]).filter((item) => item !== undefined));
      second.replace(items.map((pair) => pair[1]).filter((item) => item !== undefined));
    },
    upsert: (pair, object) => {
      if (pair[0] === undefined) first.remove(object);
      else first.upsert(pair[0], object);
      if (pair[1] === undefined) second.remove(object);
      else second.upsert(pair[1], object);
    },
    remove: (object) => {
      first.remove(object);
      second.remove(object);
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
        { err: errorMessage(error), name: nameOf(event.object) },
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
