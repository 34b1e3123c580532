import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

import type {
  ClusterSnapshot,
  NamespaceRecord,
  ProfileRecord,
  RoleBindingRecord,
} from '../policy/cluster-snapshot.js';
import { quoteValue } from '../policy/validation-helpers.js';
import type { LookupCall, LookupMethod, LookupReply } from './protocol.js';
import { reasonText } from './reason-text.js';

/** A lookup that got no usable answer: the rule reading it fails, and the request is denied. */
export class LookupError extends Error {
  override readonly name = 'LookupError';
}

/** Options of {@link createLookupSnapshot}. */
export interface LookupSnapshotOptions {
  readonly port: MessagePort;
  /** Int32 word 0: bumped (and notified) by the main thread after it posted a reply. */
  readonly signal: Int32Array;
  readonly job: number;
  readonly state: ClusterSnapshot['state'];
  /** How long one lookup waits for its reply before it fails. */
  readonly timeoutMs: number;
  /** Numbers the calls (shared across jobs, so a late reply never matches a later call). */
  readonly nextCall: () => number;
}

/**
 * The worker's view of the main thread's cluster snapshot for one job: each method posts the
 * call on the lookup port and blocks this thread (`Atomics.wait`, never the main thread) until
 * the reply arrives, which `receiveMessageOnPort` then reads synchronously. Rules read the
 * snapshot synchronously, so this keeps them unchanged. A reply is remembered for the rest of the
 * job (the same call is asked once). No reply within `timeoutMs`, or an error reply, throws a
 * {@link LookupError} naming the lookup, and is remembered (`failure`): the caller denies the
 * request whatever a rule made of the error (fail closed). The argument is quoted as rules quote
 * a value (`quoteValue`: at most 80 characters) and the reply's error cut (`reasonText`): the
 * argument is request data (a name, a namespace), and may be megabytes long.
 * A reply to an earlier call that timed out is recognised by its number and dropped.
 */
export function createLookupSnapshot(
  options: LookupSnapshotOptions,
): ClusterSnapshot & { failure(): string | undefined } {
  const { port, signal } = options;
  const remembered = new Map<string, unknown>();
  let failed: string | undefined;
  const failWith = (text: string): never => {
    failed ??= text;
    throw new LookupError(text);
  };

  const drain = (call: number): LookupReply | undefined => {
    for (let entry = receiveMessageOnPort(port); entry !== undefined;) {
      const reply = entry.message as LookupReply;
      if (reply.call === call) return reply;
      entry = receiveMessageOnPort(port);
    }
    return undefined;
  };

  const ask = (method: LookupMethod, arg: string): unknown => {
    const key = `${method}\u0000${arg}`;
    if (remembered.has(key)) return remembered.get(key);
    const call = options.nextCall();
    Atomics.store(signal, 0, 0);
    const message: LookupCall = { job: options.job, call, method, arg };
    port.postMessage(message);
    const deadline = performance.now() + options.timeoutMs;
    let reply = drain(call);
    while (reply === undefined) {
      const remaining = deadline - performance.now();
      if (remaining <= 0) {
        failWith(
          `cluster lookup ${method}(${quoteValue(arg)}) got no answer within ${options.timeoutMs} ms`,
        );
      }
      Atomics.wait(signal, 0, 0, remaining);
      // Reset before draining again: a reply posted after this drain bumps the word again, so
      // the next wait returns at once instead of missing it.
      Atomics.store(signal, 0, 0);
      reply = drain(call);
    }
    if (!reply.ok) {
      return failWith(
        `cluster lookup ${method}(${quoteValue(arg)}) failed: ${reasonText(reply.error)}`,
      );
    }
    remembered.set(key, reply.value);
    return reply.value;
  };

  return {
    /** The first lookup that failed in this job, if any. */
    failure: () => failed,
    state: options.state,
    getProfile: (name) => ask('getProfile', name) as ProfileRecord | undefined,
    profilesOwnedBy: (owner) => ask('profilesOwnedBy', owner) as readonly ProfileRecord[],
    profilesWithPluginIdentity: (key) =>
      ask('profilesWithPluginIdentity', key) as readonly ProfileRecord[],
    getNamespace: (name) => ask('getNamespace', name) as NamespaceRecord | undefined,
    roleBindingsIn: (namespace) => ask('roleBindingsIn', namespace) as readonly RoleBindingRecord[],
  };
}
