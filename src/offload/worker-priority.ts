import { getPriority, setPriority } from 'node:os';

import { errorMessage } from '../util/error-message.js';

/** The lowest scheduling priority a nice value can give (the highest nice value, on Linux). */
export const MAX_NICE = 19;

/** Default `--offload-nice`: the decision worker runs 10 nice levels below the event loop. */
export const DEFAULT_OFFLOAD_NICE = 10;

/** The calling thread's nice value once {@link lowerThreadPriority} ran, and why it failed. */
export interface ThreadPriority {
  readonly priority: number;
  readonly error: string | undefined;
}

/**
 * Adds `nice` to the calling thread's nice value (capped at {@link MAX_NICE}), so that the OS
 * runs it after the threads that did not: called first thing on the decision worker, so that on a
 * busy host the main thread (which answers `/healthz` and small reviews) gets the CPU before a
 * large body's decision does. On Linux a nice value is per thread (`setpriority` with pid 0 is
 * the calling thread), so the main thread keeps its own; the threads the worker starts inherit
 * the worker's. A scheduling hint, never a security control: a failure (a platform without
 * per-thread priorities, a container that forbids it) is returned, not thrown, and the worker runs
 * at the priority it had. `nice` 0 leaves the thread as it is. Never raises the priority.
 */
export function lowerThreadPriority(nice: number): ThreadPriority {
  let error: string | undefined;
  if (nice > 0) {
    try {
      const current = getPriority(0);
      const wanted = Math.min(MAX_NICE, current + nice);
      if (wanted > current) setPriority(0, wanted);
    } catch (failure) {
      error = errorMessage(failure);
    }
  }
  let priority = Number.NaN;
  try {
    priority = getPriority(0);
  } catch (failure) {
    error ??= errorMessage(failure);
  }
  return { priority, error };
}
