import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';

import { admissionResponse, internalErrorStatus } from '../admission/responses.js';
import { sniffedInput, sniffRequest, type SniffedRequest } from '../admission/sniff-identity.js';
import {
  UNKNOWN,
  type DecisionRecord,
  type WebhookName,
} from '../observability/decision-record.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics, OffloadResult } from '../observability/metrics.js';
import type { ClusterSnapshot } from '../policy/cluster-snapshot.js';
import { quoteValue } from '../policy/validation-helpers.js';
import { errorMessage } from '../util/error-message.js';
import { createFairQueue } from './fair-queue.js';
import { reasonText } from './reason-text.js';
import { DEFAULT_OFFLOAD_NICE } from './worker-priority.js';
import {
  LOOKUP_METHODS,
  type DecisionWorkerData,
  type FromWorker,
  type JobOutcome,
  type LookupCall,
  type LookupReply,
  type PoliciesInForce,
  type StartedMessage,
  type ToWorker,
  type WorkerTestHooks,
} from './protocol.js';

/** Default `--offload-bytes`: bodies above 256 KiB are decided by the decision worker. */
export const DEFAULT_OFFLOAD_BYTES = 256 * 1024;

/**
 * The compiled worker script: `decision-worker.js` beside this module in `dist/offload/`. A
 * worker thread runs JavaScript only, so when this module runs from its TypeScript source (the
 * tests), it is the one `npm run build` wrote to `dist/offload/`.
 */
export const DEFAULT_WORKER_URL: URL = import.meta.url.endsWith('.ts')
  ? new URL('../../dist/offload/decision-worker.js', import.meta.url)
  : new URL('./decision-worker.js', import.meta.url);

/** Default time an offloaded request may take, queue wait included: below the chart's 5 s. */
export const DEFAULT_OFFLOAD_BUDGET_MS = 3_000;
/** Default number of offloaded requests that may wait while the worker is busy. */
export const DEFAULT_OFFLOAD_QUEUE = 8;
/** Default time one cluster lookup of the worker may wait for the main thread. */
export const DEFAULT_LOOKUP_TIMEOUT_MS = 1_000;

/** The metrics the pool keeps (see `observability/metrics.ts`). */
export type OffloadMetrics = Pick<
  Metrics,
  'offloaded' | 'offloadWorkerRestarted' | 'setOffloadQueueDepth'
>;

/** An answer to write as it is: `status`, a JSON `body`; `rejected` for a 400 (its error text). */
export interface OffloadAnswer {
  readonly status: number;
  readonly body: string;
  readonly rejected?: string;
}

/** Options of {@link createDecisionPool}. */
export interface DecisionPoolOptions {
  /** The compiled worker script; default {@link DEFAULT_WORKER_URL}. */
  readonly workerUrl?: URL;
  /** The cluster snapshot inline decisions read; pinned per request, answered to the worker. */
  readonly snapshot: () => ClusterSnapshot;
  /** The policies in force (the policy source's `inForce`), sent to the worker when they change. */
  readonly policies: () => PoliciesInForce;
  /**
   * Every decision record the worker reaches, and one (decision `error`) for every request
   * denied without a decision, read or not by the worker (see {@link createDecisionPool}).
   */
  readonly onDecision: (record: DecisionRecord) => void;
  readonly logger: Logger;
  readonly metrics?: OffloadMetrics;
  /** Time one request may take from its arrival, queue wait included; default 3 s. */
  readonly budgetMs?: number;
  /** Requests that may wait while one is decided; more are denied at once. Default 8. */
  readonly maxQueue?: number;
  /** Time one cluster lookup may wait for its answer; default 1 s. */
  readonly lookupTimeoutMs?: number;
  /**
   * Nice levels the worker's thread drops below the main thread's (`--offload-nice`, capped at
   * 19); default 10, 0 leaves it as it is. A failure to set it is logged once and ignored.
   */
  readonly nice?: number;
  /** Test seams (see {@link WorkerTestHooks}); `dropLookups`: never answer a lookup. */
  readonly testHooks?: WorkerTestHooks & { readonly dropLookups?: boolean };
}

/** Decides large admission bodies off the main thread. */
export interface DecisionPool {
  /**
   * Decides one raw body for `webhook`: the answer the inline path would write (byte for byte),
   * or a fail-closed denial when the worker cannot decide it. `bytes` is handed over to the
   * worker (its memory moves there): the caller must not use it afterwards. Never rejects.
   */
  decide(webhook: WebhookName, bytes: Uint8Array): Promise<OffloadAnswer>;
  /** Requests waiting for the worker (not counting the one it is deciding). */
  queued(): number;
  /**
   * The nice value the current worker's thread reported for itself once started (after applying
   * `nice`); undefined until it did.
   */
  workerPriority(): number | undefined;
  /** Denies what still waits, stops the worker. Idempotent. */
  close(): Promise<void>;
}

