import type { Logger } from 'pino';
import { EMBEDDED_DEFAULT_POLICY } from '../config/default-policy.js';
import { parsePolicyDocument, type PolicyParseResult } from '../config/parse-policy.js';
import { asArray, asString, getPath } from '../policy/object-access.js';
import type { PolicyProvider } from '../policy/policy-provider.js';
import { selectingProvider } from '../policy/policy-selection.js';
import type { Policy } from '../policy/policy-spec.js';
import type { PolicyObjectEvent } from './cluster-cache.js';
import { REAL_SCHEDULER, backoffDelay, type Scheduler } from './scheduler.js';
import { truncate } from '../util/truncate.js';
import { errorMessage } from '../util/error-message.js';

/** The `Ready` condition profile-guard keeps on each ProfilePolicy. */
export interface ReadyCondition {
  readonly type: 'Ready';
  readonly status: 'True' | 'False';
  readonly reason: 'Accepted' | 'InvalidSpec';
  readonly message: string;
  readonly observedGeneration: number;
  /** RFC 3339; moves only when `status` changes. */
  readonly lastTransitionTime: string;
}

/** The `status` written to a ProfilePolicy. */
export interface PolicyStatus {
  readonly observedGeneration: number;
  readonly conditions: readonly ReadyCondition[];
}

/**
 * Writes a ProfilePolicy's status (the client-node implementation merge-patches the `/status`
 * subresource). Rejects on failure; the caller logs and retries.
 */
export interface StatusWriter {
  writeStatus(name: string, status: PolicyStatus): Promise<void>;
}

/** Options of {@link createClusterPolicies}. */
export interface ClusterPoliciesOptions {
  readonly logger: Logger;
  /** Where statuses go; without one, no status is written (e.g. read-only RBAC). */
  readonly statusWriter?: StatusWriter;
  /** Governs when no valid ProfilePolicy matches; default the embedded default policy. */
  readonly fallback?: Policy;
  /** Default: `parsePolicyDocument`. */
  readonly parse?: (doc: unknown, options: { generation?: number }) => PolicyParseResult;
  /** Called once per new generation parsed: `success`, or `failure` for an invalid spec. */
  readonly onReload?: (result: 'success' | 'failure', name: string) => void;
  /** Called with the policies in force whenever that set changes. */
  readonly onActiveChange?: (policies: readonly Policy[]) => void;
  /** Called when a status write fails (it is retried with backoff). */
  readonly onStatusError?: (name: string, error: unknown) => void;
  readonly scheduler?: Scheduler;
  readonly random?: () => number;
}

/** The ProfilePolicy objects of a cluster, as a {@link PolicyProvider}. */
export interface ClusterPolicies extends PolicyProvider {
  /** Feed with the cache's ProfilePolicy stream (`onPolicyEvent`). */
  handle(event: PolicyObjectEvent): void;
  /** The valid policies in force, by name. */
  active(): readonly Policy[];
  /** The current schema errors of an object, or undefined when its latest generation is valid. */
  errors(name: string): readonly string[] | undefined;
  /** Resolves when no status write is in flight (for shutdown and tests). */
  idle(): Promise<void>;
  /** Cancels status retries. */
  stop(): void;
}

interface Entry {
  generation: number;
  /** The last valid version, in force even while the latest generation is invalid. */
  good: Policy | undefined;
  errors: readonly string[] | undefined;
  /** The key of the status last written (or seen on the object) for this entry. */
  written: string | undefined;
  retry: unknown;
  attempts: number;
}

const STATUS_RETRY = { initialMs: 2_000, maxMs: 300_000 };

/**
 * Keeps the cluster's ProfilePolicy objects. Each new generation is parsed with
 * `parsePolicyDocument`; a valid one goes in force, an invalid one is reported and the object's
 * last valid generation (if any) stays in force. The status (`observedGeneration` and a `Ready`
 * condition: `True`/`Accepted`, or `False`/`InvalidSpec` listing the schema errors) is written
 * only when it differs from what the object already carries and from what was last written, so
 * status updates never loop. As a {@link PolicyProvider}, it selects by selector and priority
 * over the Profile the request belongs to, in a way no tenant can steer (`selectPolicyFor`); with
 * no valid ProfilePolicy matching, the fallback (the embedded default) governs. Its selector label
 * keys are those of the policies in force, which `profile-selector-label` guards.
 */
