import { NO_CLUSTER } from '../cluster-snapshot.js';
import type { Evaluation, Finding } from '../engine.js';
import type { KubeObject } from '../kube-object.js';
import type { Policy } from '../policy-spec.js';
import type { Operation, UserInfo } from '../request.js';
import type { RuleId } from '../rule-ids.js';
import { validateAsWebhook } from './as-webhook.js';
import { input } from './fixtures.js';
import { testPolicy } from './test-policy.js';

/** The Profile the profile controller's users create: `alice`, owned by `alice@example.com`. */
export function aliceProfile(apiVersion = 'kubeflow.org/v1'): KubeObject {
  return {
    apiVersion,
    kind: 'Profile',
    metadata: { name: 'alice' },
    spec: { owner: { kind: 'User', name: 'alice@example.com' } },
  };
}

/** `aliceProfile()` with `spec` fields replaced (shallowly) by `spec`. */
export function profileWithSpec(spec: Record<string, unknown>, name = 'alice'): KubeObject {
  const base = aliceProfile();
  return { ...base, metadata: { name }, spec: { ...(base.spec as object), ...spec } };
}

/** `aliceProfile()` with `spec.resourceQuotaSpec.hard` set. */
export function profileWithHard(hard: unknown): KubeObject {
  return profileWithSpec({ resourceQuotaSpec: { hard } });
}

/** Runs one Profile request as the webhook would: `/mutate`, then the whole catalog. */
export function evaluateProfile(
  object: KubeObject,
  options: {
    policy?: Policy;
    operation?: Operation;
    oldObject?: KubeObject;
    user?: UserInfo;
    /** The label keys the policies' selectors read (default: none). */
    selectorLabelKeys?: ReadonlySet<string>;
  } = {},
): Evaluation {
  const apiVersion = typeof object.apiVersion === 'string' ? object.apiVersion : 'kubeflow.org/v1';
  return validateAsWebhook(
    input('Profile', object, {
      apiVersion,
      ...(options.operation === undefined ? {} : { operation: options.operation }),
      ...(options.oldObject === undefined ? {} : { oldObject: options.oldObject }),
      ...(options.user === undefined ? {} : { user: options.user }),
    }),
    options.policy ?? testPolicy(),
    NO_CLUSTER,
    options.selectorLabelKeys === undefined
      ? undefined
      : { selectorLabelKeys: options.selectorLabelKeys },
  );
}

/** Every finding (denial, warning or audit) of one rule, as `{path, message}`. */
export function findingsOf(
  evaluation: Evaluation,
  ruleId: RuleId,
): { path: string; message: string }[] {
  const all: readonly Finding[] = [
    ...evaluation.denials,
    ...evaluation.warnings,
    ...evaluation.audits,
  ];
  return all
    .filter((finding) => finding.ruleId === ruleId)
    .map(({ path, message }) => ({ path, message }));
}

/** The paths one rule reported for `object` (CREATE by a non-exempt caller unless told). */
export function pathsOf(
  ruleId: RuleId,
  object: KubeObject,
  options: Parameters<typeof evaluateProfile>[1] = {},
): string[] {
  return findingsOf(evaluateProfile(object, options), ruleId).map((finding) => finding.path);
}
