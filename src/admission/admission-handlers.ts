import {
  createMutatingHandler,
  createValidatingHandler,
  type AdmissionHandler,
  type DecisionObserver,
} from './handler.js';
import { withObservers } from './observed-handler.js';
import type { ClusterSnapshot } from '../policy/cluster-snapshot.js';
import { createValidator } from '../policy/engine.js';
import { createMutator } from '../policy/mutation-engine.js';
import type { PolicyProvider } from '../policy/policy-provider.js';
import { MUTATORS, RULES } from '../policy/catalog.js';

/** The two endpoints' handlers. */
export interface AdmissionHandlers {
  readonly validating: AdmissionHandler;
  readonly mutating: AdmissionHandler;
}

/** What {@link createAdmissionHandlers} needs besides the rule catalog. */
export interface AdmissionHandlerOptions {
  readonly policies: PolicyProvider;
  readonly snapshot: () => ClusterSnapshot;
  /** Each wraps both handlers (see `withObserver`), in this order; `check` has none. */
  readonly observers?: readonly DecisionObserver[];
  /** An observer threw (the answer is unchanged); must not throw. */
  readonly onObserverError?: (error: unknown, index: number) => void;
}

/**
 * The `/validate` and `/mutate` handlers over the full rule and mutator catalog, each decorated
 * with the observers. `serve` and `check` both build their handlers here, so an offline check
 * runs exactly the webhook's code.
 */
export function createAdmissionHandlers(options: AdmissionHandlerOptions): AdmissionHandlers {
  const deps = {
    validator: createValidator(RULES),
    mutator: createMutator(MUTATORS),
    policies: options.policies,
    snapshot: options.snapshot,
  };
  const observe = (handler: AdmissionHandler): AdmissionHandler =>
    withObservers(handler, options.observers ?? [], options.onObserverError);
  return {
    validating: observe(createValidatingHandler(deps)),
    mutating: observe(createMutatingHandler(deps)),
  };
}
