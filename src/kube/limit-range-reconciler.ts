import type { Logger } from 'pino';
import {
  LIMIT_RANGE_NAME,
  defaultedResources,
  isOwnLimitRange,
  limitRangeManifest,
  ownDefaultsOf,
  planLimitRange,
  quotaDemands,
  type ComputeResource,
  type ContainerDefaults,
  type LimitRangeManifest,
  type LimitRangeSettings,
  type QuotaDemands,
} from '../policy/limit-range.js';
import { asStringMap, asString, getPath } from '../policy/object-access.js';
import { profileOwnerReference } from '../policy/profile-namespace.js';
import type { LimitRangeWriteOutcome } from '../observability/metrics.js';
import type { InformerSink } from './informer.js';
import { REAL_SCHEDULER, backoffDelay, type BackoffOptions, type Scheduler } from './scheduler.js';
import { statusOf } from './watch-source.js';
import { errorMessage } from '../util/error-message.js';

/** Writes profile-guard's LimitRanges (the client-node implementation is `kube-limit-range-writer.ts`). */
export interface LimitRangeWriter {
  /**
   * Server-side apply of `manifest` with profile-guard's field manager; `force` takes over fields
   * another manager set (only ever on profile-guard's own object). Resolves with the stored
   * object; rejects with the API server's status (409 for a conflict or a stale resourceVersion).
   */
  apply(manifest: LimitRangeManifest, force: boolean): Promise<unknown>;
  /**
   * Deletes the LimitRange if it still has this uid and resourceVersion (preconditions), so an
   * object that changed hands meanwhile is never deleted. A 404 counts as deleted.
   */
  delete(
    namespace: string,
    name: string,
    preconditions: { readonly uid: string; readonly resourceVersion: string },
  ): Promise<void>;
}

/** The outcome of one write, the `result` label of `profile_guard_limitrange_writes_total`. */
export type LimitRangeWriteResult = LimitRangeWriteOutcome;

/** Options of {@link createLimitRangeReconciler}. */
export interface LimitRangeReconcilerOptions {
  readonly writer: LimitRangeWriter;
  readonly logger: Logger;
  /** `profiles.limitRange` of the policy that governs a stored Profile with these labels. */
  readonly settingsFor: (profileLabels: Readonly<Record<string, string>>) => LimitRangeSettings;
  /** Called after every write attempt. */
  readonly onWrite?: (result: LimitRangeWriteResult) => void;
  /** Retry delays of a failed write (default 1 s doubling to 5 min, jittered). */
  readonly backoff?: BackoffOptions;
  /** Failed attempts before a namespace is left until its next change or relist (default 8). */
  readonly maxAttempts?: number;
  readonly scheduler?: Scheduler;
  readonly random?: () => number;
}

/** Keeps profile-guard's LimitRange in every profile namespace; see {@link createLimitRangeReconciler}. */
export interface LimitRangeReconciler {
  /** Feeds: the Profile, Namespace and LimitRange informers' sinks. */
  readonly profiles: InformerSink<ProfileEntry>;
  readonly namespaces: InformerSink<NamespaceEntry>;
  readonly limitRanges: InformerSink<LimitRangeEntry>;
  /** The policies in force changed: every namespace is looked at again. */
  policyChanged(): void;
  /**
   * Starts deciding and writing. Call once every feed delivered its first list (and the policy
   * is loaded): before that, a namespace would look as if its Profile or LimitRange were missing.
   */
  run(): void;
  /** Stops: no write starts afterwards, retries are cancelled. */
  stop(): void;
  /** Resolves once the queue is empty and no write is in flight (tests, shutdown). */
  idle(): Promise<void>;
  /** Namespaces waiting to be looked at (tests). */
  queued(): number;
}

/**
 * What is kept of a Profile: its labels (for policy selection), its owner's name (to tell whether
 * the namespace of its name is its own) and its quota's demands.
 */
export interface ProfileEntry {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly owner: string | undefined;
  readonly demands: QuotaDemands;
}

/**
 * What is kept of a Namespace: whether it is being deleted, and whose it is (the Profile in its
 * ownerReferences, its `owner` annotation).
 */
export interface NamespaceEntry {
  readonly name: string;
  readonly terminating: boolean;
  readonly ownerProfile: string | undefined;
  readonly ownerAnnotation: string | undefined;
}

/**
 * True when the namespace is the Profile's own: the profile controller's ownerReference to it, or
 * an `owner` annotation naming the Profile's owner. A namespace of the same name that belongs to
 * someone else (or to no one yet) never gets profile-guard's LimitRange.
 */