interface Job {
  readonly id: number;
  readonly webhook: WebhookName;
  bytes: Uint8Array | undefined;
  /** What the start of the body says of the request, for a denial before the worker read it. */
  readonly sniffed: SniffedRequest;
  readonly arrived: number;
  readonly resolve: (answer: OffloadAnswer) => void;
  started: StartedMessage | undefined;
  snapshot: ClusterSnapshot | undefined;
  timer: NodeJS.Timeout | undefined;
}

interface Live {
  readonly thread: Worker;
  readonly lookups: MessagePort;
  readonly signal: Int32Array;
  sent: PoliciesInForce | undefined;
  running: Job | undefined;
  ended: boolean;
  priority: number | undefined;
}

const JSON_ERROR = (error: string): string => JSON.stringify({ error });

/**
 * One decision worker (`node:worker_threads`) and the main thread's side of it. Requests are
 * decided one at a time, the waiting ones round robin over their users (the username at the start
 * of the body; see `createFairQueue`), each user's in arrival order; up to `maxQueue` wait, more
 * are denied at once (503).
 * Each request has `budgetMs` from its arrival: past it the watchdog terminates the worker, the
 * request is denied with code 500, and a fresh worker takes the next one. A worker that dies
 * (error, exit) fails its request closed the same way and is replaced. The worker reads the
 * snapshot of this thread through synchronous lookups (answered here, from the snapshot pinned
 * when the request was handed over) and decides under the policies in force then (sent before
 * the request whenever they changed), so its decision is the one the inline path would reach.
 * Every such denial is an AdmissionReview (allowed false, code 500) answering the request's uid:
 * the one the worker read, else the one at the start of the body (`sniffRequest`); a body
 * without one there gets a plain HTTP error (500, or 503 for a full queue or a shutdown) with
 * `{ error }`. Each goes to `onDecision` as an `error` decision, so that it is audited like any
 * other: with the request as the worker read it, else with what the start of its body says (uid,
 * kind, operation, name, namespace, username; `<unknown>` for what it does not), never decoding
 * the body here.
 */
