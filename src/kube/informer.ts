import type { Logger } from 'pino';
import {
  DEFAULT_BACKOFF,
  REAL_SCHEDULER,
  backoffDelay,
  type BackoffOptions,
  type Scheduler,
} from './scheduler.js';
import {
  isExpired,
  statusOf,
  type WatchedKind,
  type WatchEventType,
  type WatchHandle,
  type WatchSource,
} from './watch-source.js';
import { errorMessage } from '../util/error-message.js';

/**
 * Where an informer puts what it learns. `prepare` reduces a raw object to what is kept (so a
 * relist never holds more than one page of raw objects); `replace` swaps in a whole relist
 * synchronously; `upsert`/`remove` apply watch events.
 */
export interface InformerSink<T> {
  prepare(object: unknown): T | undefined;
  replace(items: readonly T[]): void;
  upsert(item: T, object: unknown): void;
  remove(object: unknown): void;
}

/** Options of {@link Informer}. */
export interface InformerOptions<T> {
  readonly kind: WatchedKind;
  readonly source: WatchSource;
  readonly sink: InformerSink<T>;
  readonly logger: Logger;
  /** Called when the informer turns healthy (fresh list or watch open) or unhealthy. */
  readonly onHealth?: (healthy: boolean) => void;
  /** Called after every change applied to the sink. */
  readonly onChange?: () => void;
  /** Periodic relist interval; default 10 minutes. 0 turns it off. */
  readonly resyncMs?: number;
  readonly backoff?: BackoffOptions;
  readonly scheduler?: Scheduler;
  /** In [0, 1), for backoff jitter; default `Math.random`. */
  readonly random?: () => number;
}

/** Statuses that no retry will fix before someone changes RBAC or credentials. */
const FATAL_ON_FIRST_LIST = new Set([401, 403]);

/** Default relist interval. */
export const DEFAULT_RESYNC_MS = 10 * 60 * 1000;

/**
 * List + watch for one kind, as client-go's reflector does it: a full (paged) list replaces the
 * sink and gives a resourceVersion; a watch from there applies changes; bookmarks advance the
 * resourceVersion. A watch that the server closes normally is reopened at once; one that breaks is
 * reopened with capped, jittered exponential backoff, and the informer is unhealthy until a watch
 * is open again; `410 Gone` / "too old resource version" triggers a relist. Every `resyncMs` the
 * kind is relisted while the current watch keeps running, so missed deletes cannot linger.
 * A kind whose API is not served (404: CRD not installed) counts as empty and is relisted later.
 */
export class Informer<T> {
  private readonly kind: WatchedKind;
  private readonly source: WatchSource;
  private readonly sink: InformerSink<T>;
  private readonly logger: Logger;
  private readonly scheduler: Scheduler;
  private readonly random: () => number;
  private readonly backoff: BackoffOptions;
  private readonly resyncMs: number;
  private readonly onHealth: (healthy: boolean) => void;
  private readonly onChange: () => void;

  private stopped = false;
  private listed = false;
  private healthy = false;
  private listing = false;
  private absent = false;
  private resourceVersion = '';
  private attempts = 0;
  private quietCloses = 0;
  /** Identifies the current watch; callbacks of older watches are ignored. */
  private watchToken = 0;
  private watchHandle: WatchHandle | undefined;
  private retryTimer: unknown;
  private resyncTimer: unknown;
  private firstSync:
    { resolve: () => void; reject: (error: Error) => void; promise: Promise<void> } | undefined;

  constructor(options: InformerOptions<T>) {
    this.kind = options.kind;
    this.source = options.source;
    this.sink = options.sink;
    this.logger = options.logger;
    this.scheduler = options.scheduler ?? REAL_SCHEDULER;
    this.random = options.random ?? Math.random;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.resyncMs = options.resyncMs ?? DEFAULT_RESYNC_MS;
    this.onHealth = options.onHealth ?? (() => undefined);
    this.onChange = options.onChange ?? (() => undefined);
  }

