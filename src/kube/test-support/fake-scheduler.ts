import type { Scheduler } from '../scheduler.js';

interface Timer {
  readonly id: number;
  readonly due: number;
  readonly callback: () => void;
}

/**
 * A {@link Scheduler} whose clock moves only when a test calls `advance`: timers due by then run
 * in order of due time, so tests assert on behaviour, never on wall-clock timings.
 */
export class FakeScheduler implements Scheduler {
  private current: number;
  private nextId = 1;
  private timers: Timer[] = [];

  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const timer = { id: this.nextId++, due: this.current + Math.max(0, ms), callback };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((timer) => timer.id !== handle);
  }

  now(): number {
    return this.current;
  }

  /** Pending timers' delays from now, in due order. */
  pending(): number[] {
    return [...this.timers].sort((a, b) => a.due - b.due).map((timer) => timer.due - this.current);
  }

  /** Moves the clock by `ms`, running every timer that falls due (including ones they add). */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const next = [...this.timers]
        .filter((timer) => timer.due <= target)
        .sort((a, b) => a.due - b.due || a.id - b.id)[0];
      if (next === undefined) break;
      this.timers = this.timers.filter((timer) => timer !== next);
      this.current = Math.max(this.current, next.due);
      next.callback();
    }
    this.current = target;
  }
}
