/**
 * How a finding counted: it denied the request, warned (Warn mode, or an Enforce violation kept
 * by ratcheting), or was only recorded (Audit mode).
 */
export type AuditOutcome = 'deny' | 'warn' | 'audit';

/** A decision worth auditing: denied, allowed with warnings, or allowed with Audit findings. */
export type AuditDecisionKind = 'denied' | 'warned' | 'audited';

/** One rule's finding within a decision. */
export interface AuditFinding {
  readonly rule: string;
  /** The rule's mode: `Enforce`, `Warn` or `Audit`. */
  readonly mode: string;
  readonly outcome: AuditOutcome;
  readonly message: string;
}

/**
 * One admission decision with findings, as read back from a decision log line or from
 * PolicyReport results: the common input of the audit summary.
 */
export interface AuditDecision {
  /** Milliseconds since the epoch. */
  readonly time: number;
  /** The AdmissionReview's `request.uid` (empty when the source did not record it). */
  readonly uid: string;
  readonly decision: AuditDecisionKind;
  readonly operation: string;
  readonly user: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  /** Empty for cluster-scoped objects. */
  readonly namespace: string;
  readonly policy: string;
  /** The governing policy's generation as a decimal string; empty when the source lacks it. */
  readonly policyGeneration: string;
  readonly findings: readonly AuditFinding[];
}

/** The decision kind a source's `decision` field stands for, given the findings it came with. */
export function decisionKind(
  decision: unknown,
  findings: readonly AuditFinding[],
): AuditDecisionKind | undefined {
  switch (decision) {
    case 'denied':
      return 'denied';
    case 'warned':
      return 'warned';
    case 'allowed':
      return 'audited';
    case undefined:
      if (findings.some((finding) => finding.outcome === 'deny')) return 'denied';
      if (findings.some((finding) => finding.outcome === 'warn')) return 'warned';
      return 'audited';
    default:
      return undefined;
  }
}