function belongsTo(namespace: NamespaceEntry | undefined, profile: ProfileEntry): boolean {
  if (namespace === undefined) return false;
  if (namespace.ownerProfile === profile.name) return true;
  return namespace.ownerAnnotation !== undefined && namespace.ownerAnnotation === profile.owner;
}

/** What is kept of a LimitRange. */
export interface LimitRangeEntry {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion: string;
  /** profile-guard's own (name and label). */
  readonly own: boolean;
  /** Own: its defaults, undefined when edited out of shape. */
  readonly defaults: ContainerDefaults | undefined;
  /** Not own: the resources it defaults. */
  readonly defaulted: readonly ComputeResource[];
}

const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({ initialMs: 1_000, maxMs: 300_000 });
const DEFAULT_MAX_ATTEMPTS = 8;
const EMPTY_SET: ReadonlySet<ComputeResource> = new Set();

/**
 * The LimitRange reconciler: a work queue of namespace names, fed by the cluster cache's
 * Profile and Namespace informers and its own LimitRange informer. For each namespace it gathers
 * the facts (the namespace, the Profile of the same name if the namespace is its own — see
 * `belongsTo` — and its quota as stored, the governing
 * policy's `profiles.limitRange`, the LimitRanges there) and lets the pure `planLimitRange`
 * decide; then it applies or deletes profile-guard's LimitRange, one write at a time.
 *
 * Every replica runs it: applies are server-side applies of the same content by the same field
 * manager, so concurrent replicas write the same object (a second identical apply changes
 * nothing), and an update carries the resourceVersion it was computed from, so a stale replica
 * gets a 409 and looks again instead of undoing a newer write. Failed writes are retried with
 * capped, jittered backoff per namespace, at most `maxAttempts` times; after that the namespace
 * waits for its next change or the periodic relist. The queue holds each namespace once.
 */
