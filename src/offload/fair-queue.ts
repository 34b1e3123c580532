/** A queue that takes its items round robin over their users (see {@link createFairQueue}). */
export interface FairQueue<T> {
  /** Adds `item`, waiting after every item its user already has waiting. */
  push(item: T): void;
  /** Takes the next item: round robin over users, first come first served among equals. */
  shift(): T | undefined;
  /** Takes every item, in the order {@link shift} would have. */
  drain(): T[];
  readonly length: number;
}

interface Entry<T> {
  readonly item: T;
  /** This item's round: one more than its user's previous one, and never behind the current one. */
  readonly round: number;
  readonly order: number;
}

/**
 * A queue ordered round robin over the users `userOf` names (start-time fair queuing with one
 * unit per item): each user's items keep their order, and an item waits behind at most one item
 * of each other user for each of its user's items ahead of it. So one user who fills the queue
 * with large bodies makes another user's body wait behind one of theirs, not all of them. Items
 * of the same round go first come, first served; one user alone is plain FIFO. Each operation is
 * linear in the items waiting (the queue is small and bounded by its owner); the rounds kept are
 * those of the users with items waiting.
 */
export function createFairQueue<T>(userOf: (item: T) => string): FairQueue<T> {
  const entries: Entry<T>[] = [];
  /** The round of each waiting user's last item. */
  const lastRound = new Map<string, number>();
  /** The round of the last item taken: a new user's first item joins the next one. */
  let current = 0;
  let pushed = 0;

  const next = (): number => {
    let best = -1;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      const chosen = best < 0 ? undefined : entries[best];
      if (entry === undefined) continue;
      if (
        chosen === undefined ||
        entry.round < chosen.round ||
        (entry.round === chosen.round && entry.order < chosen.order)
      ) {
        best = i;
      }
    }
    return best;
  };

  const take = (): T | undefined => {
    const index = next();
    if (index < 0) return undefined;
    const [entry] = entries.splice(index, 1);
    if (entry === undefined) return undefined;
    current = entry.round;
    const user = userOf(entry.item);
    if (lastRound.get(user) === entry.round) lastRound.delete(user);
    return entry.item;
  };

  return {
    push(item) {
      const user = userOf(item);
      const round = Math.max(lastRound.get(user) ?? 0, current) + 1;
      lastRound.set(user, round);
      entries.push({ item, round, order: pushed++ });
    },
    shift: take,
    drain() {
      const all: T[] = [];
      for (let item = take(); item !== undefined; item = take()) all.push(item);
      return all;
    },
    get length() {
      return entries.length;
    },
  };
}
