import type { DecisionObserver } from './decision-record.js';

/**
 * One observer that hands each record to every observer in order. An observer that throws does
 * not stop the others; its error goes to `onError` (default: ignored), which must not throw.
 */
export function composeObservers(
  observers: readonly DecisionObserver[],
  onError: (error: unknown, index: number) => void = () => undefined,
): DecisionObserver {
  const list = [...observers];
  return {
    onDecision(record) {
      list.forEach((observer, index) => {
        try {
          observer.onDecision(record);
        } catch (error) {
          try {
            onError(error, index);
          } catch {
            // A broken error sink must not take the remaining observers down with it.
          }
        }
      });
    },
  };
}