export function createLimitRangeReconciler(
  options: LimitRangeReconcilerOptions,
): LimitRangeReconciler {
  const { writer, logger } = options;
  const scheduler = options.scheduler ?? REAL_SCHEDULER;
  const random = options.random ?? Math.random;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;

  const profiles = new Map<string, ProfileEntry>();
  const namespaces = new Map<string, NamespaceEntry>();
  /** namespace -> name -> entry */
  const limitRanges = new Map<string, Map<string, LimitRangeEntry>>();
  /** Bumped on every LimitRange change of a namespace: a write's answer is only kept if unchanged. */
  const limitRangeVersions = new Map<string, number>();

  const queue: string[] = [];
  const queuedKeys = new Set<string>();
  const attempts = new Map<string, number>();
  const retryTimers = new Map<string, unknown>();
  const warnedBlocked = new Set<string>();
  let running = false;
  let started = false;
  let stopped = false;
  let idleWaiters: (() => void)[] = [];
  // A function, not the variable: `stop()` may run while a write is awaited.
  const isStopped = (): boolean => stopped;

  const enqueue = (key: string): void => {
    if (stopped || queuedKeys.has(key)) return;
    queuedKeys.add(key);
    queue.push(key);
    if (started) void drain();
  };
  const enqueueAll = (): void => {
    const keys = new Set([...profiles.keys(), ...limitRanges.keys()]);
    for (const key of keys) enqueue(key);
  };

  const settle = (): void => {
    if (running || queue.length > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const drain = async (): Promise<void> => {
    if (running || !started || stopped) return;
    running = true;
    try {
      for (let key = queue.shift(); key !== undefined && !isStopped(); key = queue.shift()) {
        queuedKeys.delete(key);
        await reconcile(key);
      }
    } finally {
      running = false;
      settle();
    }
  };

  const takenByOthers = (entries: Map<string, LimitRangeEntry> | undefined) => {
    if (entries === undefined) return EMPTY_SET;
    const taken = new Set<ComputeResource>();
    for (const entry of entries.values()) {
      if (entry.own) continue;
      for (const resource of entry.defaulted) taken.add(resource);
    }
    return taken;
  };

  const reconcile = async (namespace: string): Promise<void> => {
    const entries = limitRanges.get(namespace);
    const namesake = entries?.get(LIMIT_RANGE_NAME);
    const own = namesake?.own === true ? namesake : undefined;
    const namesakeProfile = profiles.get(namespace);
    const profile =
      namesakeProfile !== undefined && belongsTo(namespaces.get(namespace), namesakeProfile)
        ? namesakeProfile
        : undefined;
    const action = planLimitRange({
      namespace: namespaces.get(namespace),
      demands: profile?.demands,
      settings: profile === undefined ? undefined : options.settingsFor(profile.labels),
      own: own === undefined ? undefined : { defaults: own.defaults },
      foreignNamesake: namesake !== undefined && !namesake.own,
      takenByOthers: takenByOthers(entries),
    });

    if (action.kind === 'blocked') {
      if (!warnedBlocked.has(namespace)) {
        warnedBlocked.add(namespace);
        logger.warn(
          { namespace, limitRange: LIMIT_RANGE_NAME },
          `limit range: a LimitRange named ${LIMIT_RANGE_NAME} without the managed-by label exists; left alone`,
        );
      }
      succeeded(namespace);
      return;
    }
    warnedBlocked.delete(namespace);
    if (action.kind === 'none') {
      succeeded(namespace);
      return;
    }

    const version = limitRangeVersions.get(namespace) ?? 0;
    if (action.kind === 'delete') {
      if (own === undefined) return;
      try {
        await writer.delete(namespace, LIMIT_RANGE_NAME, {
          uid: own.uid,
          resourceVersion: own.resourceVersion,
        });
      } catch (error) {
        failed(namespace, 'delete', error);
        return;
      }
      options.onWrite?.('deleted');
      logger.info({ namespace, limitRange: LIMIT_RANGE_NAME }, 'limit range: deleted');
      if ((limitRangeVersions.get(namespace) ?? 0) === version) {
        forgetLimitRange(namespace, LIMIT_RANGE_NAME);
      }
      succeeded(namespace);
      return;
    }

    const manifest = limitRangeManifest(namespace, action.defaults, own?.resourceVersion);
    let stored: unknown;
    try {
      stored = await writer.apply(manifest, own !== undefined);
    } catch (error) {
      failed(namespace, 'apply', error);
      return;
    }
    options.onWrite?.(own === undefined ? 'created' : 'updated');
    logger.info(
      {
        namespace,
        limitRange: LIMIT_RANGE_NAME,
        defaultRequest: action.defaults.defaultRequest,
        default: action.defaults.default,
      },
      own === undefined ? 'limit range: created' : 'limit range: updated',
    );
    // Keep what the API server answered, unless a watch event told something newer meanwhile:
    // the next look at this namespace then starts from the write, not from before it.
    const entry = limitRangeEntry(stored);
    if (entry !== undefined && (limitRangeVersions.get(namespace) ?? 0) === version) {
      rememberLimitRange(entry);
    }
    succeeded(namespace);
  };

  const succeeded = (namespace: string): void => {
    attempts.delete(namespace);
    const timer = retryTimers.get(namespace);
    if (timer !== undefined) {
      scheduler.clearTimeout(timer);
      retryTimers.delete(namespace);
    }
  };

  const failed = (namespace: string, operation: 'apply' | 'delete', error: unknown): void => {
    const status = statusOf(error);
    const result: LimitRangeWriteResult = status === 409 ? 'conflict' : 'error';
    options.onWrite?.(result);
    const attempt = (attempts.get(namespace) ?? 0) + 1;
    const message = errorMessage(error);
    if (attempt >= maxAttempts) {
      attempts.delete(namespace);
      logger.error(
        { namespace, operation, status, err: message, attempts: attempt },
        'limit range: write failed; giving up until the namespace changes or is relisted',
      );
      return;
    }
    attempts.set(namespace, attempt);
    const delay = backoffDelay(attempt, backoff, random);
    logger[result === 'conflict' ? 'info' : 'warn'](
      { namespace, operation, status, err: message, attempt, retryInMs: delay },
      result === 'conflict'
        ? 'limit range: conflict (changed meanwhile); looking again'
        : 'limit range: write failed; retrying',
    );
    const previous = retryTimers.get(namespace);
    if (previous !== undefined) scheduler.clearTimeout(previous);
    retryTimers.set(
      namespace,
      scheduler.setTimeout(() => {
        retryTimers.delete(namespace);
        enqueue(namespace);
      }, delay),
    );
  };

  const touchLimitRanges = (namespace: string): void => {
    limitRangeVersions.set(namespace, (limitRangeVersions.get(namespace) ?? 0) + 1);
  };
  const rememberLimitRange = (entry: LimitRangeEntry): void => {
    let entries = limitRanges.get(entry.namespace);
    if (entries === undefined) {
      entries = new Map();
      limitRanges.set(entry.namespace, entries);
    }
    entries.set(entry.name, entry);
  };
  const forgetLimitRange = (namespace: string, name: string): void => {
    const entries = limitRanges.get(namespace);
    if (entries === undefined) return;
    entries.delete(name);
    if (entries.size === 0) limitRanges.delete(namespace);
  };

  const profileSink: InformerSink<ProfileEntry> = {
    prepare: profileEntry,
    replace: (items) => {
      const before = [...profiles.keys()];
      profiles.clear();
      for (const item of items) profiles.set(item.name, item);
      for (const key of new Set([...before, ...profiles.keys()])) enqueue(key);
    },
    upsert: (item) => {
      profiles.set(item.name, item);
      enqueue(item.name);
    },
    remove: (object) => {
      const name = nameOf(object);
      if (name === undefined) return;
      profiles.delete(name);
      enqueue(name);
    },
  };

  const namespaceSink: InformerSink<NamespaceEntry> = {
    prepare: namespaceEntry,
    replace: (items) => {
      const before = [...namespaces.keys()];
      namespaces.clear();
      for (const item of items) namespaces.set(item.name, item);
      // Only namespaces that can hold profile-guard's LimitRange need a look.
      for (const key of new Set([...before, ...namespaces.keys()])) {
        if (profiles.has(key) || limitRanges.has(key)) enqueue(key);
      }
    },
    upsert: (item) => {
      namespaces.set(item.name, item);
      if (profiles.has(item.name) || limitRanges.has(item.name)) enqueue(item.name);
    },
    remove: (object) => {
      const name = nameOf(object);
      if (name === undefined) return;
      namespaces.delete(name);
    },
  };

  const limitRangeSink: InformerSink<LimitRangeEntry> = {
    prepare: limitRangeEntry,
    replace: (items) => {
      const before = [...limitRanges.keys()];
      limitRanges.clear();
      for (const item of items) rememberLimitRange(item);
      for (const key of new Set([...before, ...limitRanges.keys()])) {
        touchLimitRanges(key);
        enqueue(key);
      }
    },
    upsert: (item) => {
      touchLimitRanges(item.namespace);
      rememberLimitRange(item);
      enqueue(item.namespace);
    },
    remove: (object) => {
      const namespace = asString(getPath(object, 'metadata', 'namespace'));
      const name = nameOf(object);
      if (namespace === undefined || name === undefined) return;
      touchLimitRanges(namespace);
      forgetLimitRange(namespace, name);
      enqueue(namespace);
    },
  };

  return {
    profiles: profileSink,
    namespaces: namespaceSink,
    limitRanges: limitRangeSink,
    policyChanged: enqueueAll,
    run() {
      if (started || stopped) return;
      started = true;
      enqueueAll();
      void drain();
    },
    stop() {
      stopped = true;
      for (const timer of retryTimers.values()) scheduler.clearTimeout(timer);
      retryTimers.clear();
      queue.length = 0;
      queuedKeys.clear();
      settle();
    },
    idle() {
      if (!running && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => {
        idleWaiters.push(resolve);
      });
    },
    queued: () => queue.length,
  };
}

function nameOf(object: unknown): string | undefined {
  const name = asString(getPath(object, 'metadata', 'name'));
  return name === undefined || name === '' ? undefined : name;
}

/** A Profile reduced to its name, labels, owner and quota demands. */
function profileEntry(object: unknown): ProfileEntry | undefined {
  const name = nameOf(object);
  if (name === undefined) return undefined;
  return Object.freeze({
    name,
    labels: Object.freeze({ ...asStringMap(getPath(object, 'metadata', 'labels')) }),
    owner: asString(getPath(object, 'spec', 'owner', 'name')),
    demands: quotaDemands(getPath(object, 'spec', 'resourceQuotaSpec', 'hard')),
  });
}

/** A Namespace reduced to its name, whether it is being deleted, and whose it is. */
function namespaceEntry(object: unknown): NamespaceEntry | undefined {
  const name = nameOf(object);
  if (name === undefined) return undefined;
  const terminating =
    asString(getPath(object, 'status', 'phase')) === 'Terminating' ||
    asString(getPath(object, 'metadata', 'deletionTimestamp')) !== undefined;
  return Object.freeze({
    name,
    terminating,
    ownerProfile: profileOwnerReference(getPath(object, 'metadata', 'ownerReferences')),
    ownerAnnotation: asString(getPath(object, 'metadata', 'annotations', 'owner')),
  });
}

/** A LimitRange reduced to what the ownership rule and the comparison read. */
function limitRangeEntry(object: unknown): LimitRangeEntry | undefined {
  const name = nameOf(object);
  const namespace = asString(getPath(object, 'metadata', 'namespace'));
  if (name === undefined || namespace === undefined || namespace === '') return undefined;
  const own = isOwnLimitRange(object);
  return Object.freeze({
    namespace,
    name,
    uid: asString(getPath(object, 'metadata', 'uid')) ?? '',
    resourceVersion: asString(getPath(object, 'metadata', 'resourceVersion')) ?? '',
    own,
    defaults: own ? ownDefaultsOf(object) : undefined,
    defaulted: own ? [] : Object.freeze(defaultedResources(object)),
  });
}
