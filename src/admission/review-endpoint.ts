import type { AdmissionHandler } from './handler.js';
import { badRequest } from './responses.js';
import {
  parseAdmissionReview,
  type AdmissionReviewResponse,
  type ReviewApiVersion,
} from './review.js';
import { parseJsonSafely } from './safe-json.js';

/**
 * The body answered to something that is not an AdmissionReview: always `error`; and, when a uid
 * could be read, the AdmissionReview fields too (`allowed: false`, code 400), so that an API
 * server that reads the body still finds its uid.
 */
export type ReviewErrorBody =
  { readonly error: string } | (AdmissionReviewResponse & { readonly error: string });

/** An HTTP-free answer: the status and the JSON body to send. */
export type EndpointAnswer =
  | { readonly status: 200; readonly body: AdmissionReviewResponse }
  | { readonly status: 400; readonly body: ReviewErrorBody };

/**
 * Answers a raw request body (bytes) the way `/mutate` and `/validate` do: 200 with the handler's
 * AdmissionReview for a well-formed review (a bad object inside is the handler's decision), 400
 * otherwise. Never throws, as long as the handler keeps its no-throw contract.
 */
export function answerRawBody(bytes: Uint8Array, handler: AdmissionHandler): EndpointAnswer {
  const parsed = parseJsonSafely(bytes);
  if (!parsed.ok) return { status: 400, body: { error: parsed.error } };
  return answerReviewBody(parsed.value, handler);
}

/** As {@link answerRawBody}, for a body that is already JSON-decoded. */
export function answerReviewBody(body: unknown, handler: AdmissionHandler): EndpointAnswer {
  const parsed = parseAdmissionReview(body);
  if (parsed.ok) return { status: 200, body: handler.handle(parsed.review) };
  if (parsed.uid === undefined) return { status: 400, body: { error: parsed.error } };
  return { status: 400, body: reviewError(parsed.uid, parsed.apiVersion, parsed.error) };
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
    response: badRequest(uid, error),
  };
}
