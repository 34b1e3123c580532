import type { ClusterSnapshot } from '../policy/cluster-snapshot.js';
import type { Evaluation, Validator } from '../policy/engine.js';
import type { Mutator } from '../policy/mutation-engine.js';
import type { PolicyProvider } from '../policy/policy-provider.js';
import type { AdmissionInput } from '../policy/request.js';
import type {
  Decision,
  DecisionInput,
  DecisionObserver,
  DecisionRecord,
  MutationOutcome,
  WebhookName,
} from '../observability/decision-record.js';
import { groupVersion, targetKind, toAdmissionInput } from './dispatch.js';
import { diffToJsonPatch } from './json-patch.js';
import {
  allowed,
  auditAnnotationsOf,
  badRequest,
  denied,
  internalError,
  warningsOf,
} from './responses.js';
import type { AdmissionResponse, AdmissionReview, AdmissionReviewResponse } from './review.js';

export type {
  Decision,
  DecisionInput,
  DecisionObserver,
  DecisionRecord,
  MutationOutcome,
  WebhookName,
} from '../observability/decision-record.js';

/**
 * Answers one well-formed AdmissionReview. Implementations never throw: whatever goes wrong
 * inside becomes an answer carrying the request's uid.
 */
export interface AdmissionHandler {
  handle(review: AdmissionReview): AdmissionReviewResponse;
}

/** What both handlers need. `snapshot` is read once per request. */
export interface HandlerDeps {
  readonly validator: Validator;
  readonly mutator: Mutator;
  readonly policies: PolicyProvider;
  readonly snapshot: () => ClusterSnapshot;
  readonly observer?: DecisionObserver;
  /** A monotonic clock in milliseconds, for `durationSeconds`; defaults to `performance.now`. */
  readonly now?: () => number;
}

/** The partial record a handler step fills in; `finish` adds the rest. */
interface Outcome {
  readonly response: AdmissionResponse;
  readonly decision: Decision;
  readonly input?: AdmissionInput | undefined;
  readonly policy?: { readonly name: string; readonly generation: number } | undefined;
  readonly evaluation?: Evaluation | undefined;
  readonly mutation?: MutationOutcome | undefined;
  readonly error?: string | undefined;
}

/**
 * The `/validate` handler: dispatches on `request.kind`, selects the policy, evaluates, and
 * answers a denial (403), warnings and audit annotations. Unhandled kinds are allowed. A bad
 * object is denied with code 400; an internal failure is denied with code 500 (fail closed).
 */
export function createValidatingHandler(deps: HandlerDeps): AdmissionHandler {
  return createHandler('validate', deps, (input, uid) => {
    const cluster = deps.snapshot();
    const selected = deps.policies.select(input, cluster);
    const policy = { name: selected.name, generation: selected.generation };
    const evaluation = deps.validator(input, selected, cluster);
    const extras = {
      warnings: warningsOf(evaluation),
      auditAnnotations: { ...auditAnnotationsOf(evaluation), policy: selected.name },
    };
    if (!evaluation.allowed) {
      return {
        response: denied(uid, evaluation.denials, extras),
        decision: 'denied',
        input,
        policy,
        evaluation,
      };
    }
    const decision = evaluation.warnings.length > 0 ? 'warned' : 'allowed';
    return { response: allowed(uid, extras), decision, input, policy, evaluation };
  });
}

/**
 * The `/mutate` handler: never denies on policy grounds and sends no warnings (validation is the
 * validate endpoint's job). The patch is the diff from the request's object to the mutated one,
 * so an already-mutated object yields no patch. DELETE and CONNECT are never patched. If any
 * mutator fails, the request is allowed unpatched and the decision is `error`: mutating webhooks
 * run with failurePolicy Ignore, and a half-applied default is worse than none.
 */
