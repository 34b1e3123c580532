import { setTimeout as sleep } from 'node:timers/promises';

/** Options of {@link eventually}. */
export interface EventuallyOptions {
  /** Give up after this long (default 30 s). */
  readonly timeoutMs?: number;
  /** Pause between attempts (default 250 ms). */
  readonly intervalMs?: number;
}

/**
 * Calls `attempt` until it resolves without throwing and returns its value; after the deadline
 * rethrows the last failure (so a jest `expect` inside `attempt` reports what was last seen).
 * For effects that are asynchronous by design (a watch delivering a ProfilePolicy change, a
 * certificate reload), never as a timing assertion.
 */
export async function eventually<T>(
  attempt: () => Promise<T>,
  options: EventuallyOptions = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30000);
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
    }
    await sleep(options.intervalMs ?? 250);
  }
}