export function createDecisionPool(options: DecisionPoolOptions): DecisionPool {
  const { logger, metrics } = options;
  const budgetMs = options.budgetMs ?? DEFAULT_OFFLOAD_BUDGET_MS;
  const maxQueue = options.maxQueue ?? DEFAULT_OFFLOAD_QUEUE;
  const lookupTimeoutMs = options.lookupTimeoutMs ?? DEFAULT_LOOKUP_TIMEOUT_MS;
  const nice = options.nice ?? DEFAULT_OFFLOAD_NICE;
  // Round robin over users: one user's many large bodies do not hold another's behind all of them.
  const waiting = createFairQueue<Job>((job) => job.sniffed.username ?? UNKNOWN);
  let priorityWarned = false;
  let live: Live | undefined;
  let jobs = 0;
  let closed = false;

  const depthChanged = (): void => {
    metrics?.setOffloadQueueDepth(waiting.length);
  };

  const spawn = (): Live => {
    const channel = new MessageChannel();
    const signal = new SharedArrayBuffer(4);
    const { dropLookups: _drop, ...workerHooks } = options.testHooks ?? {};
    const data: DecisionWorkerData = {
      lookupPort: channel.port2,
      signal,
      lookupTimeoutMs,
      nice,
      ...(options.testHooks === undefined ? {} : { testHooks: workerHooks }),
    };
    const thread = new Worker(options.workerUrl ?? DEFAULT_WORKER_URL, {
      workerData: data,
      transferList: [channel.port2],
    });
    const next: Live = {
      thread,
      lookups: channel.port1,
      signal: new Int32Array(signal),
      sent: undefined,
      running: undefined,
      ended: false,
      priority: undefined,
    };
    channel.port1.on('message', (call: LookupCall) => {
      answerLookup(next, call);
    });
    thread.on('message', (message: FromWorker) => {
      onMessage(next, message);
    });
    thread.on('error', (error) => {
      ended(next, `the decision worker failed: ${reasonText(errorMessage(error))}`);
    });
    thread.on('exit', (code) => {
      ended(next, `the decision worker exited (code ${code})`);
    });
    // Neither keeps the process up: the servers do, and `close` stops the worker.
    thread.unref();
    channel.port1.unref();
    return next;
  };

  const answerLookup = (worker: Live, call: LookupCall): void => {
    if (options.testHooks?.dropLookups === true) return;
    const job = worker.running;
    let reply: LookupReply;
    if (job?.id !== call.job || job.snapshot === undefined) {
      reply = { call: call.call, ok: false, error: 'the request is no longer being decided' };
    } else if (!LOOKUP_METHODS.includes(call.method)) {
      reply = { call: call.call, ok: false, error: `unknown lookup ${quoteValue(call.method)}` };
    } else {
      try {
        reply = { call: call.call, ok: true, value: job.snapshot[call.method](call.arg) };
      } catch (error) {
        reply = { call: call.call, ok: false, error: reasonText(errorMessage(error)) };
      }
    }
    try {
      worker.lookups.postMessage(reply);
    } catch (error) {
      worker.lookups.postMessage({
        call: call.call,
        ok: false,
        error: reasonText(errorMessage(error)),
      });
    }
    Atomics.store(worker.signal, 0, call.call);
    Atomics.notify(worker.signal, 0);
  };

  const onMessage = (worker: Live, message: FromWorker): void => {
    if (message.type === 'priority') {
      worker.priority = message.priority;
      if (message.error === undefined) {
        logger.info({ nice, priority: message.priority }, 'decision worker started');
      } else if (!priorityWarned) {
        // Once per pool, not per replaced worker: each one would fail the same way.
        priorityWarned = true;
        logger.warn(
          { nice, priority: message.priority, reason: message.error },
          "could not lower the decision worker's scheduling priority (a scheduling hint only); it runs at the main thread's",
        );
      }
      return;
    }
    const job = worker.running;
    if (job?.id !== message.job) return;
    if (message.type === 'started') {
      job.started = message;
      return;
    }
    worker.running = undefined;
    clearTimeout(job.timer);
    finish(job, message.outcome);
    pump();
  };

  const finish = (job: Job, outcome: JobOutcome): void => {
    if (outcome.kind === 'rejected') {
      metrics?.offloaded(job.webhook, 'rejected');
      job.resolve({ status: 400, body: outcome.body, rejected: outcome.error });
      return;
    }
    metrics?.offloaded(job.webhook, 'decided');
    observe(outcome.record);
    job.resolve({ status: 200, body: outcome.body });
  };

  const observe = (record: DecisionRecord): void => {
    try {
      options.onDecision(record);
    } catch (error) {
      logger.error({ err: error }, 'a decision observer failed');
    }
  };

  /** Denies `job` without a decision (fail closed), as an AdmissionReview when its uid is known. */
  const fail = (job: Job, result: OffloadResult, message: string, status = 500): void => {
    clearTimeout(job.timer);
    job.bytes = undefined;
    metrics?.offloaded(job.webhook, result);
    const started = job.started;
    // Observed as any denial is (decision log, metrics; Events and reports skip internal errors,
    // inline ones too), with what is known of the request when the worker never read it.
    observe({
      webhook: job.webhook,
      input: started?.input ?? sniffedInput(job.sniffed),
      decision: 'error',
      policy: undefined,
      evaluation: undefined,
      mutation: undefined,
      error: message,
      durationSeconds: Math.max(0, (performance.now() - job.arrived) / 1000),
    });
    if (started !== undefined) {
      job.resolve({ status: 200, body: denial(started.apiVersion, started.input.uid, message) });
      return;
    }
    const identity = job.sniffed.identity;
    job.resolve(
      identity === undefined
        ? { status, body: JSON_ERROR(message) }
        : { status: 200, body: denial(identity.apiVersion, identity.uid, message) },
    );
  };

  /** The worker is gone (error or exit): its request fails closed, a fresh one is started. */
  const ended = (worker: Live, reason: string): void => {
    if (worker.ended) return;
    worker.ended = true;
    worker.lookups.close();
    if (live === worker) live = undefined;
    const job = worker.running;
    worker.running = undefined;
    if (job === undefined) {
      logger.warn({ reason }, 'the decision worker stopped while idle');
      return;
    }
    metrics?.offloadWorkerRestarted('crash');
    logger.error(
      { reason, uid: job.started?.input.uid, webhook: job.webhook },
      'the decision worker died while deciding a request; it is denied and the worker replaced',
    );
    fail(job, 'crash', `${reason} while deciding the request (fail closed)`);
    if (!closed) live = spawn();
    pump();
  };

  const watchdog = (worker: Live, job: Job): void => {
    if (worker.running !== job) return;
    worker.ended = true;
    worker.running = undefined;
    worker.lookups.close();
    if (live === worker) live = undefined;
    void worker.thread.terminate();
    metrics?.offloadWorkerRestarted('timeout');
    logger.warn(
      { uid: job.started?.input.uid, webhook: job.webhook, budgetMs },
      'an offloaded request ran past its budget: the decision worker was stopped and replaced',
    );
    fail(
      job,
      'timeout',
      `the request was not decided within ${budgetMs} ms; its decision was stopped (fail closed)`,
    );
    if (!closed) live = spawn();
    pump();
  };

  const pump = (): void => {
    while (!closed && live?.running === undefined) {
      const job = waiting.shift();
      if (job === undefined) return;
      depthChanged();
      const left = budgetMs - (performance.now() - job.arrived);
      if (left <= 0) {
        fail(
          job,
          'timeout',
          `the request waited ${budgetMs} ms for the decision worker without being decided (fail closed)`,
        );
        continue;
      }
      start(job, left);
    }
  };

  const start = (job: Job, left: number): void => {
    const bytes = job.bytes;
    job.bytes = undefined;
    try {
      if (bytes === undefined) throw new Error('the request body is gone');
      const worker = (live ??= spawn());
      const inForce = options.policies();
      if (!samePolicies(worker.sent, inForce)) {
        post(worker, { type: 'policies', inForce });
        worker.sent = inForce;
      }
      job.snapshot = options.snapshot();
      const message: ToWorker = {
        type: 'decide',
        job: job.id,
        webhook: job.webhook,
        bytes,
        state: job.snapshot.state,
      };
      post(worker, message, transferable(bytes));
      worker.running = job;
      job.timer = setTimeout(() => {
        watchdog(worker, job);
      }, left);
    } catch (error) {
      logger.error(
        { err: reasonText(errorMessage(error)) },
        'could not hand a request to the decision worker',
      );
      fail(
        job,
        'error',
        `could not hand the request to the decision worker: ${reasonText(errorMessage(error))}`,
      );
    }
  };

  // Started now, so the first large request does not wait for the worker to load.
  live = spawn();

  return {
    decide(webhook, bytes) {
      return new Promise<OffloadAnswer>((resolve) => {
        jobs += 1;
        const job: Job = {
          id: jobs,
          webhook,
          bytes: exclusive(bytes),
          sniffed: sniffRequest(bytes),
          arrived: performance.now(),
          resolve,
          started: undefined,
          snapshot: undefined,
          timer: undefined,
        };
        if (closed) {
          fail(job, 'shutdown', 'the server is shutting down', 503);
          return;
        }
        if (live?.running !== undefined && waiting.length >= maxQueue) {
          logger.warn({ webhook, queued: waiting.length }, 'decision queue full: request denied');
          fail(
            job,
            'queue_full',
            `too many large requests are waiting to be decided (${maxQueue}); denied (fail closed)`,
            503,
          );
          return;
        }
        waiting.push(job);
        depthChanged();
        pump();
      });
    },
    queued: () => waiting.length,
    workerPriority: () => live?.priority,
    async close() {
      if (closed) return;
      closed = true;
      for (const job of waiting.drain()) fail(job, 'shutdown', 'the server is shutting down', 503);
      depthChanged();
      const worker = live;
      live = undefined;
      if (worker === undefined) return;
      worker.ended = true;
      const job = worker.running;
      worker.running = undefined;
      if (job !== undefined) fail(job, 'shutdown', 'the server is shutting down (fail closed)');
      worker.lookups.close();
      await worker.thread.terminate();
    },
  };
}