export function createMutatingHandler(deps: HandlerDeps): AdmissionHandler {
  return createHandler('mutate', deps, (input, uid) => {
    if (input.operation !== 'CREATE' && input.operation !== 'UPDATE') {
      return {
        response: allowed(uid, { auditAnnotations: { decision: 'allowed' } }),
        decision: 'allowed',
        input,
      };
    }
    const cluster = deps.snapshot();
    const selected = deps.policies.select(input, cluster);
    const policy = { name: selected.name, generation: selected.generation };
    const result = deps.mutator(input, selected, cluster);
    if (result === undefined) {
      return {
        response: allowed(uid, { auditAnnotations: { decision: 'allowed' } }),
        decision: 'allowed',
        input,
        policy,
      };
    }
    if (result.errors.length > 0) {
      const failed = result.errors.map((error) => error.id).join(',');
      return {
        response: allowed(uid, {
          auditAnnotations: { decision: 'allowed', policy: selected.name, mutationErrors: failed },
        }),
        decision: 'error',
        input,
        policy,
        mutation: { applied: result.applied, errors: result.errors, patchedPaths: [] },
        error: result.errors.map((error) => `${error.id}: ${error.message}`).join('; '),
      };
    }
    const patch = diffToJsonPatch(input.object, result.mutated);
    const mutation = {
      applied: result.applied,
      errors: result.errors,
      patchedPaths: patch.map((operation) => operation.path),
    };
    return {
      response: allowed(uid, {
        patch,
        auditAnnotations: { decision: 'allowed', policy: selected.name },
      }),
      decision: patch.length > 0 ? 'patched' : 'allowed',
      input,
      policy,
      mutation,
    };
  });
}

type Step = (input: AdmissionInput, uid: string) => Outcome;

/** The shared frame: dispatch, run the step, turn any throw into an answer, observe, wrap. */
function createHandler(webhook: WebhookName, deps: HandlerDeps, step: Step): AdmissionHandler {
  const now = deps.now ?? (() => performance.now());
  return {
    handle(review) {
      const started = now();
      const { request } = review;
      const target = targetKind(request.kind);
      let input: AdmissionInput | undefined;
      let outcome: Outcome;
      try {
        if (target === undefined) {
          outcome = { response: allowed(request.uid), decision: 'allowed' };
        } else {
          const dispatched = toAdmissionInput(request, target);
          if (dispatched.ok) {
            input = dispatched.input;
            outcome = step(input, request.uid);
          } else {
            outcome = {
              response: badRequest(request.uid, dispatched.message, {
                auditAnnotations: { decision: 'denied' },
              }),
              decision: 'denied',
              error: dispatched.message,
            };
          }
        }
      } catch (error) {
        outcome = { ...failure(webhook, request.uid, error), input };
      }
      const answer: AdmissionReviewResponse = {
        apiVersion: review.apiVersion,
        kind: 'AdmissionReview',
        response: outcome.response,
      };
      if (deps.observer !== undefined) {
        notify(deps.observer, {
          webhook,
          input: describe(review, target, outcome.input),
          decision: outcome.decision,
          policy: outcome.policy,
          evaluation: outcome.evaluation,
          mutation: outcome.mutation,
          error: outcome.error,
          durationSeconds: Math.max(0, (now() - started) / 1000),
        });
      }
      return answer;
    },
  };
}

/** The answer to an unexpected exception: validate fails closed, mutate lets the request by. */
function failure(webhook: WebhookName, uid: string, error: unknown): Outcome {
  const text = `internal error: ${error instanceof Error ? error.message : String(error)}`;
  const response =
    webhook === 'validate'
      ? internalError(uid, text, { auditAnnotations: { decision: 'denied' } })
      : allowed(uid, { auditAnnotations: { decision: 'allowed' } });
  return { response, decision: 'error', error: text };
}

function notify(observer: DecisionObserver, record: DecisionRecord): void {
  try {
    observer.onDecision(record);
  } catch {
    // Observers report; they must not change or break the answer already built.
  }
}

function describe(
  review: AdmissionReview,
  target: DecisionInput['target'],
  input: AdmissionInput | undefined,
): DecisionInput {
  const { request } = review;
  const object = input?.operation === 'DELETE' ? input.oldObject : input?.object;
  return {
    uid: request.uid,
    target,
    apiVersion: groupVersion(request.kind),
    kind: request.kind.kind,
    operation: request.operation,
    name: input?.name ?? request.name,
    namespace: request.namespace,
    user: { username: request.userInfo.username, groups: request.userInfo.groups },
    dryRun: request.dryRun,
    object,
  };
}
