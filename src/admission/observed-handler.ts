import type { DecisionObserver, DecisionRecord } from '../observability/decision-record.js';
import type { AdmissionHandler } from './handler.js';

/**
 * `handler`, decorated so that every result it reaches also goes to `observer` (metrics, the
 * decision log, Events, PolicyReports: each is one such wrapper, in the manner of Kyverno's
 * webhook handler decorators). The observer reads the result after it is decided and cannot
 * change it: if it throws, the error goes to `onError` (itself isolated should it throw too) and
 * the result is returned as the handler gave it.
 */
export function withObserver(
  handler: AdmissionHandler,
  observer: DecisionObserver,
  onError: (error: unknown) => void = () => undefined,
): AdmissionHandler {
  return {
    handle(review) {
      const result = handler.handle(review);
      try {
        observer.onDecision(result);
      } catch (error) {
        try {
          onError(error);
        } catch {
          // A broken error sink must not change the answer either.
        }
      }
      return result;
    },
  };
}

/**
 * `handler` wrapped by one {@link withObserver} per observer, the first innermost: each result
 * goes to the observers in their order, and one that throws does not keep it from the others.
 * `onError` gets the error and the failing observer's index.
 */
export function withObservers(
  handler: AdmissionHandler,
  observers: readonly DecisionObserver[],
  onError: (error: unknown, index: number) => void = () => undefined,
): AdmissionHandler {
  return observers.reduce<AdmissionHandler>(
    (inner, observer, index) =>
      withObserver(inner, observer, (error) => {
        onError(error, index);
      }),
    handler,
  );
}

/**
 * Hands `record` to the observers in their order, as {@link withObservers} does for a result it
 * decided: for a decision reached elsewhere (the decision worker), so that it is observed exactly
 * as an inline one. An observer that throws is reported to `onError` with its index (itself
 * isolated) and does not keep the record from the others.
 */
export function notifyObservers(
  record: DecisionRecord,
  observers: readonly DecisionObserver[],
  onError: (error: unknown, index: number) => void = () => undefined,
): void {
  observers.forEach((observer, index) => {
    try {
      observer.onDecision(record);
    } catch (error) {
      try {
        onError(error, index);
      } catch {
        // A broken error sink must not change anything either.
      }
    }
  });
}