  /**
   * Starts listing and watching. Resolves after the first successful list; rejects when that
   * list fails with 401/403 (credentials or RBAC), which retrying cannot fix. Other failures
   * are retried with backoff, and the promise waits.
   */
  start(): Promise<void> {
    if (this.firstSync !== undefined) return this.firstSync.promise;
    let resolve: () => void = () => undefined;
    let reject: (error: Error) => void = () => undefined;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.firstSync = { resolve, reject, promise };
    void this.relist();
    return promise;
  }

  /** Stops everything; no callback fires afterwards. */
  stop(): void {
    this.stopped = true;
    this.watchToken += 1;
    this.watchHandle?.abort();
    this.watchHandle = undefined;
    this.clearTimer('retry');
    this.clearTimer('resync');
  }

  /** A method, not the field: the state may change across an await. */
  private isStopped(): boolean {
    return this.stopped;
  }

  /** True once the first list was applied. */
  hasSynced(): boolean {
    return this.listed;
  }

  /** True while the state is known current: freshly listed or watching. */
  isHealthy(): boolean {
    return this.healthy;
  }

  private async relist(): Promise<void> {
    if (this.stopped || this.listing) return;
    this.listing = true;
    this.clearTimer('retry');
    try {
      const result = await this.source.list(this.kind);
      if (this.isStopped()) return;
      const items: T[] = [];
      for (const object of result.items) {
        const item = this.sink.prepare(object);
        if (item !== undefined) items.push(item);
      }
      this.sink.replace(items);
      this.resourceVersion = result.resourceVersion;
      if (this.absent) this.logger.info({ kind: this.kind }, 'cluster cache: kind is now served');
      this.absent = false;
      this.onListed();
      this.logger.debug(
        { kind: this.kind, count: items.length, resourceVersion: result.resourceVersion },
        'cluster cache: listed',
      );
      this.openWatch();
    } catch (error) {
      if (this.isStopped()) return;
      this.onListFailed(error);
    } finally {
      this.listing = false;
    }
  }

  private onListed(): void {
    this.attempts = 0;
    this.clearTimer('retry');
    this.onChange();
    const first = !this.listed;
    this.listed = true;
    this.setHealthy(true);
    if (first) this.firstSync?.resolve();
    this.scheduleResync();
  }

  private onListFailed(error: unknown): void {
    const status = statusOf(error);
    if (status === 404) {
      // The API is not served (a CRD not installed yet): nothing of this kind exists.
      if (!this.absent) {
        this.logger.warn(
          { kind: this.kind },
          'cluster cache: the API server does not serve this kind; treating it as empty',
        );
      }
      this.absent = true;
      this.watchToken += 1;
      this.watchHandle?.abort();
      this.watchHandle = undefined;
      this.sink.replace([]);
      this.resourceVersion = '';
      this.onListed();
      this.clearTimer('resync');
      this.schedule('retry', this.backoff.maxMs, () => void this.relist());
      return;
    }
    if (!this.listed && status !== undefined && FATAL_ON_FIRST_LIST.has(status)) {
      this.firstSync?.reject(
        new Error(
          `cannot list ${this.kind} objects (HTTP ${status}): check the credentials and that ` +
            `RBAC grants list and watch on ${this.kind} cluster-wide; ${errorMessage(error)}`,
        ),
      );
      this.stop();
      return;
    }
    if (this.watchHandle !== undefined && this.healthy) {
      // A periodic relist failed while the watch is fine: keep watching, try at the next resync.
      this.logger.warn(
        { kind: this.kind, err: errorMessage(error), status },
        'cluster cache: periodic relist failed; the watch goes on',
      );
      this.scheduleResync();
      return;
    }
    this.setHealthy(false);
    this.attempts += 1;
    const delay = backoffDelay(this.attempts, this.backoff, this.random);
    this.logger.warn(
      {
        kind: this.kind,
        err: errorMessage(error),
        status,
        attempt: this.attempts,
        retryInMs: delay,
      },
      'cluster cache: list failed; retrying',
    );
    this.schedule('retry', delay, () => void this.relist());
  }

