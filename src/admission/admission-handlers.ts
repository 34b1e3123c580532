import {
  createMutatingHandler,
  createValidatingHandler,
  type AdmissionHandler,
  type DecisionObserver,
} from './handler.js';
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
  readonly observer?: DecisionObserver;
}

/**
 * The `/validate` and `/mutate` handlers over the full rule and mutator catalog. `serve` and
 * `check` both build their handlers here, so an offline check runs exactly the webhook's code.
 */
export function createAdmissionHandlers(options: AdmissionHandlerOptions): AdmissionHandlers {
  const deps = {
    validator: createValidator(RULES),
    mutator: createMutator(MUTATORS),
    policies: options.policies,
    snapshot: options.snapshot,
    ...(options.observer !== undefined ? { observer: options.observer } : {}),
  };
  return { validating: createValidatingHandler(deps), mutating: createMutatingHandler(deps) };
}
