import type {
  DecisionInput,
  DecisionRecord,
  WebhookName,
} from '../observability/decision-record.js';
import type { AdmissionResult } from './handler.js';
import { countJsonTokens } from './json-token-count.js';
import { admissionResponse, badRequestStatus } from './responses.js';
import {
  parseAdmissionReview,
  type AdmissionReview,
  type AdmissionReviewResponse,
  type ReviewApiVersion,
} from './review.js';
import { parseJsonSafely } from './safe-json.js';
import { sniffedInput, sniffRequest } from './sniff-identity.js';

/**
 * The most structural JSON tokens (`{`, `[`, `,`, `:` outside strings; see `countJsonTokens`) a
 * request body may hold to be decoded: the whole review, object and oldObject together. A body
 * with more is denied unread (see {@link decodeReviewBytes}). Decoding alone is the floor of a
 * body's cost and grows with its tokens — JSON.parse of 1 048 375 rules `{}` (3 MiB, about 2.1
 * million tokens) takes about 190 ms of CPU here, before any rule runs — so no rule can answer
 * a token-dense 3 MiB body within the contract's 100 ms of one core; bounding the tokens does,
 * as Kubernetes bounds a JSON Patch's operations (10 000). Just under this bound the
 * token-dense shapes measured on a loaded 2-core VM (50 000 AuthorizationPolicy rules `{}`, 50 000
 * labels or annotations, 20 000 subjects, 50 000-deep nesting, and UPDATEs of half of each) took
 * at most 45 ms of CPU each to decode and decide, the decoding 1–32 ms of it; a Kubeflow object
 * holds a few hundred tokens, managedFields included.
 */
export const MAX_REVIEW_TOKENS = 100_000;

/** The message of a body over {@link MAX_REVIEW_TOKENS}, naming the bound. */
export const TOO_MANY_TOKENS =
  `request: the review holds more than ${String(MAX_REVIEW_TOKENS)} JSON tokens ` +
  `(object and oldObject together); profile-guard decodes at most ${String(MAX_REVIEW_TOKENS)} ` +
  '(bounded work): denied';

/**
 * The body answered to something that is not an AdmissionReview: always `error`; and, when a uid
 * could be read, the AdmissionReview fields too (`allowed: false`, code 400), so that an API
 * server that reads the body still finds its uid.
 */
export type ReviewErrorBody =
  { readonly error: string } | (AdmissionReviewResponse & { readonly error: string });

/**
 * A request denied without being decoded (over {@link MAX_REVIEW_TOKENS}): its error, and the
 * request as the start of its body names it (`sniffRequest`), for its decision record.
 */
export interface UndecodedDenial {
  readonly error: string;
  readonly input: DecisionInput;
}

/**
 * A request body decoded: the review to hand to a handler; or the 400 body to answer; or, with
 * `denied`, the AdmissionReview denial (HTTP 200) of a body refused unread, to answer and audit.
 */
export type DecodedReview =
  | { readonly ok: true; readonly review: AdmissionReview; readonly denied?: undefined }
  | { readonly ok: false; readonly body: ReviewErrorBody; readonly denied?: undefined }
  | {
      readonly ok: false;
      readonly body: AdmissionReviewResponse;
      readonly denied: UndecodedDenial;
    };

/**
 * Decodes a raw request body (bytes): UTF-8 JSON (pollution keys dropped, any depth) that must
 * be an AdmissionReview. Never throws. A body holding more than {@link MAX_REVIEW_TOKENS}
 * structural tokens is not decoded at all (its bytes are counted, up to the bound, and never
 * turned into text): it is denied — `allowed: false`, code 403, {@link TOO_MANY_TOKENS} — to the
 * uid and apiVersion at the start of the body (`sniffIdentity`), whatever its kind and
 * operation; a body without them there is answered as an unreadable one is (400, `{ error }`).
 */
export function decodeReviewBytes(bytes: Uint8Array): DecodedReview {
  if (countJsonTokens(bytes, MAX_REVIEW_TOKENS) > MAX_REVIEW_TOKENS) return tooManyTokens(bytes);
  const parsed = parseJsonSafely(bytes);
  if (!parsed.ok) return { ok: false, body: { error: parsed.error } };
  return decodeReview(parsed.value);
}

/** As {@link decodeReviewBytes}, for a body that is already JSON-decoded. */
export function decodeReview(body: unknown): DecodedReview {
  const parsed = parseAdmissionReview(body);
  if (parsed.ok) return { ok: true, review: parsed.review };
  if (parsed.uid === undefined) return { ok: false, body: { error: parsed.error } };
  return { ok: false, body: reviewError(parsed.uid, parsed.apiVersion, parsed.error) };
}

/**
 * The AdmissionReview the API server reads for a handler's result: the review's apiVersion and
 * kind, `response.uid` = `request.uid`, the typed patch as base64 JSON. The only encoding of a
 * result; the HTTP edge calls it once per answer.
 */
export function encodeReviewResponse(result: AdmissionResult): AdmissionReviewResponse {
  return {
    apiVersion: result.reviewApiVersion,
    kind: 'AdmissionReview',
    response: admissionResponse(result.input.uid, result),
  };
}

/**
 * The decision record of an {@link UndecodedDenial} (decision `denied`, no policy, no
 * evaluation), observed as any denial is: the decision log, the admission metrics.
 */
export function undecodedRecord(
  webhook: WebhookName,
  denied: UndecodedDenial,
  durationSeconds: number,
): DecisionRecord {
  return {
    webhook,
    input: denied.input,
    decision: 'denied',
    policy: undefined,
    evaluation: undefined,
    mutation: undefined,
    error: denied.error,
    durationSeconds,
  };
}

function tooManyTokens(bytes: Uint8Array): DecodedReview {
  const sniffed = sniffRequest(bytes);
  const identity = sniffed.identity;
  if (identity === undefined) return { ok: false, body: { error: TOO_MANY_TOKENS } };
  const response = admissionResponse(identity.uid, {
    allowed: false,
    status: { code: 403, reason: 'Forbidden', message: TOO_MANY_TOKENS },
    auditAnnotations: { decision: 'denied' },
  });
  return {
    ok: false,
    body: { apiVersion: identity.apiVersion, kind: 'AdmissionReview', response },
    denied: { error: TOO_MANY_TOKENS, input: sniffedInput(sniffed) },
  };
}

function reviewError(
  uid: string,
  apiVersion: ReviewApiVersion | undefined,
  error: string,
): ReviewErrorBody {
  return {
    error,
    apiVersion: apiVersion ?? 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: admissionResponse(uid, { allowed: false, status: badRequestStatus(error) }),
  };
}