  private openWatch(): void {
    if (this.stopped) return;
    this.watchHandle?.abort();
    this.watchHandle = undefined;
    const token = ++this.watchToken;
    let done = false;
    let sawEvent = false;
    const onEvent = (type: WatchEventType, object: unknown): void => {
      if (token !== this.watchToken) return;
      sawEvent = true;
      this.quietCloses = 0;
      this.applyEvent(type, object);
    };
    const onDone = (error: unknown): void => {
      if (done || token !== this.watchToken) return;
      done = true;
      this.watchHandle = undefined;
      this.onWatchDone(error, sawEvent);
    };
    let opening: Promise<WatchHandle>;
    try {
      opening = this.source.watch(this.kind, this.resourceVersion, onEvent, onDone);
    } catch (error) {
      opening = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    opening.then(
      (handle) => {
        if (token !== this.watchToken || done) {
          handle.abort();
          return;
        }
        this.watchHandle = handle;
        this.attempts = 0;
        if (!this.healthy) {
          this.logger.info({ kind: this.kind }, 'cluster cache: watch re-established');
        }
        this.setHealthy(true);
      },
      (error: unknown) => {
        onDone(error ?? new Error('watch failed to open'));
      },
    );
  }

  private applyEvent(type: WatchEventType, object: unknown): void {
    const version = resourceVersionOf(object);
    if (type === 'BOOKMARK') {
      if (version !== undefined) this.resourceVersion = version;
      return;
    }
    if (type === 'DELETED') {
      this.sink.remove(object);
    } else {
      const item = this.sink.prepare(object);
      if (item === undefined) this.sink.remove(object);
      else this.sink.upsert(item, object);
    }
    if (version !== undefined) this.resourceVersion = version;
    this.onChange();
  }

  private onWatchDone(error: unknown, sawEvent: boolean): void {
    if (this.stopped) return;
    if (error === undefined || error === null) {
      // The server's routine timeout: reopen at once, unless closes come back to back empty.
      if (!sawEvent) this.quietCloses += 1;
      const delay =
        this.quietCloses > 1 ? backoffDelay(this.quietCloses - 1, this.backoff, this.random) : 0;
      this.schedule('retry', delay, () => {
        this.openWatch();
      });
      return;
    }
    if (isExpired(error) || statusOf(error) === 404) {
      this.logger.info(
        { kind: this.kind, err: errorMessage(error) },
        'cluster cache: watch position expired; relisting',
      );
      this.schedule('retry', 0, () => void this.relist());
      return;
    }
    this.setHealthy(false);
    this.attempts += 1;
    const delay = backoffDelay(this.attempts, this.backoff, this.random);
    this.logger.warn(
      { kind: this.kind, err: errorMessage(error), attempt: this.attempts, retryInMs: delay },
      'cluster cache: watch broke; decisions use the last known state until it recovers',
    );
    this.schedule('retry', delay, () => {
      this.openWatch();
    });
  }

  private setHealthy(healthy: boolean): void {
    if (this.healthy === healthy) return;
    this.healthy = healthy;
    this.onHealth(healthy);
  }

  private scheduleResync(): void {
    this.clearTimer('resync');
    if (this.resyncMs <= 0) return;
    this.schedule('resync', this.resyncMs, () => void this.relist());
  }

  private schedule(which: 'retry' | 'resync', ms: number, run: () => void): void {
    if (this.stopped) return;
    this.clearTimer(which);
    const handle = this.scheduler.setTimeout(() => {
      if (which === 'retry') this.retryTimer = undefined;
      else this.resyncTimer = undefined;
      if (!this.stopped) run();
    }, ms);
    if (which === 'retry') this.retryTimer = handle;
    else this.resyncTimer = handle;
  }

  private clearTimer(which: 'retry' | 'resync'): void {
    const handle = which === 'retry' ? this.retryTimer : this.resyncTimer;
    if (handle === undefined) return;
    this.scheduler.clearTimeout(handle);
    if (which === 'retry') this.retryTimer = undefined;
    else this.resyncTimer = undefined;
  }
}

function resourceVersionOf(object: unknown): string | undefined {
  if (typeof object !== 'object' || object === null) return undefined;
  const metadata = (object as { metadata?: unknown }).metadata;
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const version = (metadata as { resourceVersion?: unknown }).resourceVersion;
  return typeof version === 'string' && version !== '' ? version : undefined;
}
