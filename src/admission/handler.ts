import type { ClusterSnapshot } from '../policy/cluster-snapshot.js';
import type { Evaluation, Validator } from '../policy/engine.js';
import type { Mutator } from '../policy/mutation-engine.js';
import type { PolicyProvider } from '../policy/policy-provider.js';
import type { AdmissionInput } from '../policy/request.js';
import { NO_SELECTOR_LABEL_KEYS } from '../policy/rule.js';
import type {
  Decision,
  DecisionInput,
  DecisionRecord,
  MutationOutcome,
  WebhookName,
} from '../observability/decision-record.js';
import { groupVersion, targetKind, toAdmissionInput } from './dispatch.js';
import { diffToJsonPatch, type JsonPatchOperation } from './json-patch.js';
import {
  auditAnnotationsOf,
  badRequestStatus,
  forbiddenStatus,
  internalErrorStatus,
  warningsOf,
} from './responses.js';
import type { AdmissionReview, ResponseStatus, ReviewApiVersion } from './review.js';
import { errorMessage } from '../util/error-message.js';

export type {
  Decision,
  DecisionInput,
  DecisionObserver,
  DecisionRecord,
  MutationOutcome,
  WebhookName,
} from '../observability/decision-record.js';

/**
 * What a handler decided about one review, whole: the decision record every observer reads
 * (decision, evaluation, mutation outcome, policy, duration) and the parts of the answer, with
 * the patch as typed operations — as controller-runtime's `admission.Response` carries typed
 * `Patches`. Nothing here is wire format yet: `encodeReviewResponse` (`review-codec.ts`) turns
 * it into the AdmissionReview the API server reads (base64 patch included), once, at the edge;
 * `check` reads it as it is.
 */
export interface AdmissionResult extends DecisionRecord {
  /** The review's apiVersion, which the answer echoes. */
  readonly reviewApiVersion: ReviewApiVersion;
  readonly allowed: boolean;
  /** Why a request was refused: 403 policy denial, 400 bad object, 500 internal error. */
  readonly status: ResponseStatus | undefined;
  /** `<rule-id>: <message>` of Warn-mode and ratcheted findings, as sent (each capped). */
  readonly warnings: readonly string[];
  /** The answer's `auditAnnotations` (keys without `/`). */
  readonly auditAnnotations: Readonly<Record<string, string>>;
  /** The JSON Patch `/mutate` answers; empty: no patch (never one on `/validate`). */
  readonly patch: readonly JsonPatchOperation[];
}

/**
 * Decides one well-formed AdmissionReview. Implementations never throw: whatever goes wrong
 * inside becomes a result answering the request's uid.
 */
export interface AdmissionHandler {
  handle(review: AdmissionReview): AdmissionResult;
}

/** What both handlers need. `snapshot` is read once per request. */
export interface HandlerDeps {
  readonly validator: Validator;
  readonly mutator: Mutator;
  readonly policies: PolicyProvider;
  readonly snapshot: () => ClusterSnapshot;
  /** A monotonic clock in milliseconds, for `durationSeconds`; defaults to `performance.now`. */
  readonly now?: () => number;
}

/** The parts of a result a handler step decides; the frame adds the rest. */
interface Outcome {
  readonly decision: Decision;
  readonly allowed: boolean;
  readonly status?: ResponseStatus | undefined;
  readonly warnings?: readonly string[];
  readonly auditAnnotations?: Readonly<Record<string, string>>;
  readonly patch?: readonly JsonPatchOperation[];
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
  return createHandler('validate', deps, (input) => {
    const cluster = deps.snapshot();
    const selected = deps.policies.select(input, cluster);
    const policy = { name: selected.name, generation: selected.generation };
    const evaluation = deps.validator(input, selected, cluster, {
      selectorLabelKeys:
        deps.policies.guardedLabelKeys?.(input) ??
        deps.policies.selectorLabelKeys?.() ??
        NO_SELECTOR_LABEL_KEYS,
    });
    const extras = {
      warnings: warningsOf(evaluation),
      auditAnnotations: { ...auditAnnotationsOf(evaluation), policy: selected.name },
    };
    if (!evaluation.allowed) {
      return {
        decision: 'denied',
        allowed: false,
        status: forbiddenStatus(evaluation.denials),
        ...extras,
        input,
        policy,
        evaluation,
      };
    }
    const decision = evaluation.warnings.length > 0 ? 'warned' : 'allowed';
    return { decision, allowed: true, ...extras, input, policy, evaluation };
  });
}

