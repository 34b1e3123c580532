import type { Evaluation, Finding } from '../policy/engine.js';
import type { JsonPatchOperation } from './json-patch.js';
import type { AdmissionResponse, ResponseStatus } from './review.js';
import { truncate } from '../util/truncate.js';

/** The API server's limit on one warning; longer entries are cut to it. */
export const MAX_WARNING_CHARS = 256;

/** The parts of an answer before encoding, as a handler's result holds them. */
export interface ResponseParts {
  readonly allowed: boolean;
  readonly status?: ResponseStatus | undefined;
  readonly warnings?: readonly string[];
  readonly auditAnnotations?: Readonly<Record<string, string>>;
  /** Sent as `patchType: JSONPatch` + base64 `patch` only when non-empty. */
  readonly patch?: readonly JsonPatchOperation[];
}

/** `<rule-id>: <message>`, the form every denial and warning takes. */
export function formatFinding(finding: Finding): string {
  return `${finding.ruleId}: ${finding.message}`;
}

/**
 * The wire `response` for `uid`: the one place a typed patch becomes base64 JSON (as
 * controller-runtime's `Response.Complete`). Empty `warnings`, empty `auditAnnotations` and an
 * empty patch are left out entirely (the contract: "no `patch` field at all when nothing
 * changes"); fields in the order uid, allowed, status, patchType, patch, warnings,
 * auditAnnotations.
 */
export function admissionResponse(uid: string, parts: ResponseParts): AdmissionResponse {
  const response: {
    uid: string;
    allowed: boolean;
    status?: ResponseStatus;
    patchType?: 'JSONPatch';
    patch?: string;
    warnings?: readonly string[];
    auditAnnotations?: Readonly<Record<string, string>>;
  } = { uid, allowed: parts.allowed };
  if (parts.status !== undefined) response.status = parts.status;
  if (parts.patch !== undefined && parts.patch.length > 0) {
    response.patchType = 'JSONPatch';
    response.patch = Buffer.from(JSON.stringify(parts.patch), 'utf8').toString('base64');
  }
  if (parts.warnings !== undefined && parts.warnings.length > 0) {
    response.warnings = parts.warnings;
  }
  if (parts.auditAnnotations !== undefined && Object.keys(parts.auditAnnotations).length > 0) {
    response.auditAnnotations = parts.auditAnnotations;
  }
  return response;
}

/**
 * A policy denial's status: code 403, reason `Forbidden`, and a message listing every denial as
 * `<rule-id>: <message>` joined with `; ` (kubectl prints it after "denied the request: ").
 */
export function forbiddenStatus(findings: readonly Finding[]): ResponseStatus {
  return { code: 403, reason: 'Forbidden', message: findings.map(formatFinding).join('; ') };
}

/** A refusal because the review's content is malformed (code 400, reason `BadRequest`). */
export function badRequestStatus(message: string): ResponseStatus {
  return { code: 400, reason: 'BadRequest', message };
}

/** A refusal because the webhook itself failed (code 500): validation fails closed. */
export function internalErrorStatus(message: string): ResponseStatus {
  return { code: 500, reason: 'InternalError', message };
}

/**
 * One `warnings` entry: `<rule-id>: <message>`, control characters turned into spaces (the API
 * server sends warnings as HTTP headers), cut to at most {@link MAX_WARNING_CHARS} characters
 * (code points, so a surrogate pair is never split) ending with `…` when cut.
 */
export function warningText(finding: Finding): string {
  return truncate(formatFinding(finding).replace(/\p{Cc}/gu, ' '), MAX_WARNING_CHARS);
}

/** The warnings of an evaluation: Warn-mode findings and ratcheted denials, in catalog order. */
export function warningsOf(evaluation: Evaluation): string[] {
  return evaluation.warnings.map(warningText);
}

/**
 * The validation `auditAnnotations`: `decision` (`allowed|denied|warned`) and, when any rule did
 * not pass (fail, warn or error, Audit-mode rules included), `rules` as comma-separated unique ids
 * in catalog order. Keys carry no `/`: the API server prefixes them with the webhook's name.
 */
export function auditAnnotationsOf(evaluation: Evaluation): Record<string, string> {
  const decision = !evaluation.allowed
    ? 'denied'
    : evaluation.warnings.length > 0
      ? 'warned'
      : 'allowed';
  const ids = new Set<string>();
  for (const rule of evaluation.evaluations) {
    if (rule.status === 'fail' || rule.status === 'warn' || rule.status === 'error') {
      ids.add(rule.ruleId);
    }
  }
  for (const finding of [...evaluation.denials, ...evaluation.warnings, ...evaluation.audits]) {
    ids.add(finding.ruleId);
  }
  return ids.size > 0 ? { decision, rules: [...ids].join(',') } : { decision };
}
