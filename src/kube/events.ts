import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { DecisionObserver, DecisionRecord } from '../observability/decision-record.js';
import type { ClusterSnapshot } from '../policy/cluster-snapshot.js';
import type { Finding } from '../policy/engine.js';
import { asString, getPath } from '../policy/object-access.js';
import { REAL_SCHEDULER, type Scheduler } from './scheduler.js';
import { truncate } from '../util/truncate.js';
import { errorMessage } from '../util/error-message.js';

/** The core/v1 Event profile-guard creates (timestamps as RFC 3339 strings). */
export interface PolicyEvent {
  readonly metadata: { readonly generateName: string; readonly namespace: string };
  readonly involvedObject: {
    readonly apiVersion: string;
    readonly kind: string;
    readonly name: string;
    readonly namespace?: string;
    readonly uid?: string;
  };
  readonly reason: 'PolicyViolation' | 'PolicyWarning';
  readonly type: 'Warning' | 'Normal';
  readonly message: string;
  readonly action: 'Admission';
  readonly count: 1;
  readonly firstTimestamp: string;
  readonly lastTimestamp: string;
  readonly source: { readonly component: 'profile-guard'; readonly host: string };
  readonly reportingComponent: 'profile-guard';
  readonly reportingInstance: string;
}

/** Creates Events (the client-node implementation posts to `/api/v1/namespaces/NS/events`). */
export interface EventSink {
  create(event: PolicyEvent): Promise<void>;
}

/** What became of one decision that called for an Event; feeds a counter. */
export type EventOutcome = 'created' | 'failed' | 'dropped' | 'deduplicated';

/** Options of {@link createEventReporter}. */
export interface EventReporterOptions {
  readonly sink: EventSink;
  readonly logger: Logger;
  /** The current snapshot, to find a Profile's namespace. */
  readonly cluster: () => ClusterSnapshot;
  /** `reportingInstance` and `source.host`; default the host name (the pod name in a cluster). */
  readonly instance?: string;
  /** Events waiting to be sent; beyond this, new ones are dropped. Default 1000. */
  readonly queueSize?: number;
  /** Sustained Events per second; default 5. */
  readonly ratePerSecond?: number;
  /** Events that may go out at once after a quiet spell; default 25. */
  readonly burst?: number;
  /** Same object + same message within this window → one Event. Default 60 000 ms. */
  readonly dedupWindowMs?: number;
  readonly onOutcome?: (outcome: EventOutcome) => void;
  readonly scheduler?: Scheduler;
}

/** A {@link DecisionObserver} that reports denials and warnings as Kubernetes Events. */
export interface EventReporter extends DecisionObserver {
  /** Resolves when the queue is empty and nothing is in flight. */
  idle(): Promise<void>;
  /** Drops what is queued and stops sending. */
  stop(): void;
}

const MAX_MESSAGE = 1024;
const MAX_DEDUP_KEYS = 10_000;
const COMPONENT = 'profile-guard';

/**
 * Reports admission denials (`PolicyViolation`, type Warning) and warnings (`PolicyWarning`,
 * type Normal) as core/v1 Events about the Profile or binding, with a message listing each
 * `<rule-id>: <message>`. Dry-run requests get none. `onDecision` only enqueues: sending is
 * asynchronous, through a bounded queue and a token-bucket rate limit, and the same object with
 * the same message within the dedup window yields one Event. Failures are logged and counted,
 * never thrown. Events go into the object's namespace; a Profile's into the namespace of the same
 * name when the snapshot has it (the Event then names that namespace in `involvedObject`, as the
 * API server requires), else `default`.
 */
