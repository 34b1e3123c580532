import { asRecord } from '../policy/object-access.js';
import type { Operation } from '../policy/request.js';

/** The AdmissionReview versions the webhook answers; the answer echoes the request's. */
export const REVIEW_API_VERSIONS = ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'] as const;

/** One of {@link REVIEW_API_VERSIONS}. */
export type ReviewApiVersion = (typeof REVIEW_API_VERSIONS)[number];

const OPERATIONS: readonly Operation[] = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];

/** `request.kind`: the kind of the object under admission. `group` is empty for core kinds. */
export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

/** The validated parts of `request`; `object` and `oldObject` stay untrusted JSON. */
export interface AdmissionRequest {
  readonly uid: string;
  readonly kind: GroupVersionKind;
  readonly operation: Operation;
  /** Empty when the request did not name the object (e.g. `generateName`). */
  readonly name: string;
  /** Empty for cluster-scoped objects. */
  readonly namespace: string;
  readonly userInfo: { readonly username: string; readonly groups: readonly string[] };
  /** Absent or null in the review: undefined. */
  readonly object: unknown;
  readonly oldObject: unknown;
  readonly dryRun: boolean;
}

/** A well-formed AdmissionReview request. */
export interface AdmissionReview {
  readonly apiVersion: ReviewApiVersion;
  readonly kind: 'AdmissionReview';
  readonly request: AdmissionRequest;
}

/** `response.status`, as the API server reads it (a metav1.Status subset). */
export interface ResponseStatus {
  readonly code: number;
  readonly reason?: string;
  readonly message?: string;
}

/** `response` of an AdmissionReview. Optional fields are left out, never null. */
export interface AdmissionResponse {
  readonly uid: string;
  readonly allowed: boolean;
  readonly status?: ResponseStatus;
  readonly patchType?: 'JSONPatch';
  /** Base64 of the JSON Patch document. */
  readonly patch?: string;
  readonly warnings?: readonly string[];
  readonly auditAnnotations?: Readonly<Record<string, string>>;
}

/** The AdmissionReview sent back: same apiVersion and kind as the request. */
export interface AdmissionReviewResponse {
  readonly apiVersion: ReviewApiVersion;
  readonly kind: 'AdmissionReview';
  readonly response: AdmissionResponse;
}

/**
 * Why a body is not an AdmissionReview. `error` names the field (`request.uid: missing`); `uid`
 * and `apiVersion` are set when they could still be read, so the caller can answer a review.
 */
export interface ReviewParseError {
  readonly ok: false;
  readonly status: 400;
  readonly error: string;
  readonly uid?: string;
  readonly apiVersion?: ReviewApiVersion;
}

/** The result of {@link parseAdmissionReview}. */
export type ReviewParseResult =
  { readonly ok: true; readonly review: AdmissionReview } | ReviewParseError;

class FieldError extends Error {}

/**
 * Parses an untrusted, already JSON-decoded body into an AdmissionReview. Never throws: every
 * problem becomes a {@link ReviewParseError} naming the first offending field.
 */
export function parseAdmissionReview(body: unknown): ReviewParseResult {
  const root = asRecord(body);
  if (root === undefined) return fail('body: not a JSON object');
  const apiVersion = readApiVersion(root.apiVersion);
  const request = asRecord(root.request);
  const uid = request !== undefined ? readUid(request.uid) : undefined;
  const known = { ...(uid !== undefined ? { uid } : {}), ...(apiVersion ? { apiVersion } : {}) };
  try {
    if (root.apiVersion === undefined) throw new FieldError('apiVersion: missing');
    if (apiVersion === undefined)
      throw new FieldError(`apiVersion: must be one of ${REVIEW_API_VERSIONS.join(', ')}`);
    if (root.kind !== 'AdmissionReview') throw new FieldError('kind: must be AdmissionReview');
    if (request === undefined)
      throw new FieldError(missingOr(root.request, 'request', 'an object'));
    if (uid === undefined)
      throw new FieldError(missingOr(request.uid, 'request.uid', 'a non-empty string'));
    return {
      ok: true,
      review: {
        apiVersion,
        kind: 'AdmissionReview',
        request: {
          uid,
          kind: readKind(request.kind),
          operation: readOperation(request.operation),
          name: optionalString(request.name, 'request.name'),
          namespace: optionalString(request.namespace, 'request.namespace'),
          userInfo: readUserInfo(request.userInfo),
          object: request.object ?? undefined,
          oldObject: request.oldObject ?? undefined,
          dryRun: readDryRun(request.dryRun),
        },
      },
    };
  } catch (error) {
    return fail(error instanceof FieldError ? error.message : 'body: malformed', known);
  }
}

function fail(
  error: string,
  known: { uid?: string; apiVersion?: ReviewApiVersion } = {},
): ReviewParseError {
  return { ok: false, status: 400, error, ...known };
}

function missingOr(value: unknown, field: string, expected: string): string {
  return value === undefined || value === null ? `${field}: missing` : `${field}: not ${expected}`;
}

function readApiVersion(value: unknown): ReviewApiVersion | undefined {
  return REVIEW_API_VERSIONS.find((version) => version === value);
}

function readUid(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function requiredString(value: unknown, field: string): string {
  if (typeof value === 'string' && value !== '') return value;
  throw new FieldError(missingOr(value === '' ? undefined : value, field, 'a string'));
}

function optionalString(value: unknown, field: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  throw new FieldError(`${field}: not a string`);
}

function readKind(value: unknown): GroupVersionKind {
  const kind = asRecord(value);
  if (kind === undefined) throw new FieldError(missingOr(value, 'request.kind', 'an object'));
  return {
    group: optionalString(kind.group, 'request.kind.group'),
    version: requiredString(kind.version, 'request.kind.version'),
    kind: requiredString(kind.kind, 'request.kind.kind'),
  };
}

function readOperation(value: unknown): Operation {
  const operation = OPERATIONS.find((candidate) => candidate === value);
  if (operation !== undefined) return operation;
  if (value === undefined || value === null) throw new FieldError('request.operation: missing');
  throw new FieldError(`request.operation: must be one of ${OPERATIONS.join(', ')}`);
}

function readUserInfo(value: unknown): AdmissionRequest['userInfo'] {
  const info = asRecord(value);
  if (info === undefined) throw new FieldError(missingOr(value, 'request.userInfo', 'an object'));
  const groups: unknown = info.groups ?? [];
  if (!isStringArray(groups))
    throw new FieldError('request.userInfo.groups: not an array of strings');
  // Anonymous requests carry `system:anonymous`, but an absent username is still a caller.
  return { username: optionalString(info.username, 'request.userInfo.username'), groups };
}

function readDryRun(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  throw new FieldError('request.dryRun: not a boolean');
}

function isStringArray(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((entry) => typeof entry === 'string');
}