export function createClusterPolicies(options: ClusterPoliciesOptions): ClusterPolicies {
  const { logger } = options;
  const fallback = options.fallback ?? EMBEDDED_DEFAULT_POLICY;
  const parse = options.parse ?? parsePolicyDocument;
  const scheduler = options.scheduler ?? REAL_SCHEDULER;
  const random = options.random ?? Math.random;
  const entries = new Map<string, Entry>();
  const inFlight = new Set<Promise<void>>();
  let inForce: readonly Policy[] = [];
  let selecting = selectingProvider(inForce, fallback);
  let stopped = false;

  const refreshActive = (): void => {
    const next = Object.freeze(
      [...entries.values()]
        .map((entry) => entry.good)
        .filter((policy): policy is Policy => policy !== undefined)
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    );
    const same = next.length === inForce.length && next.every((policy, i) => policy === inForce[i]);
    if (same) return;
    inForce = next;
    selecting = selectingProvider(inForce, fallback);
    options.onActiveChange?.(inForce);
  };

  const write = (name: string, entry: Entry, status: PolicyStatus, key: string): void => {
    const writer = options.statusWriter;
    if (writer === undefined || stopped) return;
    entry.written = key;
    const attempt = writer.writeStatus(name, status).then(
      () => {
        entry.attempts = 0;
        logger.debug({ policy: name, key }, 'ProfilePolicy status written');
      },
      (error: unknown) => {
        if (entries.get(name) !== entry || entry.written !== key) return;
        entry.written = undefined;
        entry.attempts += 1;
        const delay = backoffDelay(entry.attempts, STATUS_RETRY, random);
        logger.warn(
          { policy: name, err: errorMessage(error), retryInMs: delay },
          'ProfilePolicy status write failed; retrying',
        );
        options.onStatusError?.(name, error);
        if (stopped) return;
        entry.retry = scheduler.setTimeout(() => {
          entry.retry = undefined;
          if (entries.get(name) === entry && entry.written === undefined) {
            write(name, entry, status, key);
          }
        }, delay);
      },
    );
    inFlight.add(attempt);
    void attempt.finally(() => inFlight.delete(attempt));
  };

  const upsert = (object: unknown): void => {
    const name = asString(getPath(object, 'metadata', 'name'));
    if (name === undefined || name === '') return;
    const generation = asNumber(getPath(object, 'metadata', 'generation')) ?? 1;
    let entry = entries.get(name);
    if (entry?.generation !== generation) {
      const result = parse(object, { generation });
      entry ??= {
        generation,
        good: undefined,
        errors: undefined,
        written: undefined,
        retry: undefined,
        attempts: 0,
      };
      entry.generation = generation;
      if (result.ok) {
        entry.good = result.policy;
        entry.errors = undefined;
        logger.info({ policy: name, generation }, 'ProfilePolicy accepted');
        options.onReload?.('success', name);
      } else {
        entry.errors = result.errors;
        logger.warn(
          {
            policy: name,
            generation,
            errors: result.errors,
            inForce: entry.good?.generation ?? null,
          },
          'ProfilePolicy refused: invalid spec',
        );
        options.onReload?.('failure', name);
      }
      entries.set(name, entry);
      refreshActive();
    }

    const current = currentReady(object);
    const desired = desiredReady(entry);
    const key = statusKey(entry.generation, desired);
    const carried =
      current !== undefined &&
      asNumber(getPath(object, 'status', 'observedGeneration')) === entry.generation &&
      statusKey(current.observedGeneration, current) === key;
    if (carried) {
      entry.written = key;
      return;
    }
    if (entry.written === key) return;
    if (entry.retry !== undefined) {
      scheduler.clearTimeout(entry.retry);
      entry.retry = undefined;
    }
    const transition =
      current?.status === desired.status && current.lastTransitionTime !== ''
        ? current.lastTransitionTime
        : new Date(scheduler.now()).toISOString();
    write(
      name,
      entry,
      {
        observedGeneration: entry.generation,
        conditions: [
          {
            type: 'Ready',
            ...desired,
            observedGeneration: entry.generation,
            lastTransitionTime: transition,
          },
        ],
      },
      key,
    );
  };

  const remove = (object: unknown): void => {
    const name = asString(getPath(object, 'metadata', 'name'));
    if (name === undefined) return;
    const entry = entries.get(name);
    if (entry === undefined) return;
    if (entry.retry !== undefined) scheduler.clearTimeout(entry.retry);
    entries.delete(name);
    logger.info({ policy: name }, 'ProfilePolicy deleted');
    refreshActive();
  };

  return {
    handle(event) {
      if (event.type === 'delete') remove(event.object);
      else upsert(event.object);
    },
    select: (input, cluster) => selecting.select(input, cluster),
    selectorLabelKeys: () => selecting.selectorLabelKeys(),
    guardedLabelKeys: (input) => selecting.guardedLabelKeys(input),
    active: () => inForce,
    errors: (name) => entries.get(name)?.errors,
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    stop() {
      stopped = true;
      for (const entry of entries.values()) {
        if (entry.retry !== undefined) scheduler.clearTimeout(entry.retry);
        entry.retry = undefined;
      }
    },
  };
}

type Desired = Pick<ReadyCondition, 'status' | 'reason' | 'message'>;

function desiredReady(entry: Entry): Desired {
  if (entry.errors === undefined) {
    return { status: 'True', reason: 'Accepted', message: 'the policy is valid and in force' };
  }
  const standing =
    entry.good === undefined
      ? 'not in force: no earlier generation was valid'
      : `generation ${entry.good.generation}, the last valid one, stays in force`;
  return {
    status: 'False',
    reason: 'InvalidSpec',
    message: truncate(`the spec is invalid (${standing}): ${entry.errors.join('; ')}`, MAX_MESSAGE),
  };
}

/** metav1.Condition messages are limited to 32768 characters. */
const MAX_MESSAGE = 32_000;

function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function statusKey(generation: number, ready: Desired): string {
  return JSON.stringify([generation, ready.status, ready.reason, ready.message]);
}

/** The object's current Ready condition, if it carries one. */
function currentReady(
  object: unknown,
): (Desired & { observedGeneration: number; lastTransitionTime: string }) | undefined {
  for (const condition of asArray(getPath(object, 'status', 'conditions'))) {
    if (asString(getPath(condition, 'type')) !== 'Ready') continue;
    const status = asString(getPath(condition, 'status'));
    const reason = asString(getPath(condition, 'reason'));
    if (
      (status !== 'True' && status !== 'False') ||
      (reason !== 'Accepted' && reason !== 'InvalidSpec')
    )
      return undefined;
    return {
      status,
      reason,
      message: asString(getPath(condition, 'message')) ?? '',
      observedGeneration: asNumber(getPath(condition, 'observedGeneration')) ?? -1,
      lastTransitionTime: asString(getPath(condition, 'lastTransitionTime')) ?? '',
    };
  }
  return undefined;
}
