import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { KubeObject } from '../policy/kube-object.js';
import { asArray, asRecord, asString, asStringMap, getPath } from '../policy/object-access.js';
import type { NativeSyncResult, NativeWriteOperation } from '../observability/metrics.js';
import { errorMessage } from '../util/error-message.js';
import { REAL_SCHEDULER, backoffDelay, type BackoffOptions, type Scheduler } from './scheduler.js';

/**
 * The kinds `serve` writes. Their bindings (which requests a policy sees, and whether it denies,
 * warns or audits) are not written here: whoever installs profile-guard installs them (the chart
 * renders them), so that what a policy may touch is fixed outside profile-guard's own reach.
 */
export type NativeKind = 'ValidatingAdmissionPolicy' | 'MutatingAdmissionPolicy';
export const NATIVE_KINDS: readonly NativeKind[] = Object.freeze([
  'ValidatingAdmissionPolicy',
  'MutatingAdmissionPolicy',
]);

/** The field manager of every server-side apply of the sync. */
export const NATIVE_FIELD_MANAGER = 'profile-guard-native';
/** Label marking the objects of one set; its value is the set (the objects' name prefix). */
export const NATIVE_SET_LABEL = 'profile-guard.io/native-set';
/** Hash of the object as the sync wrote it: an equal hash means nothing of ours changed. */
export const NATIVE_HASH_ANNOTATION = 'profile-guard.io/native-hash';
/** The profile-guard version that wrote the object. */
export const NATIVE_GENERATOR_ANNOTATION = 'profile-guard.io/generator';
/** The annotations of the generator naming the policy (and its generation) an object enforces. */
const POLICY_ANNOTATION = 'profile-guard.io/policy';
const POLICY_GENERATION_ANNOTATION = 'profile-guard.io/policy-generation';

/** Reads and writes the native policies (the client-node implementation: kube-native-store.ts). */
export interface NativeObjectStore {
  /** Every object of `kind` carrying the label selector `selector`, as the API server has them. */
  list(kind: NativeKind, selector: string): Promise<readonly unknown[]>;
  /** Server-side apply with {@link NATIVE_FIELD_MANAGER}, `force` (the object is ours). */
  apply(object: KubeObject): Promise<void>;
  /**
   * Deletes the object if it still has this uid and resourceVersion (preconditions), so an object
   * that changed meanwhile is looked at again first. A 404 counts as deleted.
   */
  delete(
    kind: NativeKind,
    name: string,
    preconditions: { readonly uid: string; readonly resourceVersion: string },
  ): Promise<void>;
}

/** What should exist: the objects generated from one policy. */
export interface NativeDesiredSet {
  /** The policy they enforce, for logs. */
  readonly policy: { readonly name: string; readonly generation: number };
  /** Only {@link NativeKind}s, each named `<set>-…`. */
  readonly objects: readonly KubeObject[];
}

/** Options of {@link createNativeSync}. */
export interface NativeSyncOptions {
  readonly store: NativeObjectStore;
  readonly logger: Logger;
  /** The set: the objects' name prefix and the value of {@link NATIVE_SET_LABEL}. */
  readonly set: string;
  /**
   * The objects that should exist now (empty: none, e.g. the feature is off); undefined while the
   * policies in force are not known yet (the sync looks again shortly). May throw: a failed pass.
   */
  readonly desired: () => NativeDesiredSet | undefined;
  /** This profile-guard's version, written on every object. */
  readonly version: string;
  /** Called after each pass with its outcome. */
  readonly onPass?: (result: NativeSyncResult) => void;
  /** Called after each write. */
  readonly onWrite?: (operation: NativeWriteOperation, ok: boolean) => void;
  /** Period of the passes that repair what others changed (default 60 s). */
  readonly resyncMs?: number;
  /** How long an object written by a newer profile-guard is left alone (default 10 min). */
  readonly yieldMs?: number;
  /** How long one call to the API server may take before the pass fails (default 30 s). */
  readonly callTimeoutMs?: number;
  /** Delays before retrying a failed pass (default 1 s doubling to 5 min, jittered). */
  readonly backoff?: BackoffOptions;
  readonly scheduler?: Scheduler;
  readonly random?: () => number;
}

/** Keeps the native policies as the policies in force say; see {@link createNativeSync}. */
export interface NativeSync {
  /** Starts: a pass at once, then one every resync period. */
  start(): void;
  /** The policies in force changed: a pass soon (passes never overlap; requests coalesce). */
  trigger(): void;
  /** No pass starts afterwards; timers are cancelled. */
  stop(): void;
  /** Resolves once no pass is running or requested (tests, shutdown). */
  idle(): Promise<void>;
}

