import type { ClusterSnapshot } from '../cluster-snapshot.js';
import { createValidator, type Evaluation, type PolicyContext } from '../engine.js';
import { createMutator } from '../mutation-engine.js';
import type { Policy } from '../policy-spec.js';
import type { AdmissionInput } from '../request.js';
import { MUTATORS, RULES } from '../catalog.js';

const validate = createValidator(RULES);
const mutate = createMutator(MUTATORS);

/**
 * Judges a request as the webhook pair does: `/mutate` first (its patch applied to the object),
 * then `/validate` on the result, with the whole catalog. A request whose mutation fails goes to
 * `/validate` unpatched, as it would have were the mutating webhook skipped.
 */
export function validateAsWebhook(
  request: AdmissionInput,
  policy: Policy,
  cluster: ClusterSnapshot,
  context?: PolicyContext,
): Evaluation {
  const mutated = mutate(request, policy, cluster);
  const object =
    mutated === undefined || mutated.errors.length > 0 ? request.object : mutated.mutated;
  return validate({ ...request, object }, policy, cluster, context);
}