export function createEventReporter(options: EventReporterOptions): EventReporter {
  const { sink, logger } = options;
  const scheduler = options.scheduler ?? REAL_SCHEDULER;
  const instance = options.instance ?? hostname();
  const queueSize = options.queueSize ?? 1000;
  const rate = options.ratePerSecond ?? 5;
  const burst = options.burst ?? 25;
  const window = options.dedupWindowMs ?? 60_000;
  const outcome = (value: EventOutcome): void => {
    try {
      options.onOutcome?.(value);
    } catch {
      // A metrics callback must not break reporting.
    }
  };

  const queue: PolicyEvent[] = [];
  const recent = new Map<string, number>();
  let tokens = burst;
  let refilledAt = scheduler.now();
  let timer: unknown;
  let inFlight = 0;
  let stopped = false;
  let dropped = 0;
  let waiters: (() => void)[] = [];

  const settleWaiters = (): void => {
    if (queue.length > 0 || inFlight > 0) return;
    const ready = waiters;
    waiters = [];
    for (const resolve of ready) resolve();
  };

  const refill = (): void => {
    const now = scheduler.now();
    tokens = Math.min(burst, tokens + ((now - refilledAt) / 1000) * rate);
    refilledAt = now;
  };

  const send = (event: PolicyEvent): void => {
    inFlight += 1;
    let pending: Promise<void>;
    try {
      pending = sink.create(event);
    } catch (error) {
      pending = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    pending
      .then(
        () => {
          outcome('created');
        },
        (error: unknown) => {
          outcome('failed');
          logger.warn(
            {
              err: errorMessage(error),
              namespace: event.metadata.namespace,
              kind: event.involvedObject.kind,
              name: event.involvedObject.name,
              reason: event.reason,
            },
            'could not create Event',
          );
        },
      )
      .finally(() => {
        inFlight -= 1;
        settleWaiters();
      });
  };

  const pump = (): void => {
    timer = undefined;
    if (stopped) return;
    refill();
    while (queue.length > 0 && tokens >= 1) {
      tokens -= 1;
      const event = queue.shift();
      if (event !== undefined) send(event);
    }
    if (queue.length > 0) {
      const wait = Math.ceil(((1 - tokens) / rate) * 1000);
      timer = scheduler.setTimeout(pump, Math.max(wait, 1));
    }
    settleWaiters();
  };

  const remember = (key: string, now: number): void => {
    recent.delete(key);
    if (recent.size >= MAX_DEDUP_KEYS) {
      for (const [old, expiry] of recent) {
        if (expiry <= now || recent.size >= MAX_DEDUP_KEYS) recent.delete(old);
        else break;
      }
    }
    recent.set(key, now + window);
  };

  return {
    onDecision(record) {
      try {
        if (stopped) return;
        const event = eventFor(record, options.cluster(), instance, scheduler.now());
        if (event === undefined) return;
        const key = JSON.stringify([
          event.metadata.namespace,
          event.involvedObject.apiVersion,
          event.involvedObject.kind,
          event.involvedObject.namespace ?? '',
          event.involvedObject.name,
          event.reason,
          event.message,
        ]);
        const now = scheduler.now();
        const until = recent.get(key);
        if (until !== undefined && until > now) {
          outcome('deduplicated');
          return;
        }
        if (queue.length >= queueSize) {
          dropped += 1;
          outcome('dropped');
          // One line per power of two drops: visible, never a flood.
          if ((dropped & (dropped - 1)) === 0) {
            logger.warn({ dropped, queueSize }, 'Event queue full; dropping Events');
          }
          return;
        }
        remember(key, now);
        queue.push(event);
        timer ??= scheduler.setTimeout(pump, 0);
      } catch (error) {
        logger.warn({ err: errorMessage(error) }, 'could not prepare Event');
      }
    },
    idle() {
      return new Promise<void>((resolve) => {
        waiters.push(resolve);
        settleWaiters();
      });
    },
    stop() {
      stopped = true;
      queue.length = 0;
      if (timer !== undefined) scheduler.clearTimeout(timer);
      timer = undefined;
      settleWaiters();
    },
  };
}

/** The Event a decision calls for, or undefined (dry run, allowed without warnings, no findings). */
export function eventFor(
  record: DecisionRecord,
  cluster: ClusterSnapshot,
  instance: string,
  now: number,
): PolicyEvent | undefined {
  const { input, evaluation } = record;
  if (input.dryRun || evaluation === undefined || input.name === '') return undefined;
  const denied = record.decision === 'denied' && evaluation.denials.length > 0;
  const findings: readonly Finding[] = denied ? evaluation.denials : evaluation.warnings;
  if (findings.length === 0) return undefined;

  let namespace = input.namespace;
  let involvedNamespace: string | undefined = input.namespace === '' ? undefined : input.namespace;
  if (namespace === '') {
    const own =
      input.target === 'Profile' || input.target === 'Namespace'
        ? cluster.getNamespace(input.name)
        : undefined;
    namespace = own === undefined ? 'default' : own.name;
    involvedNamespace = own === undefined ? undefined : own.name;
  }
  const uid = asString(getPath(input.object, 'metadata', 'uid'));
  const verb = denied ? 'denied' : 'allowed with warnings';
  const lines = findings.map((finding) => `${finding.ruleId}: ${finding.message}`);
  const message = truncate(
    `${input.operation} by ${input.user.username} ${verb}: ${lines.join('; ')}`,
    MAX_MESSAGE,
  );
  const time = new Date(now).toISOString();
  return {
    metadata: { generateName: `${eventNamePrefix(input.name)}.`, namespace },
    involvedObject: {
      apiVersion: input.apiVersion,
      kind: input.kind,
      name: input.name,
      ...(involvedNamespace === undefined ? {} : { namespace: involvedNamespace }),
      ...(uid === undefined || uid === '' ? {} : { uid }),
    },
    reason: denied ? 'PolicyViolation' : 'PolicyWarning',
    type: denied ? 'Warning' : 'Normal',
    message,
    action: 'Admission',
    count: 1,
    firstTimestamp: time,
    lastTimestamp: time,
    source: { component: COMPONENT, host: instance },
    reportingComponent: COMPONENT,
    reportingInstance: instance,
  };
}

/** A DNS-subdomain-safe prefix from any object name (denied names may be anything). */
function eventNamePrefix(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
    .slice(0, 200)
    .replace(/[^a-z0-9]+$/, '');
  return cleaned === '' ? COMPONENT : cleaned;
}