/** While the policies in force are not known yet, look again this often. */
const WAITING_RETRY_MS = 1_000;
const DEFAULT_RESYNC_MS = 60_000;
const DEFAULT_YIELD_MS = 10 * 60_000;
const DEFAULT_CALL_TIMEOUT_MS = 30_000;
const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1_000, maxMs: 300_000 };

/**
 * Keeps the ValidatingAdmissionPolicies and MutatingAdmissionPolicies of one set as `desired`
 * says, from every replica at once, without a leader:
 *
 * - each pass lists the set's objects (by label), compares every desired object with the one the
 *   API server has and writes only those that differ (server-side apply, force, field manager
 *   {@link NATIVE_FIELD_MANAGER}); an object of the set that is no longer desired is deleted
 *   with uid and resourceVersion preconditions;
 * - "differs" means: the hash annotation of what we write is not the one stored, or a field we
 *   set has another value on the server (someone edited it); defaults the API server adds do not
 *   count, so a converged set costs one list per kind and no write;
 * - replicas that see the same policies generate the same objects, so they write the same bytes
 *   and a write never undoes another's; while profile-guard versions are mixed (a rolling
 *   upgrade), an object written by a newer version from the same policy generation is left alone
 *   for `yieldMs` after its last change, so old and new replicas do not take turns;
 * - a pass runs at start, when `trigger` is called (the policies changed) and every `resyncMs`;
 *   a failed pass is retried with backoff. Passes never overlap.
 */
export function createNativeSync(options: NativeSyncOptions): NativeSync {
  const { store, logger, set } = options;
  const scheduler = options.scheduler ?? REAL_SCHEDULER;
  const random = options.random ?? Math.random;
  const resyncMs = options.resyncMs ?? DEFAULT_RESYNC_MS;
  const yieldMs = options.yieldMs ?? DEFAULT_YIELD_MS;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const selector = `${NATIVE_SET_LABEL}=${set}`;
  const callTimeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  /** A call that never answers (a hung connection) fails the pass instead of stalling the sync. */
  const bounded = <T>(call: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timeout = scheduler.setTimeout(() => {
        reject(new Error(`no answer from the API server within ${callTimeoutMs} ms`));
      }, callTimeoutMs);
      call().then(
        (value) => {
          scheduler.clearTimeout(timeout);
          resolve(value);
        },
        (error: unknown) => {
          scheduler.clearTimeout(timeout);
          reject(error instanceof Error ? error : new Error(errorMessage(error)));
        },
      );
    });
  let started = false;
  let stopped = false;
  let running: Promise<void> | undefined;
  let again = false;
  let timer: unknown;
  let failures = 0;

  const schedule = (ms: number): void => {
    if (stopped) return;
    if (timer !== undefined) scheduler.clearTimeout(timer);
    timer = scheduler.setTimeout(() => {
      timer = undefined;
      request();
    }, ms);
  };

  const request = (): void => {
    if (!started || stopped) return;
    if (running !== undefined) {
      again = true;
      return;
    }
    if (timer !== undefined) {
      scheduler.clearTimeout(timer);
      timer = undefined;
    }
    running = pass()
      .catch((error: unknown) => {
        logger.error({ err: errorMessage(error) }, 'native policy sync failed');
        return 'failed' as const;
      })
      .then((result) => {
        running = undefined;
        logger.debug({ result }, 'native policy sync pass');
        if (result !== 'waiting') options.onPass?.(result);
        if (stopped) return;
        if (result === 'failed') {
          failures += 1;
          schedule(backoffDelay(failures, backoff, random));
        } else {
          failures = 0;
          schedule(result === 'waiting' ? WAITING_RETRY_MS : resyncMs);
        }
        if (again) {
          again = false;
          request();
        }
      });
  };

  const pass = async (): Promise<NativeSyncResult | 'waiting'> => {
    const wanted = options.desired();
    if (wanted === undefined) return 'waiting';
    const desired = wanted.objects.map((object) => stamp(object, set, options.version));
    const observed = new Map<string, Observed>();
    for (const kind of NATIVE_KINDS) {
      for (const item of await bounded(() => store.list(kind, selector))) {
        const object = observe(kind, item);
        if (object !== undefined) observed.set(key(kind, object.name), object);
      }
    }

    // Written to from the nested `write`, hence an object rather than three lets.
    const outcome = { wrote: false, yielded: false, failed: false };
    const write = async (
      operation: NativeWriteOperation,
      fields: Record<string, unknown>,
      work: () => Promise<void>,
    ): Promise<void> => {
      try {
        await work();
        outcome.wrote = true;
        options.onWrite?.(operation, true);
        logger.info(
          fields,
          operation === 'apply' ? 'native policy applied' : 'native policy deleted',
        );
      } catch (error) {
        outcome.failed = true;
        options.onWrite?.(operation, false);
        logger.warn({ ...fields, err: errorMessage(error) }, `native policy ${operation} failed`);
      }
    };

    const kept = new Set<string>();
    for (const object of desired) {
      const id = key(object.kind, object.name);
      kept.add(id);
      const current = observed.get(id);
      if (current !== undefined && upToDate(object, current)) continue;
      if (
        current !== undefined &&
        yieldsTo(current, wanted.policy, options.version, scheduler.now(), yieldMs)
      ) {
        outcome.yielded = true;
        logger.debug(
          { kind: object.kind, name: object.name },
          'native policy left to a newer profile-guard',
        );
        continue;
      }
      await write(
        'apply',
        {
          kind: object.kind,
          name: object.name,
          change: current === undefined ? 'create' : 'update',
          policy: wanted.policy.name,
          generation: wanted.policy.generation,
        },
        () => bounded(() => store.apply(object.manifest)),
      );
    }
    for (const [id, current] of observed) {
      if (kept.has(id)) continue;
      // The label alone does not make an object ours: its name must be one of the set's too.
      if (!current.name.startsWith(`${set}-`)) continue;
      if (yieldsTo(current, wanted.policy, options.version, scheduler.now(), yieldMs)) {
        outcome.yielded = true;
        continue;
      }
      await write('delete', { kind: current.kind, name: current.name }, () =>
        bounded(() =>
          store.delete(current.kind, current.name, {
            uid: current.uid,
            resourceVersion: current.resourceVersion,
          }),
        ),
      );
    }
    if (outcome.failed) return 'failed';
    if (outcome.yielded) return 'yielded';
    return outcome.wrote ? 'written' : 'converged';
  };

  return {
    start() {
      if (started || stopped) return;
      started = true;
      request();
    },
    trigger() {
      request();
    },
    stop() {
      stopped = true;
      if (timer !== undefined) scheduler.clearTimeout(timer);
      timer = undefined;
    },
    async idle() {
      while (running !== undefined) await running;
    },
  };
}

