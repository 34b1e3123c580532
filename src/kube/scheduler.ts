/**
 * Timers as a seam: the informers and the event reporter schedule through this, so tests drive
 * time by hand instead of waiting on the wall clock.
 */
export interface Scheduler {
  /** Runs `callback` once after `ms` milliseconds; returns a handle for `clearTimeout`. */
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The real clock. Timers are unref'd: background work never keeps the process alive. */
export const REAL_SCHEDULER: Scheduler = Object.freeze({
  setTimeout(callback: () => void, ms: number): unknown {
    const timer = setTimeout(callback, ms);
    timer.unref();
    return timer;
  },
  clearTimeout(handle: unknown): void {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
  now: () => Date.now(),
});

/** Reconnect backoff: exponential from `initialMs`, capped at `maxMs`. */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
}

/** 0.5 s doubling up to 30 s. */
export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({ initialMs: 500, maxMs: 30_000 });

/**
 * The delay before retry number `attempt` (1-based): `initialMs * 2^(attempt-1)` capped at
 * `maxMs`, then jittered into [half, full] of that so that many replicas do not reconnect in step.
 * `random` returns a number in [0, 1).
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const capped = Math.min(options.maxMs, options.initialMs * 2 ** exponent);
  return Math.round(capped / 2 + (random() * capped) / 2);
}
