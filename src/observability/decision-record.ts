import type { Evaluation } from '../policy/engine.js';
import type { KubeObject } from '../policy/kube-object.js';
import type { Operation, TargetKind, UserInfo } from '../policy/request.js';

/** Which endpoint answered: `/mutate` or `/validate`. */
export type WebhookName = 'mutate' | 'validate';

/**
 * The outcome of one admission request, as metrics and logs label it:
 * - `allowed`: passed (possibly with Audit findings);
 * - `denied`: refused, on policy grounds or because the review's object was malformed;
 * - `warned`: allowed with warnings;
 * - `patched`: allowed with a non-empty JSON Patch (mutate only);
 * - `error`: something failed inside the webhook (both fail closed: code 500, no patch).
 */
export type Decision = 'allowed' | 'denied' | 'warned' | 'patched' | 'error';

/**
 * A member of {@link DecisionInput} that could not be read: a request denied before its body was
 * decoded (the decision worker's queue was full, or the worker was lost before it read the body)
 * is reported with what the start of its body said, and this for the rest.
 */
export const UNKNOWN = '<unknown>';

/** The request a decision was about. Safe to keep: every field is copied out of the review. */
export interface DecisionInput {
  readonly uid: string;
  /** The dispatched kind; undefined for kinds the webhook does not handle. */
  readonly target: TargetKind | undefined;
  /** `group/version` of `request.kind` (`v1` for the core group). */
  readonly apiVersion: string;
  /** `request.kind.kind` as sent, e.g. `Profile`. */
  readonly kind: string;
  /** {@link UNKNOWN} only for a request denied before its body was decoded. */
  readonly operation: Operation | typeof UNKNOWN;
  readonly name: string;
  /** Empty for cluster-scoped objects. */
  readonly namespace: string;
  readonly user: UserInfo;
  /** Reporters with side effects (Events, PolicyReports) must skip dry-run requests. */
  readonly dryRun: boolean;
  /** The object that was judged (the stored one for DELETE), when it was a JSON object. */
  readonly object: KubeObject | undefined;
}

/** What the mutate endpoint did. */
export interface MutationOutcome {
  /** Mutators that ran without error. */
  readonly applied: readonly string[];
  /** Mutators that threw; any error leaves the request unpatched. */
  readonly errors: readonly { readonly id: string; readonly message: string }[];
  /** JSON Pointer paths the answered patch touches (empty when no patch was sent). */
  readonly patchedPaths: readonly string[];
}

/** One admission decision, handed to every {@link DecisionObserver}. */
export interface DecisionRecord {
  readonly webhook: WebhookName;
  readonly input: DecisionInput;
  readonly decision: Decision;
  /** The governing policy, when one was selected before the decision was reached. */
  readonly policy: { readonly name: string; readonly generation: number } | undefined;
  /** The validation outcome (validate only). */
  readonly evaluation: Evaluation | undefined;
  /** The mutation outcome (mutate only, when a mutation ran). */
  readonly mutation: MutationOutcome | undefined;
  /** Why the object was refused as malformed, or the text of an internal error. */
  readonly error: string | undefined;
  /** Handler time, from review in to result out. */
  readonly durationSeconds: number;
}

/**
 * Receives every decision the admission handlers reach: each observer decorates the handlers
 * (`admission/observed-handler.ts`) and is called synchronously with the handler's result once
 * it is decided; an observer that throws is isolated and does not change the answer.
 */
export interface DecisionObserver {
  onDecision(record: DecisionRecord): void;
}