/**
 * The `/mutate` handler: never denies on policy grounds and sends no warnings (validation is the
 * validate endpoint's job). The patch is the diff from the request's object to the mutated one,
 * so an already-mutated object yields no patch. DELETE and CONNECT are never patched. If any
 * mutator fails, or anything throws, no patch is sent (a half-applied default is worse than none)
 * and the decision is `error`: the request is then denied with code 500 naming the field that
 * could not be given its defaults. A Profile must never land without them (`/validate`'s
 * `profile-defaults-applied` denies it as well, for when this webhook is skipped), and a profile's
 * Namespace never without the labels the policy injects (such as
 * `pod-security.kubernetes.io/enforce`): a live webhook that cannot apply them says so instead of
 * letting the write by. (`failurePolicy: Ignore` on the Namespace webhook is about a webhook that
 * does not answer at all; an answer is never an allow by error.)
 */
export function createMutatingHandler(deps: HandlerDeps): AdmissionHandler {
  return createHandler('mutate', deps, (input) => {
    if (input.operation !== 'CREATE' && input.operation !== 'UPDATE') {
      return { decision: 'allowed', allowed: true, auditAnnotations: ALLOWED, input };
    }
    const cluster = deps.snapshot();
    const selected = deps.policies.select(input, cluster);
    const policy = { name: selected.name, generation: selected.generation };
    const result = deps.mutator(input, selected, cluster);
    if (result === undefined) {
      return { decision: 'allowed', allowed: true, auditAnnotations: ALLOWED, input, policy };
    }
    if (result.errors.length > 0) {
      const failed = result.errors.map((error) => error.id).join(',');
      const error = result.errors
        .map(({ id, path, message }) => `${id}: ${path} cannot be given its defaults: ${message}`)
        .join('; ');
      const deny = failsClosed(input.target);
      return {
        decision: 'error',
        allowed: !deny,
        ...(deny ? { status: internalErrorStatus(error) } : {}),
        auditAnnotations: {
          decision: deny ? 'denied' : 'allowed',
          policy: selected.name,
          mutationErrors: failed,
        },
        input,
        policy,
        mutation: { applied: result.applied, errors: result.errors, patchedPaths: [] },
        error,
      };
    }
    const patch = diffToJsonPatch(input.object, result.mutated);
    const mutation = {
      applied: result.applied,
      errors: result.errors,
      patchedPaths: patch.map((operation) => operation.path),
    };
    return {
      decision: patch.length > 0 ? 'patched' : 'allowed',
      allowed: true,
      patch,
      auditAnnotations: { decision: 'allowed', policy: selected.name },
      input,
      policy,
      mutation,
    };
  });
}

type Step = (input: AdmissionInput) => Outcome;

/** The annotations of a request allowed before any policy was involved. */
const ALLOWED: Readonly<Record<string, string>> = Object.freeze({ decision: 'allowed' });
const DENIED: Readonly<Record<string, string>> = Object.freeze({ decision: 'denied' });

/** The shared frame: dispatch, run the step, turn any throw into a result, time it. */
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
          outcome = { decision: 'allowed', allowed: true };
        } else {
          const dispatched = toAdmissionInput(request, target);
          if (dispatched.ok) {
            input = dispatched.input;
            outcome = step(input);
          } else {
            outcome = {
              decision: 'denied',
              allowed: false,
              status: badRequestStatus(dispatched.message),
              auditAnnotations: DENIED,
              error: dispatched.message,
            };
          }
        }
      } catch (error) {
        outcome = { ...failure(webhook, target, error), input };
      }
      return {
        webhook,
        input: describe(review, target, outcome.input),
        decision: outcome.decision,
        policy: outcome.policy,
        evaluation: outcome.evaluation,
        mutation: outcome.mutation,
        error: outcome.error,
        durationSeconds: Math.max(0, (now() - started) / 1000),
        reviewApiVersion: review.apiVersion,
        allowed: outcome.allowed,
        status: outcome.status,
        warnings: outcome.warnings ?? [],
        auditAnnotations: outcome.auditAnnotations ?? {},
        patch: outcome.patch ?? [],
      };
    },
  };
}

/**
 * True for the kinds `/mutate` denies when their mutation fails: every kind it mutates (a Profile
 * must never land without its defaults, a profile's Namespace never without its injected labels).
 * Kinds it does not handle never reach a mutator and are allowed unpatched.
 */
function failsClosed(target: DecisionInput['target']): boolean {
  return target !== undefined;
}

/**
 * The result of an unexpected exception: validate fails closed, and so does mutate for every kind
 * it mutates (see {@link failsClosed}).
 */
function failure(webhook: WebhookName, target: DecisionInput['target'], error: unknown): Outcome {
  const text = `internal error: ${errorMessage(error)}`;
  return webhook === 'validate' || failsClosed(target)
    ? {
        decision: 'error',
        allowed: false,
        status: internalErrorStatus(text),
        auditAnnotations: DENIED,
        error: text,
      }
    : { decision: 'error', allowed: true, auditAnnotations: ALLOWED, error: text };
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
