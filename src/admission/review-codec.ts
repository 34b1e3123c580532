import type { AdmissionResult } from './handler.js';
import { admissionResponse, badRequestStatus } from './responses.js';
import {
  parseAdmissionReview,
  type AdmissionReview,
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

/** A request body decoded: the review to hand to a handler, or the 400 body to answer. */
export type DecodedReview =
  | { readonly ok: true; readonly review: AdmissionReview }
  | { readonly ok: false; readonly body: ReviewErrorBody };

/**
 * Decodes a raw request body (bytes): UTF-8 JSON (pollution keys dropped, any depth) that must
 * be an AdmissionReview. Never throws.
 */
export function decodeReviewBytes(bytes: Uint8Array): DecodedReview {
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