/** A desired object with the set's label, its hash and the writer's version. */
interface Desired {
  readonly kind: NativeKind;
  readonly name: string;
  readonly hash: string;
  readonly manifest: KubeObject;
}

/** What the sync reads of an object the API server has. */
interface Observed {
  readonly kind: NativeKind;
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion: string;
  readonly raw: Record<string, unknown>;
  readonly annotations: Readonly<Record<string, string>>;
}

const key = (kind: string, name: string): string => `${kind}/${name}`;

function stamp(object: KubeObject, set: string, version: string): Desired {
  const kind = asString(object.kind);
  const name = asString(getPath(object, 'metadata', 'name'));
  if (kind !== 'ValidatingAdmissionPolicy' && kind !== 'MutatingAdmissionPolicy') {
    throw new Error(`the native sync writes no ${String(kind)}`);
  }
  if (!name?.startsWith(`${set}-`)) {
    throw new Error(`native object ${String(name)} is not named ${set}-…`);
  }
  const labels = { ...asStringMap(getPath(object, 'metadata', 'labels')), [NATIVE_SET_LABEL]: set };
  const annotations = asStringMap(getPath(object, 'metadata', 'annotations'));
  const content = { ...object, metadata: { ...asRecord(object.metadata), labels, annotations } };
  const hash = createHash('sha256').update(canonicalJson(content)).digest('hex').slice(0, 16);
  return {
    kind,
    name,
    hash,
    manifest: {
      ...content,
      metadata: {
        ...content.metadata,
        annotations: {
          ...annotations,
          [NATIVE_HASH_ANNOTATION]: hash,
          [NATIVE_GENERATOR_ANNOTATION]: version,
        },
      },
    },
  };
}