/** The AdmissionReview of a denial with code 500, as the inline path answers an internal error. */
function denial(apiVersion: string, uid: string, message: string): string {
  const response = admissionResponse(uid, {
    allowed: false,
    status: internalErrorStatus(message),
    auditAnnotations: { decision: 'denied' },
  });
  return JSON.stringify({ apiVersion, kind: 'AdmissionReview', response });
}

function post(worker: Live, message: ToWorker, transfer: ArrayBuffer[] = []): void {
  try {
    worker.thread.postMessage(message, transfer);
  } catch (error) {
    // An ArrayBuffer Node will not transfer (one of its pools) is copied instead.
    if (transfer.length === 0) throw error;
    worker.thread.postMessage(message);
  }
}

/**
 * `bytes`, owning the whole of its ArrayBuffer (a body read whole, as large bodies are, already
 * does: it moves to the worker without a copy). A view into a larger buffer is copied first,
 * since handing the view over would clone all of the buffer behind it.
 */
function exclusive(bytes: Uint8Array): Uint8Array {
  const { buffer } = bytes;
  const whole =
    buffer instanceof ArrayBuffer &&
    bytes.byteOffset === 0 &&
    bytes.byteLength === buffer.byteLength;
  return whole ? bytes : new Uint8Array(bytes);
}

/** The body's memory, moved to the worker. */
function transferable(bytes: Uint8Array): ArrayBuffer[] {
  return bytes.buffer instanceof ArrayBuffer ? [bytes.buffer] : [];
}

function samePolicies(a: PoliciesInForce | undefined, b: PoliciesInForce): boolean {
  if (a === undefined) return false;
  if (a.fallback !== b.fallback || a.policies.length !== b.policies.length) return false;
  return a.policies.every((policy, i) => policy === b.policies[i]);
}
