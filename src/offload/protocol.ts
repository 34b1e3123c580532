/**
 * The messages between the main thread and the decision worker. Everything here crosses a thread
 * boundary by structured clone (the body bytes by transfer), so it is plain data only.
 */
import type { MessagePort } from 'node:worker_threads';

import type {
  DecisionInput,
  DecisionRecord,
  WebhookName,
} from '../observability/decision-record.js';
import type { ClusterSnapshot } from '../policy/cluster-snapshot.js';
import type { Policy } from '../policy/policy-spec.js';

/** The policies in force and the one that governs when none of them matches. */
export interface PoliciesInForce {
  /** Cluster ProfilePolicies; empty for a `--policy` file or the embedded default. */
  readonly policies: readonly Policy[];
  /** Governs when no policy matches: the file's policy, or the embedded default. */
  readonly fallback: Policy;
}

/** The snapshot methods the worker asks the main thread for (each takes one string). */
export const LOOKUP_METHODS = [
  'getProfile',
  'profilesOwnedBy',
  'profilesWithPluginIdentity',
  'getNamespace',
  'roleBindingsIn',
] as const;

/** One of {@link LOOKUP_METHODS}. */
export type LookupMethod = (typeof LOOKUP_METHODS)[number];

/** Main -> worker: the policies every following job is decided under (sent when they change). */
export interface PoliciesMessage {
  readonly type: 'policies';
  readonly inForce: PoliciesInForce;
}

/** Main -> worker: decide one body. `bytes` is transferred, not copied. */
export interface DecideMessage {
  readonly type: 'decide';
  readonly job: number;
  readonly webhook: WebhookName;
  readonly bytes: Uint8Array;
  /** The snapshot's state when the job was sent (its lookups are answered from that snapshot). */
  readonly state: ClusterSnapshot['state'];
}

/** Messages the worker's `parentPort` receives. */
export type ToWorker = PoliciesMessage | DecideMessage;

/**
 * Worker -> main, once the body was decoded as an AdmissionReview: who the request is, so that
 * a later failure (watchdog, crash) can be answered to its uid and observed like any decision.
 */
export interface StartedMessage {
  readonly type: 'started';
  readonly job: number;
  readonly apiVersion: string;
  readonly input: DecisionInput;
}

/** What a worker decided for one body: the answer's bytes to write as they are. */
export type JobOutcome =
  | {
      /** An AdmissionReview was decided: HTTP 200, `body` the encoded answer. */
      readonly kind: 'decided';
      readonly body: string;
      /** The decision record for the observers (its `input.object` trimmed, see trim-record.ts). */
      readonly record: DecisionRecord;
    }
  | {
      /** Not an AdmissionReview: HTTP 400, `body` the error body, `error` its text. */
      readonly kind: 'rejected';
      readonly body: string;
      readonly error: string;
    };

/** Worker -> main: the job's outcome. */
export interface DoneMessage {
  readonly type: 'done';
  readonly job: number;
  readonly outcome: JobOutcome;
}

/**
 * Worker -> main, once, when the worker starts: its own OS scheduling priority (the nice value of
 * its thread, `os.getPriority(0)` read on it) after it applied `nice`, and why that failed if it
 * did (the worker keeps running either way: the priority is a scheduling hint).
 */
export interface PriorityMessage {
  readonly type: 'priority';
  readonly priority: number;
  readonly error: string | undefined;
}

/** Messages the main thread receives from the worker's `parentPort`. */
export type FromWorker = StartedMessage | DoneMessage | PriorityMessage;

/** Worker -> main on the lookup port: one synchronous snapshot lookup. */
export interface LookupCall {
  readonly job: number;
  readonly call: number;
  readonly method: LookupMethod;
  readonly arg: string;
}

/** Main -> worker on the lookup port: the answer to the call with the same number. */
export type LookupReply =
  | { readonly call: number; readonly ok: true; readonly value: unknown }
  | { readonly call: number; readonly ok: false; readonly error: string };

/**
 * What the worker is started with (`workerData`): the port lookups go through, the shared word
 * the main thread bumps (and notifies) after each reply, how long a lookup may wait, how many
 * nice levels its thread drops below the one that started it, and the test seams.
 */
export interface DecisionWorkerData {
  readonly lookupPort: MessagePort;
  readonly signal: SharedArrayBuffer;
  readonly lookupTimeoutMs: number;
  /** Added to the thread's nice value at start (0: left as it is); see worker-priority.ts. */
  readonly nice: number;
  readonly testHooks?: WorkerTestHooks;
}

/**
 * Test seams, never set by `serve`: with `hold` (two Int32 words), the worker, after posting
 * `started`, sets word 1 to 1 (notified) and waits before deciding until word 0 is non-zero, so a
 * test can keep it busy for as long as it likes; `exitOnUid` makes it exit when it meets a review
 * with that uid (a crash); `exitBeforeDecoding` makes it exit as soon as it gets a body, before
 * reading anything of it.
 */
export interface WorkerTestHooks {
  readonly hold?: SharedArrayBuffer;
  readonly exitOnUid?: string;
  readonly exitBeforeDecoding?: boolean;
}
