import { errorMessage } from '../util/error-message.js';

/** The kinds profile-guard lists and watches (LimitRanges only for the LimitRange reconciler). */
export type WatchedKind = 'Profile' | 'Namespace' | 'RoleBinding' | 'ProfilePolicy' | 'LimitRange';

/** Every watched kind, in start order. */
export const WATCHED_KINDS: readonly WatchedKind[] = Object.freeze([
  'Profile',
  'Namespace',
  'RoleBinding',
  'ProfilePolicy',
  'LimitRange',
]);

/** The result of a complete (all pages) list. */
export interface ListResult {
  /** Raw objects, each carrying `apiVersion` and `kind`. */
  readonly items: readonly unknown[];
  /** The list's resourceVersion, to watch from. */
  readonly resourceVersion: string;
}

/** The watch event types delivered to `onEvent`; `ERROR` events arrive as `onDone(error)`. */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

/** Stops a watch. After `abort()`, neither callback of that watch is called again. */
export interface WatchHandle {
  abort(): void;
}

/**
 * The narrow surface the informers need from the API server, so that tests can drive them with a
 * fake. `list` returns every page of a kind (cluster-wide); `watch` streams changes after a
 * resourceVersion. The returned promise settles once the stream is open, or failed to open (in
 * which case `onDone(error)` was called first). `onDone` is called at most once: with `undefined`
 * when the server closed the stream normally (its timeout), with an error otherwise — a
 * {@link WatchError} with status 410 when the resourceVersion is too old.
 */
export interface WatchSource {
  list(kind: WatchedKind): Promise<ListResult>;
  watch(
    kind: WatchedKind,
    resourceVersion: string,
    onEvent: (type: WatchEventType, object: unknown) => void,
    onDone: (error: unknown) => void,
  ): Promise<WatchHandle>;
}

/** A failed list or watch with the HTTP status the API server gave, when it gave one. */
export class WatchError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
    this.name = 'WatchError';
  }
}

/** The HTTP status carried by an error from client-node or a {@link WatchError}, if any. */
export function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const fields = error as { status?: unknown; code?: unknown; statusCode?: unknown };
  for (const value of [fields.status, fields.code, fields.statusCode]) {
    if (typeof value === 'number' && value >= 100 && value < 600) return value;
  }
  return undefined;
}

/**
 * True when the error means the resourceVersion (or a list's continue token) expired: HTTP 410
 * Gone, or the API server's "too old resource version" text. The cure is a fresh list.
 */
export function isExpired(error: unknown): boolean {
  if (statusOf(error) === 410) return true;
  const text = errorMessage(error);
  return /too old resource ?version|resourceversion too old|\bexpired\b/i.test(text);
}
