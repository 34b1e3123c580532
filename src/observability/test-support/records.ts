import type { Evaluation, Finding } from '../../policy/engine.js';
import type { DecisionRecord } from '../decision-record.js';

const finding = (ruleId: Finding['ruleId'], mode: Finding['mode']): Finding => ({
  ruleId,
  mode,
  path: 'spec.owner.name',
  message: `spec.owner.name broke ${ruleId}`,
  ratcheted: false,
});

/** An evaluation: one Enforce denial, one Warn warning, one Audit finding. */
export const MIXED_EVALUATION: Evaluation = {
  allowed: false,
  exempt: false,
  denials: [finding('profile-owner-format', 'Enforce')],
  warnings: [finding('profile-owner-lowercase', 'Warn')],
  audits: [finding('profile-owner-domain', 'Audit')],
  evaluations: [
    { ruleId: 'profile-name-format', status: 'pass', mode: 'Enforce', findings: [] },
    {
      ruleId: 'profile-owner-format',
      status: 'fail',
      mode: 'Enforce',
      findings: [finding('profile-owner-format', 'Enforce')],
    },
    {
      ruleId: 'profile-owner-lowercase',
      status: 'fail',
      mode: 'Warn',
      findings: [finding('profile-owner-lowercase', 'Warn')],
    },
    {
      ruleId: 'profile-owner-domain',
      status: 'fail',
      mode: 'Audit',
      findings: [finding('profile-owner-domain', 'Audit')],
    },
  ],
};

/** A decision record with a secret-looking name, namespace and user, for label checks. */
export function record(patch: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    webhook: 'validate',
    input: {
      uid: 'uid-1',
      target: 'Profile',
      apiVersion: 'kubeflow.org/v1',
      kind: 'Profile',
      operation: 'CREATE',
      name: 'secret-name',
      namespace: 'secret-namespace',
      user: { username: 'secret-user@example.com', groups: ['team-x'] },
      dryRun: false,
      object: { metadata: { name: 'secret-name' }, spec: { token: 'object-content' } },
    },
    decision: 'denied',
    policy: { name: 'default', generation: 2 },
    evaluation: MIXED_EVALUATION,
    mutation: undefined,
    error: undefined,
    durationSeconds: 0.003,
    ...patch,
  };
}