function observe(kind: NativeKind, item: unknown): Observed | undefined {
  const raw = asRecord(item);
  const name = asString(getPath(item, 'metadata', 'name'));
  if (raw === undefined || name === undefined) return undefined;
  return {
    kind,
    name,
    uid: asString(getPath(item, 'metadata', 'uid')) ?? '',
    resourceVersion: asString(getPath(item, 'metadata', 'resourceVersion')) ?? '',
    raw,
    annotations: asStringMap(getPath(item, 'metadata', 'annotations')),
  };
}

/**
 * True when the server's object is what we would write: the same hash (so the same generator
 * output), and every field we set still has our value (labels, annotations and spec; fields the
 * server defaulted or others added are not ours and do not count).
 */
function upToDate(desired: Desired, observed: Observed): boolean {
  if (observed.annotations[NATIVE_HASH_ANNOTATION] !== desired.hash) return false;
  const manifest = desired.manifest;
  const { [NATIVE_GENERATOR_ANNOTATION]: _writer, ...annotations } = asStringMap(
    getPath(manifest, 'metadata', 'annotations'),
  );
  return (
    contains(observed.raw.spec, manifest.spec) &&
    contains(
      getPath(observed.raw, 'metadata', 'labels'),
      getPath(manifest, 'metadata', 'labels'),
    ) &&
    contains(observed.annotations, annotations)
  );
}

/**
 * True when the server's object was written by a newer profile-guard from the same policy
 * generation less than `yieldMs` ago (its field manager's last change): a rolling upgrade is
 * under way, and the newer version's objects are left as they are.
 */
function yieldsTo(
  observed: Observed,
  policy: NativeDesiredSet['policy'],
  version: string,
  now: number,
  yieldMs: number,
): boolean {
  const writer = observed.annotations[NATIVE_GENERATOR_ANNOTATION];
  if (writer === undefined || compareVersions(writer, version) <= 0) return false;
  if (
    observed.annotations[POLICY_ANNOTATION] !== policy.name ||
    observed.annotations[POLICY_GENERATION_ANNOTATION] !== String(policy.generation)
  ) {
    return false;
  }
  const written = lastApplied(observed.raw);
  return written !== undefined && now - written < yieldMs;
}

/** When our field manager last changed the object (its managedFields entry), in ms. */
function lastApplied(object: unknown): number | undefined {
  let latest: number | undefined;
  for (const entry of asArray(getPath(object, 'metadata', 'managedFields'))) {
    if (asString(getPath(entry, 'manager')) !== NATIVE_FIELD_MANAGER) continue;
    const time = Date.parse(asString(getPath(entry, 'time')) ?? '');
    if (Number.isFinite(time)) latest = Math.max(latest ?? time, time);
  }
  return latest;
}

/**
 * Compares `major.minor.patch` versions (a pre-release or build suffix is ignored); a version
 * that is not of that form compares equal to every other, so it is never "newer".
 */
export function compareVersions(a: string, b: string): number {
  const parse = (version: string): number[] | undefined => {
    const match = /^v?(\d{1,9})\.(\d{1,9})\.(\d{1,9})(?:[-+].*)?$/.exec(version);
    return match === null ? undefined : [Number(match[1]), Number(match[2]), Number(match[3])];
  };
  const x = parse(a);
  const y = parse(b);
  if (x === undefined || y === undefined) return 0;
  for (let i = 0; i < 3; i++) {
    const difference = (x[i] ?? 0) - (y[i] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  return 0;
}

/**
 * True when `actual` holds everything `expected` holds: equal scalars, objects with at least
 * the expected keys (each contained), lists of the same length (each element contained).
 */
function contains(actual: unknown, expected: unknown): boolean {
  // Iterative, so a deeply nested object cannot exhaust the stack.
  const stack: [unknown, unknown][] = [[actual, expected]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [a, e] = next;
    if (Array.isArray(e)) {
      if (!Array.isArray(a) || a.length !== e.length) return false;
      for (let i = 0; i < e.length; i++) stack.push([a[i], e[i]]);
    } else if (typeof e === 'object' && e !== null) {
      const record = asRecord(a);
      if (record === undefined || Array.isArray(a)) return false;
      for (const [field, value] of Object.entries(e)) {
        if (!Object.hasOwn(record, field)) return false;
        stack.push([record[field], value]);
      }
    } else if (a !== e) {
      return false;
    }
  }
  return true;
}

/** JSON with object keys sorted, so equal objects hash equal whatever their key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, entry: unknown) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return entry;
    const record = entry as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((field) => [field, record[field]]),
    );
  });
}
